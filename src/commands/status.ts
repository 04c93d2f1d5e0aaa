/** cma-demo status: the doctor of the cluster side. Exit 3 when something is missing. Thin. */
import { Command, Option } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { ExitCode } from '../errors.js';
import { validateNamespace } from '../manifests/params.js';
import { binFor, detectPlatform, kubeFromGlobals } from '../cluster/connect.js';
import { renderChecks, runDoctor } from '../cluster/doctor.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { resolveClusterTarget } from '../state/resolveTarget.js';
import type { Bind } from './action.js';

interface StatusFlags {
  platform: string;
  kafkaCluster?: string;
  kafkaUser?: string;
  topic?: string;
  auditTopic?: string;
}

export function registerStatus(program: Command, bind: Bind): void {
  program
    .command('status')
    .description('check the cluster side (doctor): tools, login, permissions, operators, KEDA, Kafka, consumer, ScaledObject, HPA')
    .addOption(new Option('--platform <p>', 'auto|openshift|kubernetes').default('auto'))
    .addOption(new Option('--kafka-cluster <name>', `Kafka cluster [default: the last setup's, else ${DEMO_DEFAULTS.kafkaCluster}]`))
    .addOption(new Option('--kafka-user <name>', `KafkaUser [default: the last setup's, else ${DEMO_DEFAULTS.kafkaUser}]`))
    .addOption(new Option('--topic <name>', `topic [default: the last setup's, else ${DEMO_DEFAULTS.topic}]`))
    .addOption(new Option('--audit-topic <name>', `audit topic [default: the last setup's, else ${DEMO_DEFAULTS.auditTopic}]`))
    .addOption(new Option('--kubectl <bin>', 'the oc/kubectl binary to drive').env('CMA_DEMO_KUBECTL'))
    .action(bind(async () => statusAction));
}

/** The doctor's checks; exit 3 when something is missing. */
export async function statusAction(flags: StatusFlags, c: Command): Promise<number> {
  const g = globalsOf<{ kubectl?: string }>(c);
  const out = outputFor(c);
  const at = resolveClusterTarget(g, flags);
  const namespace = validateNamespace(at.namespace);
  const kube0 = kubeFromGlobals(at);
  let platform: 'openshift' | 'kubernetes';
  try {
    platform = at.platform ?? (await detectPlatform(kube0));
  } catch {
    platform = 'kubernetes'; // the doctor reports the unreachable cluster itself
  }
  const kube = kube0.withBin(binFor(platform, at));
  out.info(`target: cluster ${(await kube.serverUrl()) ?? '?'}, namespace ${namespace}, platform ${platform}`);
  const checks = await runDoctor(kube, platform, {
    namespace,
    kedaNamespace: DEMO_DEFAULTS.kedaNamespaceOpenShift,
    cluster: at.kafkaCluster,
    user: at.kafkaUser,
    topics: [at.topic, at.auditTopic],
    app: at.app,
    scaledObject: at.scaledObject,
    credentialSecret: at.credentialSecret,
  });
  const ok = checks.every((x) => x.state !== 'missing');
  if (out.format !== 'text') out.document({ namespace, platform, ok, checks, warnings: out.warnings });
  else out.text(renderChecks(checks, out.color));
  return ok ? ExitCode.OK : ExitCode.ENV;
}
