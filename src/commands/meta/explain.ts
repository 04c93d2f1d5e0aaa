/** cma-demo explain: why a ScaledObject has the replicas it has. Light metadata: options and help; the implementation (../explain.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions, addSettingsOptions } from '../../options.js';
import type { Bind } from '../action.js';

export function registerExplain(program: Command, bind: Bind): void {
  const cmd = program
    .command('explain')
    .argument('[name]', "the ScaledObject on the cluster (-n NAMESPACE) [default: the last setup's]")
    .description("why the ScaledObject has the replicas it has: KEDA's and the HPA's decision step by step, and the fix")
    .addOption(new Option('--group <group>', "consumer group [default: the ScaledObject's consumerGroup, else test-cg]"))
    .addOption(new Option('--topic <topic>', "topic [default: the ScaledObject's topic]"))
    .addOption(new Option('--replicas <n>', "current replicas off a cluster [default: the group's members]"))
    .addOption(new Option('--reread <s>', 'seconds before a second read that shows which commits move (persistent lag); 0 = one read').default('5'))
    .addOption(new Option('--watch', 'explain again every --interval and mark what changed'))
    .addOption(new Option('--interval <s>', "with --watch: seconds between samples [default: the ScaledObject's pollingInterval]"))
    .addOption(new Option('--count <n>', 'with --watch: stop after n samples'));
  addSettingsOptions(cmd);
  addKafkaOptions(cmd);
  cmd.addHelpText(
    'after',
    `
The chain: per partition the committed offset, log start and end, the rule KEDA's kafka scaler applied (no commit →
offsetResetPolicy or scaleToZeroOnInvalidOffset; persistent lag excluded; outside partitionLimitation; commit past
the end) and the lag that counts; the total, the partition cap and the metric sent; activation against
activationLagThreshold; KEDA's poll (0 ↔ 1, cooldown, idle, paused); the HPA's proposal, tolerance, min/max, scale-up
and scale-down policies, fallback; the replicas that result. Each step names the setting that decided it. The last
line is the verdict in plain words with the fix.

When a partition with a commit has lag and a consumer runs, explain reads twice (--reread seconds apart) to see
which commits move: lag the consumer never reduces is named. Off a cluster the current replicas are the group's
members (--replicas to say otherwise) and the HPA is assumed quiet (no scale event in its policy periods).

On a cluster (a NAME, -n, or the last setup) each computed figure sits beside what the cluster shows — KEDA's external
metric, the HPA's status and conditions, the ScaledObject's conditions, recent events — and mismatches are flagged.

-o json|yaml: the chain as data (README: "The explain document"). --watch -o json: one object per line.

Examples:
  $ cma-demo explain --scaledobject ScaledObject.yaml --group test-cg --topic test-in
  $ cma-demo explain -n keda-cma-kafka kafka-consumer-scaledobject
  $ cma-demo explain --watch                        # the last setup's ScaledObject, every pollingInterval
  $ cma-demo explain --group g1 --topic t1 --lag-threshold 100 -o json`,
  );
  cmd.action(bind(async () => (await import('../explain.js')).explainAction));
}
