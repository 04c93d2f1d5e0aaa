/**
 * The cluster test lab: the same control plane as `cma-demo lab` (src/lab/controlPlane.ts), started here without
 * the controllers and KEDA — etcd + kube-apiserver, a token admin, a kubeconfig, the CRDs of ../shared/crds (ONE
 * Strimzi set per API server) and the stand-in CRDs of test/cluster/crds for OpenShift-only APIs. The tests play the
 * operators' statuses. Processes are killed (as groups) when the test process exits; the temp dir is removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAB_VERSIONS } from '../../src/lab/binaries.js';
import { startControlPlane, type ControlPlane } from '../../src/lab/controlPlane.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_CRDS = path.resolve(ROOT, '../shared/crds');
export const STAND_IN_CRDS = path.join(ROOT, 'test/cluster/crds');
export const ETCD_VERSION = LAB_VERSIONS.etcd;
export const KUBE_VERSION = LAB_VERSIONS.kube;

export interface LabOptions {
  /** 'v1' = Strimzi 1.2.0 (v1 only); '0.51' = Strimzi 0.51.0 (v1 + v1beta2, stores v1beta2); 'none' = no Strimzi CRDs. */
  strimzi: 'v1' | '0.51' | 'none';
  /** Load the OpenShift stand-ins (Route, BuildConfig, Build, ImageStream, PackageManifest): the server then looks like OpenShift. */
  openshift?: boolean;
  log?: (s: string) => void;
}

export interface Lab {
  dir: string;
  kubeconfig: string;
  server: string;
  /** The admin token (not a Kafka secret; fine in argv of the lab's own kubectl calls). */
  token: string;
  startMs: number;
  kubectl: ControlPlane['kubectl'];
  /** kubectl that throws on failure, returns stdout. */
  k: ControlPlane['k'];
  /** Removes a namespace for good: delete, then clear its finalizers through /finalize (no KCM here). */
  finalizeNamespace(ns: string): Promise<void>;
  /** Writes .status of an object (the tests play the operators). */
  setStatus(resource: string, name: string, namespace: string | undefined, status: unknown): Promise<void>;
  stop(): Promise<void>;
}

const dirs = new Set<string>();
process.once('exit', () => {
  if (!process.env.CMA_DEMO_KEEP_LAB) for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function crdFiles(opts: LabOptions): string[] {
  const files: string[] = [];
  const add = (d: string) => {
    for (const f of fs.readdirSync(d).sort()) if (f.endsWith('.yaml')) files.push(path.join(d, f));
  };
  add(path.join(SHARED_CRDS, 'keda'));
  add(path.join(SHARED_CRDS, 'keda-olm'));
  add(path.join(SHARED_CRDS, 'olm'));
  if (opts.strimzi === 'v1') add(path.join(SHARED_CRDS, 'strimzi'));
  if (opts.strimzi === '0.51') add(path.join(SHARED_CRDS, 'strimzi-0.51.0'));
  if (opts.openshift) add(STAND_IN_CRDS);
  return files;
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-lab-'));
  dirs.add(dir);
  let cp: ControlPlane;
  try {
    cp = await startControlPlane({ dir, crdFiles: crdFiles(opts), controllers: false, keda: false, detached: false, log: (s) => opts.log?.(`lab: ${s}`) });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
    throw err;
  }
  const { kubectl, k } = cp;
  return {
    dir,
    kubeconfig: cp.kubeconfig,
    server: cp.server,
    token: cp.token,
    startMs: Date.now() - t0,
    kubectl,
    k,
    async finalizeNamespace(ns: string) {
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
      const r = await kubectl(['get', 'namespace', ns, '-o', 'json']);
      if (r.exitCode !== 0) return;
      const obj = JSON.parse(r.stdout);
      obj.spec = { finalizers: [] };
      await k(['replace', '--raw', `/api/v1/namespaces/${ns}/finalize`, '-f', '-'], JSON.stringify(obj));
    },
    async setStatus(resource, name, namespace, status) {
      const args = ['patch', resource, name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })];
      if (namespace) args.push('-n', namespace);
      await k(args);
    },
    async stop() {
      await cp.stop();
      if (!process.env.CMA_DEMO_KEEP_LAB) fs.rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}
