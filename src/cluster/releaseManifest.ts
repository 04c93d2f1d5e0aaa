/**
 * Upstream release manifests (Kubernetes installs): fetched by cma-demo, never from the user's directory.
 * Strimzi's release YAML is written for namespace `myproject`; the operator is placed in the demo namespace by
 * rewriting metadata.namespace of namespaced objects and the subjects of its (Cluster)RoleBindings. Pure part here.
 */
import YAML from 'yaml';
import { envError } from '../errors.js';
import type { Obj } from './kube.js';

export function rewriteStrimziNamespace(text: string, namespace: string, from = 'myproject'): Obj[] {
  const out: Obj[] = [];
  for (const d of YAML.parseAllDocuments(text)) {
    const o = d.toJS() as Obj | null;
    if (!o || typeof o !== 'object' || !o.kind) continue;
    if (o.metadata?.namespace === from) o.metadata.namespace = namespace;
    if (Array.isArray(o.subjects)) for (const s of o.subjects as Obj[]) if (s.namespace === from) s.namespace = namespace;
    out.push(o);
  }
  return out;
}

export async function fetchText(url: string, timeoutMs = 60_000): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    throw envError(`cannot download ${url}: ${(err as Error).message}`, 'check the network or pass a reachable --strimzi-manifest', 'DOWNLOAD');
  }
  if (!res.ok) throw envError(`cannot download ${url}: HTTP ${res.status}`, 'check --strimzi-version / --strimzi-manifest', 'DOWNLOAD');
  return res.text();
}
