/** cma-demo recommend: ScaledObject settings that meet a drain goal at the fewest replica-seconds. Light metadata: options and help; the implementation (../recommend.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions, collect } from '../../options.js';
import type { Bind } from '../action.js';

export function registerRecommend(program: Command, bind: Bind): void {
  const cmd = program
    .command('recommend')
    .description("search lagThreshold, maxReplicaCount, partitions and the scale-up policy for a drain goal with plan's model")
    .addOption(
      new Option(
        '--load <RECORDS@RATE>',
        'a load phase as plan takes it (repeatable; "30s" is a pause) [default: the topic\'s measured produce rate]',
      ).argParser(collect),
    )
    .addOption(new Option('--consumer-rate <n>', 'records/s one replica processes (required)'))
    .addOption(new Option('--drain-within <duration>', 'the goal: the backlog is drained this long after the load ends, e.g. 120s or 2m (required)'))
    .addOption(new Option('--max-replicas <n>', 'at most this many replicas (and partitions) [default: 3 × what keeps pace with the load, at least 10]'))
    .addOption(new Option('--pod-start-delay <s>', 'seconds from a replica being requested to its consumer taking records, as plan [default: 10]'))
    .addOption(
      new Option(
        '--scaledobject <file>',
        "the ScaledObject to start from: its other settings (pollingInterval, cooldownPeriod, activation, scale-down) are kept [default: the seed demo's]",
      ),
    )
    .addOption(
      new Option('--topic <topic>', "the topic (measured without --load; written into the -o yaml trigger) [default: the ScaledObject's, else test-in]"),
    )
    .addOption(new Option('--group <group>', "the consumer group written into the -o yaml trigger [default: the ScaledObject's, else test-cg]"))
    .addOption(new Option('--measure <s>', "without --load: seconds to measure the topic's produce rate").default('30'))
    .addOption(new Option('--duration <s>', 'without --load: how long the measured rate lasts in the model').default('600'))
    .addOption(new Option('--keda-version <v>', 'the KEDA release modelled: 2.18|2.19|2.20|main [default: 2.18]'));
  addKafkaOptions(cmd);
  cmd.addHelpText(
    'after',
    `
For each lagThreshold (100 … 10000) and scale-up policy (the ScaledObject's own, doubling every 15 s, everything at
once) the smallest maxReplicaCount that drains in time (partitions = maxReplicaCount: in plan's model more
partitions than replicas change nothing and fewer leave replicas idle), and the two above it. The cheapest are
replayed with plan itself, knife-edge variants included, and kept only when every variant meets the goal.
Printed: the few candidates at the lowest replica-seconds, each with its timeline summary.

-o yaml prints the best one as a whole ScaledObject with the partition count it assumes in the annotation
cma-demo/partitions; replay it with plan --scaledobject FILE and the same load and consumer rate (plan reads the
annotation when --partitions is not given).
Exit 1 when no combination meets the goal.

Examples:
  $ cma-demo recommend --load 1000000@10000 --consumer-rate 2000 --drain-within 120s
  $ cma-demo recommend --load 1000000@10000 --consumer-rate 2000 --drain-within 120s -o yaml > so.yaml
  $ cma-demo plan --scaledobject so.yaml --load 1000000@10000 --consumer-rate 2000   # partitions from the annotation
  $ cma-demo recommend --topic test-in --consumer-rate 2000 --drain-within 5m --max-replicas 6   # measured load`,
  );
  cmd.action(bind(async () => (await import('../recommend.js')).recommendAction));
}
