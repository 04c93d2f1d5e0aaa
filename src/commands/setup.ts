/** cma-demo setup: operators, KEDA, Kafka, credentials, the consumer and the ScaledObject on a cluster. Thin. */
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { ExitCode, usageError } from '../errors.js';
import { validateSetupParams } from '../manifests/params.js';
import { dryRunDocument, loadTemplates, renderSetup } from '../manifests/render.js';
import { sourceHash } from '../manifests/sourceHash.js';
import { binFor, detectPlatform, kubeFromGlobals, NO_CLUSTER_HINT, requirePlatformForOffline } from '../cluster/connect.js';
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
  const platform =
    platformFlag === 'auto'
      ? await detectPlatform(kube, `${NO_CLUSTER_HINT}; to see the manifests without a cluster: cma-demo setup --dry-run --platform openshift|kubernetes`)
      : platformFlag;
  const runKube = kube.withBin(binFor(platform, g));
  const external = await externalKafka(flags);
  return runSetup({ kube: runKube, platform, flags, globals: g, steps, dryRunServer: dryRun === 'server', out, external });
}
