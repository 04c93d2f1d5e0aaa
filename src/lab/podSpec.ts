/**
 * What the lab's pod runner would run for a pod: the cma-demo command line and environment, resolved from the
 * pod spec the way the kubelet resolves it (env `value`, `secretKeyRef`, `configMapKeyRef`, `fieldRef`, and
 * `envFrom`; kubelet pkg/kubelet/kubelet_pods.go makeEnvironmentVariables), or why it cannot run here.
 */
import type { KObj } from './kubeApi.js';

export interface ContainerPlan {
  /** cma-demo's arguments (command after the entry point, then args). */
  args: string[];
  env: Record<string, string>;
  /** Index in args of the value of --port (rewritten to a free host port), if any. */
  portArgIndex?: number;
  /** The readiness probe's HTTP path (served on the --port). */
  probe?: { path: string };
}

export type PlanResult = { ok: true; plan: ContainerPlan } | { ok: false; reason: string; message: string };

/** Reads a key of a Secret (decoded) or ConfigMap; undefined when the object or key is missing. */
export type RefReader = (kind: 'Secret' | 'ConfigMap', namespace: string, name: string) => Promise<Record<string, string> | undefined>;

const ENTRY = /(^|\/)cma-demo(\.js)?$/;

/**
 * The pure part: is this a cma-demo container, and with which arguments? The consumer image's entry point is
 * `cma-demo`, so a container runs here when its command names cma-demo, or when it has no command and its image
 * is a cma-demo image.
 */
export function commandLine(container: KObj): { ok: true; args: string[] } | { ok: false; message: string } {
  const command = (container.command ?? []) as string[];
  const args = (container.args ?? []) as string[];
  if (command.length > 0) {
    if (ENTRY.test(command[0]!)) return { ok: true, args: [...command.slice(1), ...args] };
    if (/(^|\/)node$/.test(command[0]!) && command[1] && ENTRY.test(command[1])) return { ok: true, args: [...command.slice(2), ...args] };
    return {
      ok: false,
      message: `container ${container.name}: command ${JSON.stringify(command)} is not cma-demo; the lab's pod runner runs only cma-demo containers (as local processes)`,
    };
  }
  if (/(^|\/)cma-demo(:|@|$)/.test(String(container.image ?? ''))) return { ok: true, args };
  return {
    ok: false,
    message: `container ${container.name}: image ${container.image} has no command that names cma-demo; the lab's pod runner runs only cma-demo containers (set command: [cma-demo])`,
  };
}

export async function planContainer(pod: KObj, read: RefReader | { get(path: string): Promise<KObj> }): Promise<PlanResult> {
  const reader = typeof read === 'function' ? read : apiReader(read);
  const containers = (pod.spec?.containers ?? []) as KObj[];
  if (containers.length !== 1) {
    return { ok: false, reason: 'UnsupportedPod', message: `the lab's pod runner runs pods with exactly one container (this one has ${containers.length})` };
  }
  const c = containers[0]!;
  const cl = commandLine(c);
  if (!cl.ok) return { ok: false, reason: 'NotCmaDemo', message: cl.message };
  const ns = pod.metadata.namespace as string;
  const env: Record<string, string> = {};
  const cache = new Map<string, Record<string, string> | undefined>();
  const lookup = async (kind: 'Secret' | 'ConfigMap', name: string) => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) cache.set(key, await reader(kind, ns, name));
    return cache.get(key);
  };
  for (const from of (c.envFrom ?? []) as KObj[]) {
    const ref = from.secretRef ?? from.configMapRef;
    const kind = from.secretRef ? 'Secret' : 'ConfigMap';
    const data = await lookup(kind, ref.name);
    if (!data) {
      if (ref.optional) continue;
      return { ok: false, reason: 'CreateContainerConfigError', message: `${kind.toLowerCase()} "${ref.name}" not found` };
    }
    for (const [k, v] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const e of (c.env ?? []) as KObj[]) {
    if (e.value !== undefined) {
      env[e.name] = String(e.value);
      continue;
    }
    const vf = e.valueFrom ?? {};
    if (vf.secretKeyRef || vf.configMapKeyRef) {
      const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
      const kind = vf.secretKeyRef ? 'Secret' : 'ConfigMap';
      const data = await lookup(kind, ref.name);
      const v = data?.[ref.key];
      if (v === undefined) {
        if (ref.optional) continue;
        // The kubelet's wording for the same situation (CreateContainerConfigError).
        const message = data ? `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}` : `${kind.toLowerCase()} "${ref.name}" not found`;
        return { ok: false, reason: 'CreateContainerConfigError', message };
      }
      env[e.name] = v;
    } else if (vf.fieldRef) {
      const f = vf.fieldRef.fieldPath as string;
      env[e.name] = f === 'metadata.name' ? pod.metadata.name : f === 'metadata.namespace' ? ns : f.startsWith('status.') ? '127.0.0.1' : '';
    } else {
      env[e.name] = '';
    }
  }
  const plan: ContainerPlan = { args: cl.args, env };
  const pi = cl.args.indexOf('--port');
  if (pi >= 0 && pi + 1 < cl.args.length) plan.portArgIndex = pi + 1;
  const rp = c.readinessProbe?.httpGet;
  if (rp) plan.probe = { path: String(rp.path ?? '/') };
  if (plan.probe && plan.portArgIndex === undefined) {
    return { ok: false, reason: 'UnsupportedPod', message: `container ${c.name} has an HTTP readiness probe but no --port argument to serve it on` };
  }
  return { ok: true, plan };
}

function apiReader(api: { get(path: string): Promise<KObj> }): RefReader {
  return async (kind, ns, name) => {
    try {
      const o = await api.get(`/api/v1/namespaces/${ns}/${kind === 'Secret' ? 'secrets' : 'configmaps'}/${name}`);
      const data = (o.data ?? {}) as Record<string, string>;
      if (kind === 'ConfigMap') return data;
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    } catch {
      return undefined;
    }
  };
}
