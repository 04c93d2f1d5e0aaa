/** cma-demo status: the doctor of the cluster side. Exit 3 when something is missing. Thin. */
import type { Command } from 'commander';
import { globalsOf } from '../options.js';
import { outputFor } from '../output.js';
import { ExitCode } from '../errors.js';
import { validateNamespace } from '../manifests/params.js';
import { binFor, detectPlatform, kubeFromGlobals } from '../cluster/connect.js';
import { renderChecks, runDoctor } from '../cluster/doctor.js';
import { DEMO_DEFAULTS } from '../demoDefaults.js';
import { resolveClusterTarget } from '../state/resolveTarget.js';

interface StatusFlags {
  platform: string;
  kafkaCluster?: string;
  kafkaUser?: string;
  topic?: string;
  auditTopic?: string;
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
