/** cma-demo lag: per-partition consumer lag and what KEDA sees. Light metadata: options and help; the implementation (../lag.ts) loads when the command runs. */
import { type Command, Option } from 'commander';
import { addKafkaOptions, addSettingsOptions } from '../../options.js';
import { DEMO_DEFAULTS } from '../../demoDefaults.js';
import type { Bind } from '../action.js';

export function registerLag(program: Command, bind: Bind): void {
  const cmd = program
    .command('lag')
    .description('per-partition consumer lag and what KEDA sees')
    .addOption(
      new Option(
        '--group <group>',
        `consumer group whose committed offsets are read [default: the --scaledobject's consumerGroup, else on a cluster the last setup's, else ${DEMO_DEFAULTS.group}]`,
      ),
    )
    .addOption(new Option('--topic <topic>', 'one topic [default: every topic the group has commits for, as KEDA does without a topic]'))
    .addOption(new Option('--watch', 'sample again every --interval; persistent-lag memory carries across samples, as in KEDA'))
    .addOption(new Option('--interval <s>', 'seconds between --watch samples').default('5'))
    .addOption(new Option('--count <n>', 'with --watch: stop after n samples'))
    .addOption(new Option('--in-cluster', "run this command as a Job in the cluster (the consumer's image and connection), output streamed back"));
  addSettingsOptions(cmd);
  addKafkaOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Per partition: the committed offset (- when none), the log-end offset (high watermark) and the lag (- when
nothing is committed, like kafka-consumer-groups), then what KEDA's kafka scaler computes from the same offsets
with the ScaledObject settings given (defaults: the seed demo's): its lag per partition, the metric it reports
(total lag after the partition cap), whether it is active (lag > activationLagThreshold, strictly), and
desiredReplicas — the HPA's raw proposal before tolerance, stabilization and scaling policies: the minimum (or 0)
when inactive, else clamp(ceil(metric / lagThreshold), max(1, min), max). Warnings name the known traps, e.g. a
group that never committed, under latest, with activationLagThreshold ≥ partitions can never activate.

-o prom prints kafka_exporter's metrics (kafka_consumergroup_lag, …; -1 when nothing is committed) plus
cma_demo_keda_*. --watch: a live table on a TTY, one JSON object per line with -o json; Ctrl-C ends it (exit 130).

Examples:
  $ cma-demo lag                                           # group test-cg, every topic it committed to
  $ cma-demo lag --group g1 --topic t1 --offset-reset-policy earliest -o json
  $ cma-demo lag --group test-cg --topic test-in --watch --interval 5
  $ cma-demo lag --scaledobject ScaledObject.yaml -o prom
  $ cma-demo --target cluster lag --watch                # + KEDA's real metric, the HPA and the Deployment
  $ cma-demo lag --in-cluster --group test-cg            # as a Job in the cluster (no external listener)

On a cluster (--target cluster, or the last setup's cluster when neither --target nor --bootstrap-server is given)
Kafka is reached through the cluster's external listener, and each sample adds KEDA's real external metric, the
ScaledObject's Active condition, the HPA's current/desired replicas and the Deployment's replicas (JSON: cluster),
with METRIC_MISMATCH when the computed and real metric differ by more than lagThreshold.`,
  );
  cmd.action(bind(async () => (await import('../lag.js')).lagAction));
}
