/** cma-demo plan: the scaling timeline predicted in virtual time. Light metadata: options and help; the implementation (../plan.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addSettingsOptions, collect } from '../../options.js';
import type { Bind } from '../action.js';

export function registerPlan(program: Command, bind: Bind): Command {
  const cmd = program
    .command('plan')
    .description('predict the scaling timeline in virtual time (KEDA + HPA rules, no Kafka)')
    .addOption(new Option('--partitions <n>', 'partitions of the topic [default: 10]'))
    .addOption(
      new Option(
        '--load <RECORDS@RATE>',
        'a load phase: records at records/s, optionally only on some partitions (RECORDS@RATE:0,3); repeatable, one after the other; "30s" is a pause [default: 1000000@10000]',
      ).argParser(collect),
    )
    .addOption(new Option('--consumer-rate <n>', 'records/s one consumer replica processes [default: 2000]'))
    .addOption(new Option('--pod-start-delay <s>', 'seconds from a replica being requested to its consumer taking records [default: 10]'))
    .addOption(new Option('--no-committed-offsets', 'the consumer group has never committed (KEDA counts each partition 1 under latest)'))
    .addOption(new Option('--boundary <b>', 'exclusive|inclusive: does a sample exactly one window old still count (primary outcome) [default: exclusive]'))
    .addOption(new Option('--stalled-partitions <list>', 'partitions the consumers never advance, e.g. 0,3 (persistent lag; per-partition model)'))
    .addOption(
      new Option(
        '--model <m>',
        'fluid (one pool of lag) | per-partition (round-robin assignment, each replica splits its rate over its partitions) [default: fluid]',
      ),
    )
    .addOption(new Option('--hpa-sync-period <s>', 'HPA sync period [default: 15]'))
    .addOption(
      new Option(
        '--scaledobject-age <s>',
        'seconds the ScaledObject (and its HPA) existed before the load; the HPA reconciled the idle topic on every sync since, and with minReplicaCount ≥ 1 its proposals of 0 hold the first scale-up for the up window (small values let the initial-recommendation rule bite instead) [default: long enough to fill every window]',
      ),
    );
  addSettingsOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Model: production follows the load phases; each ready replica consumes --consumer-rate records/s (one consumer
per partition at most); partitions share everything evenly; commits are instant. KEDA polls first at
pollingInterval/2, the HPA syncs first 5 s in. Where a rule sits on a knife edge (a sample exactly one window
old, a poll exactly one cooldown later) the other outcomes are listed as variants. KEDA stores lastActiveTime
in whole seconds (t = 0 falls on one). A load may last at most 30 virtual days.

Examples:
  $ cma-demo plan                                           # the seed demo: 1,000,000 records at 10,000/s
  $ cma-demo plan --scaledobject ScaledObject.yaml --partitions 10 --load 1000000@10000 --consumer-rate 2000 -o json
  $ cma-demo plan --load 200@5 --load 60s --load 200@5 --consumer-rate 50
  $ cma-demo plan --no-committed-offsets                    # the seed's trap: never activates
  $ cma-demo plan --load 100000@1000:0,3 --limit-to-partitions-with-lag   # load on 2 of 10 partitions: at most 2`,
  );
  cmd.action(bind(async () => (await import('../plan.js')).planAction));
  return cmd;
}
