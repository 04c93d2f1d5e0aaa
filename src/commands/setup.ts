/** cma-demo setup: operators, KEDA, Kafka, credentials, the consumer and the ScaledObject on a cluster. Thin. */
import { Command, Option } from 'commander';
import { addKafkaOptions, addSettingsOptions, globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { ExitCode, usageError } from '../errors.js';
import type { Bind } from './action.js';
import { validateSetupParams } from '../manifests/params.js';
import { dryRunDocument, loadTemplates, renderSetup } from '../manifests/render.js';
import { sourceHash } from '../manifests/sourceHash.js';
import { binFor, detectPlatform, kubeFromGlobals, requirePlatformForOffline } from '../cluster/connect.js';
import { paramsFromFlags, parsePlatformFlag, parseStepList, selectSteps, type SetupFlags } from '../cluster/setupParams.js';
import { runSetup, type SetupRunFlags } from '../cluster/setup.js';
import { strimziApiFromServed } from '../cluster/kube.js';
import { parseKafkaMode, resolveExternalKafka, type ResolvedExternalKafka } from '../cluster/externalKafka.js';
import type { ConnectionFlags } from '../kafka/connection.js';

/** `--kafka local|existing`: the connection (flags and CMA_DEMO_* as for produce/lag), or the local broker's SASL listener. */
async function externalKafka(flags: Flags): Promise<ResolvedExternalKafka | undefined> {
  const mode = parseKafkaMode(flags.kafka);
  if (mode === 'strimzi') return undefined;
  const { connectionFromFlags } = await import('./kafkaConnection.js');
  const broker = await import('../local/broker.js');
  return resolveExternalKafka(mode, flags, {
    connectionFromFlags: (f) => connectionFromFlags(f),
    localBroker: (env) => broker.brokerStatus({ env }),
    localConnection: async (sasl) => broker.localConnection((await broker.brokerStatus())!, { sasl }),
  });
}

interface Flags extends SetupFlags, SetupRunFlags, ConnectionFlags {
  kafka?: string;
  dryRun?: string | boolean;
  kubectl?: string;
}

export function registerSetup(program: Command, bind: Bind): void {
  const cmd = program
    .command('setup')
    .description('install operators, KEDA, Kafka, the consumer and the ScaledObject on OpenShift or Kubernetes')
    .addOption(new Option('--platform <p>', 'auto|openshift|kubernetes (auto: from the API groups)').default('auto'))
    .addOption(new Option('--dry-run [mode]', 'print the manifests (client) or validate them on the cluster (server); applies nothing'))
    .addOption(new Option('--only <steps>', 'run only these steps (comma list: namespace,operators,keda,kafka,credentials,consumer,scaledobject)'))
    .addOption(new Option('--skip <steps>', 'skip these steps'))
    .addOption(new Option('--strimzi-api <v>', 'v1|v1beta2 [default: what the cluster serves; offline: v1beta2 on openshift, v1 on kubernetes]'))
    .addOption(new Option('--kafka-operator <op>', 'OpenShift: amq-streams (Streams for Apache Kafka) or strimzi (community)').default(undefined))
    .addOption(new Option('--catalog-source <name>', 'OLM CatalogSource [default: redhat-operators; strimzi: community-operators]'))
    .addOption(new Option('--catalog-namespace <ns>', 'namespace of the CatalogSource [default: openshift-marketplace]'))
    .addOption(new Option('--channel <name>', 'Kafka operator channel [default: the package default, else stable]'))
    .addOption(new Option('--cma-channel <name>', 'Custom Metrics Autoscaler channel [default: stable]'))
    .addOption(new Option('--starting-csv <csv>', 'pin the Kafka operator CSV (not recommended: pins rot)'))
    .addOption(new Option('--keda-version <v>', `KEDA release installed on Kubernetes, also the release the settings checks model [default: 2.20.2]`))
    .addOption(new Option('--strimzi-version <v>', `Strimzi release on Kubernetes [default: 1.2.0]`))
    .addOption(new Option('--keda-manifest <url>', 'KEDA release manifest URL (overrides --keda-version)'))
    .addOption(new Option('--strimzi-manifest <url>', 'Strimzi release manifest URL (overrides --strimzi-version)'))
    .addOption(new Option('--kafka-cluster <name>', `Kafka cluster name; an existing one is reused [default: ${DEMO_DEFAULTS.kafkaCluster}]`))
    .addOption(new Option('--kafka-user <name>', `SCRAM-SHA-512 KafkaUser [default: ${DEMO_DEFAULTS.kafkaUser}]`))
    .addOption(new Option('--brokers <n>', 'brokers in the KafkaNodePool [default: 1]'))
    .addOption(new Option('--partitions <n>', 'partitions of the topics [default: 10]'))
    .addOption(new Option('--topic-replicas <n>', 'replicas of the topics [default: --brokers]'))
    .addOption(new Option('--topic <name>', `topic the consumer reads [default: ${DEMO_DEFAULTS.topic}]`))
    .addOption(new Option('--audit-topic <name>', `topic the consumer writes its audit to [default: ${DEMO_DEFAULTS.auditTopic}]`))
    .addOption(new Option('--group <id>', `consumer group [default: ${DEMO_DEFAULTS.group}]`))
    .addOption(new Option('--external-listener <type>', 'route (OpenShift) | nodeport | loadbalancer | none'))
    .addOption(new Option('--image <ref>', 'consumer image (Kubernetes; OpenShift builds it)'))
    .addOption(new Option('--rebuild', 'OpenShift: rebuild the consumer image even when the source hash matches'))
    .addOption(new Option('--process-ms <ms>', 'simulated work per record in the consumer [default: 10]'))
    .addOption(new Option('--no-precommit', 'do not pre-commit the group at log end for partitions with no commit'))
    .addOption(new Option('--timeout <s>', 'timeout of each wait in seconds [default: 600]'))
    .addOption(new Option('--kubectl <bin>', 'the oc/kubectl binary to drive').env('CMA_DEMO_KUBECTL'));
  cmd.addOption(new Option('--kafka <mode>', 'strimzi (install Kafka with Strimzi) | existing (MSK, Confluent, an existing Strimzi: the connection flags below) | local (cma-demo local up)').default('strimzi'));
  addKafkaOptions(cmd);
  addSettingsOptions(cmd, { kedaVersion: false });
  cmd.addHelpText(
    'after',
    `
Examples:
  $ cma-demo setup --dry-run --platform openshift        # print the manifests, touch nothing
  $ cma-demo setup --dry-run=server                      # validate them against the cluster
  $ cma-demo setup                                       # install everything (idempotent; a rerun resumes)
  $ cma-demo setup --only kafka,credentials -n my-demo   # just some steps
  $ cma-demo setup --kafka local                         # on \`cma-demo lab\`: the local broker, the lab's KEDA
  $ CMA_DEMO_KAFKA_PASSWORD=… cma-demo setup --kafka existing --bootstrap-server b-1.msk:9096 \\
      --security-protocol SASL_SSL --sasl-mechanism scram-sha-512 --username demo --image quay.io/me/cma-demo:0.1`,
  );
  cmd.action(bind(async () => setupAction));
}

/** Installs the chosen steps (or prints/validates them with --dry-run); a failed step is thrown with its exit code. */
export async function setupAction(flags: Flags, c: Command): Promise<number> {
  const g = globalsOf<{ kubectl?: string }>(c);
  const out = outputFor(c);
  const platformFlag = parsePlatformFlag(flags.platform);
  const only = parseStepList('--only', flags.only);
  const skip = parseStepList('--skip', flags.skip);
  const steps = selectSteps(only, skip);
  const dryRun = flags.dryRun === undefined ? undefined : flags.dryRun === true ? 'client' : String(flags.dryRun);
  if (dryRun !== undefined && dryRun !== 'client' && dryRun !== 'server') throw usageError(`--dry-run must be client or server, got "${dryRun}"`);

  if (dryRun === 'client') {
    let platform = platformFlag;
    let strimziApi: 'v1' | 'v1beta2' | undefined;
    if (platform === 'auto') {
      try {
        const kube = kubeFromGlobals(g);
        platform = await detectPlatform(kube);
        strimziApi = strimziApiFromServed(await kube.crdServedVersions('kafkas.kafka.strimzi.io')) ?? undefined;
      } catch {
        requirePlatformForOffline();
      }
    }
    const ext = await externalKafka(flags);
    const p = paramsFromFlags(flags, g, { platform: platform as 'openshift' | 'kubernetes', strimziApi, sourceHash: sourceHash(), kafka: ext?.kafka }, out);
    for (const w of validateSetupParams(p)) out.warn(w.code, w.message);
    const rendered = renderSetup(p, loadTemplates()).filter((s) => steps.includes(s.id));
    const header = [
      `cma-demo setup --dry-run: platform ${p.platform}, namespace ${p.namespace}, Strimzi API kafka.strimzi.io/${p.strimziApi}`,
      `ScaledObject: pollingInterval ${p.settings.pollingInterval}, cooldownPeriod ${p.settings.cooldownPeriod}, min ${p.settings.minReplicaCount}, max ${p.settings.maxReplicaCount}, lagThreshold ${p.settings.lagThreshold}, activationLagThreshold ${p.settings.activationLagThreshold}, offsetResetPolicy ${p.settings.offsetResetPolicy}`,
      `Kafka: ${p.brokers} broker(s), topics ${p.topic}/${p.auditTopic} with ${p.partitions} partitions × ${p.topicReplicas} replicas, group ${p.group}`,
    ];
    const doc = dryRunDocument(rendered, header);
    if (out.format === 'json') out.document({ ...(doc.toJS() as object), warnings: out.warnings });
    else out.raw(doc.toString({ lineWidth: 0 }));
    return ExitCode.OK;
  }

  const kube = kubeFromGlobals(g);
  const platform = platformFlag === 'auto' ? await detectPlatform(kube) : platformFlag;
  const runKube = kube.withBin(binFor(platform, g));
  const external = await externalKafka(flags);
  return runSetup({ kube: runKube, platform, flags, globals: g, steps, dryRunServer: dryRun === 'server', out, external });
}
