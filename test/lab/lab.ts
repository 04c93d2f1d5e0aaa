/**
 * The cluster test lab (reference/test-lab.md §1–§2): etcd + kube-apiserver built from Go modules and cached in
 * $CMA_DEMO_CACHE, started on free loopback ports in a temp dir, a token admin (system:masters), a kubeconfig,
 * the CRDs of ../shared/crds (ONE Strimzi set per API server) and the stand-in CRDs of test/cluster/crds for
 * OpenShift-only APIs. Processes run in their own process groups and are killed as groups on stop(), on exit
 * and on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePorts } from '../../src/local/ports.js';
import { cacheDir } from '../../src/paths.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED_CRDS = path.resolve(ROOT, '../shared/crds');
export const STAND_IN_CRDS = path.join(ROOT, 'test/cluster/crds');
export const ETCD_VERSION = process.env.CMA_DEMO_ETCD_VERSION ?? '3.5.35';
export const KUBE_VERSION = process.env.CMA_DEMO_KUBE_VERSION ?? '1.33.13';

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
  kubectl(args: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** kubectl that throws on failure, returns stdout. */
  k(args: string[], input?: string): Promise<string>;
  /** Removes a namespace for good: delete, then clear its finalizers through /finalize (no KCM here). */
  finalizeNamespace(ns: string): Promise<void>;
  /** Writes .status of an object (the tests play the operators). */
  setStatus(resource: string, name: string, namespace: string | undefined, status: unknown): Promise<void>;
  stop(): Promise<void>;
}

const procs = new Set<ChildProcess>();
const dirs = new Set<string>();
function killAll(sig: NodeJS.Signals): void {
  for (const p of procs) {
    try {
      if (p.pid) process.kill(-p.pid, sig);
    } catch {
      /* gone */
    }
  }
  for (const d of dirs) if (!process.env.CMA_DEMO_KEEP_LAB) fs.rmSync(d, { recursive: true, force: true });
}
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => killAll('SIGKILL'));
  for (const s of ['SIGINT', 'SIGTERM'] as const) {
    process.once(s, () => {
      killAll('SIGKILL');
      process.kill(process.pid, s);
    });
  }
}

export function labBinaries(): { etcd: string; apiserver: string } {
  const c = cacheDir();
  return { etcd: path.join(c, `etcd-${ETCD_VERSION}`, 'bin', 'etcd'), apiserver: path.join(c, `kube-${KUBE_VERSION}`, 'bin', 'kube-apiserver') };
}

function startProc(bin: string, args: string[], logFile: string): ChildProcess {
  const fd = fs.openSync(logFile, 'a');
  const p = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  procs.add(p);
  p.on('exit', () => procs.delete(p));
  return p;
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https') ? https : http;
    const req = mod.get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

async function waitHttp(url: string, timeoutMs: number, proc: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${path.basename(logFile)}: process exited with ${proc.exitCode}:\n${tail(logFile)}`);
    if ((await get(url)) === 200) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms:\n${tail(logFile)}`);
}

const tail = (f: string): string => {
  try {
    return fs.readFileSync(f, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
};

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
  hookExit();
  const log = opts.log ?? (() => {});
  const t0 = Date.now();
  const bins = labBinaries();
  for (const b of Object.values(bins)) {
    if (!fs.existsSync(b)) throw new Error(`${b} is missing: run \`node scripts/lab/prepare.mjs --kube\` (npm run test:cluster does it)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cma-demo-lab-'));
  dirs.add(dir);
  const [etcdPort, peerPort, apiPort] = await freePorts(3);
  const etcdLog = path.join(dir, 'etcd.log');
  const etcd = startProc(bins.etcd, [
    '--name=lab', `--data-dir=${path.join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=lab=http://127.0.0.1:${peerPort}`, '--unsafe-no-fsync=true', '--log-level=warn',
  ], etcdLog);
  const stopAll = async (): Promise<void> => {
    for (const p of [...procs].filter((x) => x === etcd || x === api)) {
      try {
        process.kill(-p.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (etcd.exitCode === null || (api && api.exitCode === null && api.signalCode === null)) && etcd.signalCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of [etcd, api]) {
      try {
        if (p?.pid) process.kill(-p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (!process.env.CMA_DEMO_KEEP_LAB) fs.rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  let api: ChildProcess | undefined;
  try {
    await waitHttp(`http://127.0.0.1:${etcdPort}/health`, 30_000, etcd, etcdLog);
    const token = crypto.randomBytes(24).toString('hex');
    fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},lab-admin,lab-admin,"system:masters"\n`, { mode: 0o600 });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const apiLog = path.join(dir, 'kube-apiserver.log');
    api = startProc(bins.apiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`, '--bind-address=127.0.0.1', `--secure-port=${apiPort}`, '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none', `--cert-dir=${path.join(dir, 'pki')}`, '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC', '--allow-privileged=true', '--disable-admission-plugins=ServiceAccount',
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`, `--service-account-issuer=https://127.0.0.1:${apiPort}`,
      `--service-account-key-file=${path.join(dir, 'sa.pub')}`, `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
    ], apiLog);
    const server = `https://127.0.0.1:${apiPort}`;
    await waitHttp(`${server}/readyz`, 120_000, api, apiLog);
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1', 'kind: Config', 'current-context: lab',
        'clusters:', '- name: lab', '  cluster:', `    server: ${server}`, '    insecure-skip-tls-verify: true',
        'users:', '- name: lab-admin', '  user:', `    token: ${token}`,
        'contexts:', '- name: lab', '  context:', '    cluster: lab', '    user: lab-admin',
      ].join('\n') + '\n',
      { mode: 0o600 },
    );
    const kubectl = async (args: string[], input?: string) => {
      const r = await execa('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { reject: false, input: input ?? '', timeout: 180_000 });
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    };
    const k = async (args: string[], input?: string) => {
      const r = await kubectl(args, input);
      if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const tReady = Date.now();
    log(`lab: kube-apiserver ready at ${server} in ${((tReady - t0) / 1000).toFixed(1)} s`);
    const files = crdFiles(opts);
    await k(['apply', '--server-side', '--field-manager=lab', ...files.flatMap((f) => ['-f', f])]);
    // Poll rather than `kubectl wait --all`: under load a just-created CRD may have no .status yet, which makes
    // kubectl wait fail at once ("<nil> is of the type <nil>").
    const deadline = Date.now() + 120_000;
    for (;;) {
      const crds = JSON.parse(await k(['get', 'crd', '-o', 'json'])).items as Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>;
      const pending = crds.filter((c) => !(c.status?.conditions ?? []).some((x) => x.type === 'Established' && x.status === 'True'));
      if (crds.length >= files.length && pending.length === 0) break;
      if (Date.now() > deadline) throw new Error(`CRDs not Established within 120 s: ${pending.map((c) => c.metadata.name).join(', ')}`);
      await new Promise((res) => setTimeout(res, 250));
    }
    // Discovery of freshly created CRDs can lag a little; make sure kubectl sees them before tests run.
    for (let i = 0; i < 50; i++) {
      const r = await kubectl(['api-resources', '--api-group=keda.sh', '-o', 'name']);
      if (r.stdout.includes('scaledobjects')) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    log(`lab: ${files.length} CRDs established in ${((Date.now() - tReady) / 1000).toFixed(1)} s`);
    const lab: Lab = {
      dir,
      kubeconfig,
      server,
      token,
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
      stop: stopAll,
    };
    return lab;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
