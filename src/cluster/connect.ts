/** Builds the Kube runner from the global options and detects the platform. */
import { envError, usageError } from '../errors.js';
import { which } from '../util/which.js';
import type { Platform } from '../manifests/params.js';
import { Kube, kubectlMessage, platformFromGroups, type KubeOptions } from './kube.js';

export interface ClusterGlobals {
  kubeconfig?: string;
  context?: string;
  kubectl?: string;
}

export function kubeFromGlobals(g: ClusterGlobals, extra: Partial<KubeOptions> = {}): Kube {
  return new Kube({ bin: g.kubectl ?? process.env.CMA_DEMO_KUBECTL ?? 'kubectl', kubeconfig: g.kubeconfig, context: g.context, ...extra });
}

/** What to try when the cluster cannot be reached; a command adds its own way around (setup: --dry-run --platform). */
export const NO_CLUSTER_HINT = 'log in (oc login / kubectl config use-context), or check --kubeconfig/--context and the network';

/**
 * Detects the platform from the API groups; exit 3 when the cluster cannot be reached. `hint` is the caller's
 * advice: only a command that has --platform and --dry-run may suggest them.
 */
export async function detectPlatform(kube: Kube, hint: string = NO_CLUSTER_HINT): Promise<Platform> {
  const r = await kube.run(['get', '--raw', '/apis'], { timeoutMs: 20_000 });
  if (r.exitCode !== 0) {
    throw envError(`cannot reach the cluster to detect the platform: ${kubectlMessage(r.stderr, 1) || 'no answer'}`, hint, 'NO_CLUSTER');
  }
  return platformFromGroups(((JSON.parse(r.stdout) as { groups?: Array<{ name: string }> }).groups ?? []).map((x) => x.name));
}

/** On OpenShift the runner drives `oc` (start-build, routes); elsewhere kubectl. */
export function binFor(platform: Platform, g: ClusterGlobals): string {
  if (g.kubectl) return g.kubectl;
  if (process.env.CMA_DEMO_KUBECTL) return process.env.CMA_DEMO_KUBECTL;
  if (platform !== 'openshift') return 'kubectl';
  const oc = process.env.CMA_DEMO_OC ?? 'oc';
  // Without oc on PATH the shared verbs still work through kubectl; only start-build then fails (with a hint).
  return which(oc) !== null ? oc : 'kubectl';
}

export const requirePlatformForOffline = (): never => {
  throw usageError(
    '--dry-run without a reachable cluster needs --platform openshift|kubernetes',
    'e.g. cma-demo setup --dry-run --platform openshift',
    'PLATFORM_REQUIRED',
  );
};
