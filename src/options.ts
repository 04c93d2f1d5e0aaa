/** Option groups shared by several commands, so every command spells them the same way. */
import { Command, Option } from 'commander';

/** The program's global options (src/cli.ts declares them), as every command sees them. */
export interface GlobalOptions {
  output?: string;
  target?: 'local' | 'cluster';
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  color?: boolean;
  verbose?: boolean;
}

/** The global options merged with the command's own (commander's optsWithGlobals), typed. */
export function globalsOf<T extends object = Record<never, never>>(cmd: Command): GlobalOptions & Partial<T> {
  return cmd.optsWithGlobals() as GlobalOptions & Partial<T>;
}

/** Kafka connection options (produce, lag, consume, run). Each has a CMA_DEMO_* environment twin. */
export function addKafkaOptions(cmd: Command, opts: { producerConfigAlias?: boolean } = {}): Command {
  cmd
    .addOption(
      new Option('--bootstrap-server <hosts>', 'Kafka bootstrap servers host:port[,…] (default: the local broker when it runs)').env(
        'CMA_DEMO_BOOTSTRAP_SERVER',
      ),
    )
    .addOption(new Option('--security-protocol <p>', 'PLAINTEXT|SASL_PLAINTEXT|SSL|SASL_SSL').env('CMA_DEMO_SECURITY_PROTOCOL'))
    .addOption(new Option('--sasl-mechanism <m>', 'scram-sha-512|scram-sha-256|plain').env('CMA_DEMO_SASL_MECHANISM'))
    .addOption(new Option('--username <name>', 'SASL user name (the password comes from CMA_DEMO_KAFKA_PASSWORD or --password-file)').env('CMA_DEMO_USERNAME'))
    .addOption(new Option('--password-file <file>', 'file holding the SASL password; must have mode 0600').env('CMA_DEMO_PASSWORD_FILE'))
    .addOption(new Option('--ca-file <file>', 'PEM CA bundle to trust for SSL/SASL_SSL').env('CMA_DEMO_CA_FILE'))
    .addOption(
      new Option('--command-config <file>', 'Kafka-style client properties file (security.protocol, sasl.*, ssl.truststore.*)').env('CMA_DEMO_COMMAND_CONFIG'),
    );
  if (opts.producerConfigAlias) {
    cmd.addOption(new Option('--producer.config <file>', 'alias of --command-config, as kafka-producer-perf-test.sh spells it'));
  }
  return cmd;
}

/**
 * ScaledObject settings with the seed demo's defaults (lag, plan, setup). `kedaVersion: false`: the command
 * declares --keda-version itself (setup: the release it installs, which is then also the release modelled).
 */
export function addSettingsOptions(cmd: Command, opts: { kedaVersion?: boolean } = {}): Command {
  cmd
    .addOption(new Option('--scaledobject <file>', 'read the settings from the only ScaledObject in this YAML file (flags still override)'))
    .addOption(new Option('--polling-interval <s>', 'KEDA pollingInterval in seconds [default: 30]'))
    .addOption(new Option('--cooldown-period <s>', 'KEDA cooldownPeriod in seconds [default: 30]'))
    .addOption(new Option('--min-replicas <n>', 'minReplicaCount [default: 0]'))
    .addOption(new Option('--max-replicas <n>', 'maxReplicaCount [default: 10]'))
    .addOption(new Option('--lag-threshold <n>', 'lagThreshold (HPA AverageValue target) [default: 200]'))
    .addOption(new Option('--activation-lag-threshold <n>', 'activationLagThreshold (active ⇔ lag > this) [default: 10]'))
    .addOption(new Option('--offset-reset-policy <p>', 'latest|earliest: how a partition with no commit is counted [default: latest]'))
    .addOption(new Option('--scale-to-zero-on-invalid-offset', 'a partition with no commit counts 0'))
    .addOption(new Option('--exclude-persistent-lag', 'drop partitions whose commit did not move since the previous read'))
    .addOption(new Option('--allow-idle-consumers', 'no partition cap on the metric'))
    .addOption(new Option('--limit-to-partitions-with-lag', 'cap at the number of partitions with lag > 0 (needs a topic)'))
    .addOption(
      new Option('--ensure-even-distribution', 'ensureEvenDistributionOfPartitions: round the metric up to a divisor of the partition count (needs a topic)'),
    )
    .addOption(
      new Option(
        '--partition-limitation <list>',
        'partitionLimitation: only these partitions count, KEDA\'s syntax "0,2-3,7" (ignored by KEDA without a topic)',
      ),
    )
    .addOption(new Option('--idle-replica-count <n>', 'idleReplicaCount: replicas while inactive (must be below minReplicaCount) [default: none]'))
    .addOption(new Option('--initial-cooldown-period <s>', 'initialCooldownPeriod: seconds after creation before the first scale to 0 [default: 0]'))
    .addOption(
      new Option(
        '--fallback-failure-threshold <n>',
        'fallback.failureThreshold: failed reads before the fallback (with --fallback-replicas) [default: no fallback]',
      ),
    )
    .addOption(new Option('--fallback-replicas <n>', 'fallback.replicas: the replica count while the scaler keeps failing'))
    .addOption(
      new Option(
        '--scale-up-tolerance <f>',
        'HPA behavior.scaleUp.tolerance (Kubernetes ≥ 1.33 gate HPAConfigurableTolerance) [default: the global tolerance]',
      ),
    )
    .addOption(new Option('--scale-down-tolerance <f>', 'HPA behavior.scaleDown.tolerance [default: the global tolerance]'))
    .addOption(new Option('--hpa-tolerance <f>', "the HPA controller's global tolerance (--horizontal-pod-autoscaler-tolerance) [default: 0.1]"))
    .addOption(
      new Option(
        '--hpa-downscale-stabilization <s>',
        "the HPA controller's downscale window when behavior sets none (--horizontal-pod-autoscaler-downscale-stabilization) [default: 300]",
      ),
    );
  if (opts.kedaVersion !== false) {
    cmd.addOption(
      new Option(
        '--keda-version <v>',
        'the KEDA release modelled: 2.18|2.19|2.20|main or an exact release [default: 2.18, the KEDA of the current CMA release]',
      ),
    );
  }
  return cmd;
}

/** Collects repeatable options into an array. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
