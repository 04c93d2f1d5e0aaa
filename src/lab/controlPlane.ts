/**
 * The local control plane: etcd, kube-apiserver (with the aggregation layer), optionally kube-controller-manager
 * and the real KEDA operator + metrics adapter, all on free loopback ports, each in its own process group, logs
 * and certificates in one directory. Recipe and traps: docs/design.md §11.2.
 *
 * One implementation for `cma-demo lab` (processes detached, recorded in the state file, stopped by `lab down`)
 * and for the cluster tests (apiserver only, processes killed when the test process exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { execa } from 'execa';
import { CmaError, ExitCode } from '../errors.js';
import { freePorts } from '../local/ports.js';
import { LAB_VERSIONS, labBinaries } from './binaries.js';
import { makeLabPki } from './pki.js';

export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'keda-operator' | 'keda-adapter' | 'pod-runner';

export interface ComponentRecord {
  name: ComponentName;
  pid: number;
  logFile: string;
  /** The URL that answers 200 when the component is healthy (none: alive = healthy). */
  health?: string;
  /** Ports it listens on, by role. */
  ports: Record<string, number>;
}

export interface ControlPlaneOptions {
  dir: string;
  /** CRD files to apply (server-side) and wait for Established. */
  crdFiles: string[];
  /** kube-controller-manager (deployment, replicaset, HPA, GC, namespace, serviceaccount controllers). */
  controllers: boolean;
  /** The KEDA operator + metrics adapter, registered as v1beta1.external.metrics.k8s.io. Needs `controllers`. */
  keda: boolean;
  /** --horizontal-pod-autoscaler-sync-period in seconds (upstream default 15). */
  hpaSyncPeriodSeconds?: number;
  /** true: processes survive this one (`lab up`); false: killed when this process exits (tests). */
  detached: boolean;
  log?: (s: string) => void;
  /** Called after each component has started (so a caller can record it before the next one). */
  onComponent?: (c: ComponentRecord) => void;
  signal?: AbortSignal;
}

export interface ControlPlane {
  dir: string;
  server: string;
  kubeconfig: string;
  /** The admin token (system:masters); lives in the mode-0600 kubeconfig. */
  token: string;
  components: ComponentRecord[];
  kubectl(args: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  k(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

const attached = new Set<number>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const pid of attached) killGroup(pid, 'SIGKILL');
  };
  process.once('exit', killAll);
  // A test runner stops its workers with a signal, which skips 'exit': kill the groups, then die of the same signal.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAll();
      process.kill(process.pid, sig);
    });
  }
}

export function killGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function startProc(bin: string, args: string[], logFile: string, detached: boolean, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = fs.openSync(logFile, 'a');
  const p = spawn(bin, args, { detached: true, stdio: ['ignore', fd, fd], env: env ?? process.env });
  fs.closeSync(fd);
  if (detached) p.unref();
  else if (p.pid) {
    attached.add(p.pid);
    const pid = p.pid;
    p.on('exit', () => attached.delete(pid));
  }
  return p;
}

/** HTTP(S) GET status code, 0 when unreachable (certificates not checked: loopback health probes only). */
export function httpStatus(url: string, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https') ? https : http;
    const req = mod.get(url, { rejectUnauthorized: false, timeout: 2000, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
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

export const logTail = (f: string, n = 15): string => {
  try {
    return fs.readFileSync(f, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
};

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CmaError('interrupted while starting the lab', { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
}

async function waitFor(
  what: string,
  cond: () => Promise<boolean>,
  o: { timeoutMs: number; proc?: ChildProcess; logFile?: string; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    checkAbort(o.signal);
    if (o.proc && (o.proc.exitCode !== null || o.proc.signalCode !== null)) {
      throw new CmaError(`${what}: the process exited (${o.proc.exitCode ?? o.proc.signalCode}) while starting:\n${o.logFile ? logTail(o.logFile) : ''}`, {
        exitCode: ExitCode.ENV,
        code: 'LAB_COMPONENT_EXITED',
        hint: o.logFile ? `read ${o.logFile}` : undefined,
      });
    }
    if (await cond()) return;
    if (Date.now() > deadline) {
      throw new CmaError(`${what} not ready within ${Math.round(o.timeoutMs / 1000)} s${o.logFile ? `:\n${logTail(o.logFile)}` : ''}`, {
        exitCode: ExitCode.ENV,
        code: 'LAB_TIMEOUT',
        hint: o.logFile ? `read ${o.logFile}; on a loaded machine rerun \`cma-demo lab up\`` : undefined,
      });
    }
    await pause(300, o.signal);
  }
}

/** The APIService + ExternalName Service that route external.metrics.k8s.io to the adapter on the host (docs/design.md §11.2). */
export function adapterRegistration(adapterPort: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'keda-metrics-apiserver', namespace: 'keda', labels: { 'app.kubernetes.io/managed-by': 'cma-demo-lab' } },
        // Endpoints in the loopback range are refused by validation, and there is no kube-proxy: an ExternalName
        // Service is the one route the aggregator resolves to a host address (apiserver proxy ResolveCluster).
        spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port: adapterPort, protocol: 'TCP' }] },
      },
      {
        apiVersion: 'apiregistration.k8s.io/v1',
        kind: 'APIService',
        metadata: { name: 'v1beta1.external.metrics.k8s.io', labels: { 'app.kubernetes.io/managed-by': 'cma-demo-lab' } },
        spec: {
          service: { name: 'keda-metrics-apiserver', namespace: 'keda', port: adapterPort },
          group: 'external.metrics.k8s.io',
          version: 'v1beta1',
          insecureSkipTLSVerify: true,
          groupPriorityMinimum: 100,
          versionPriority: 100,
        },
      },
    ],
  });
}

export async function startControlPlane(o: ControlPlaneOptions): Promise<ControlPlane> {
  const log = o.log ?? (() => {});
  const t0 = Date.now();
  const bins = labBinaries();
  const need = o.keda ? Object.values(bins) : o.controllers ? [bins.etcd, bins.apiserver, bins.controllerManager] : [bins.etcd, bins.apiserver];
  const missing = need.filter((b) => !fs.existsSync(b));
  if (missing.length) {
    throw new CmaError(`lab binaries missing: ${missing.join(', ')}`, {
      exitCode: ExitCode.ENV,
      code: 'LAB_NOT_BUILT',
      hint: '`cma-demo lab up` builds them on first use (or run `node scripts/lab/prepare.mjs --kube`)',
    });
  }
  if (!o.detached) hookExit();
  fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const components: ComponentRecord[] = [];
  const procs: ChildProcess[] = [];
  const record = (c: ComponentRecord, p: ChildProcess) => {
    components.push(c);
    procs.push(p);
    o.onComponent?.(c);
  };
  const stop = async (): Promise<void> => {
    // Reverse order: the APIService's backend (adapter) must not vanish before the apiserver, or discovery stalls.
    for (const c of [...components].reverse()) killGroup(c.pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && components.some((c) => pidAlive(c.pid))) await pause(100);
    for (const c of components) if (pidAlive(c.pid)) killGroup(c.pid, 'SIGKILL');
  };
  try {
    const [etcdPort, peerPort, apiPort] = await freePorts(3);
    const etcdLog = path.join(o.dir, 'etcd.log');
    const etcd = startProc(
      bins.etcd,
      [
        '--name=lab',
        `--data-dir=${path.join(o.dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=lab=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
        '--listen-metrics-urls=http://127.0.0.1:0',
      ],
      etcdLog,
      o.detached,
    );
    const etcdHealth = `http://127.0.0.1:${etcdPort}/health`;
    record({ name: 'etcd', pid: etcd.pid!, logFile: etcdLog, health: etcdHealth, ports: { client: etcdPort, peer: peerPort } }, etcd);
    await waitFor('etcd', async () => (await httpStatus(etcdHealth)) === 200, { timeoutMs: 30_000, proc: etcd, logFile: etcdLog, signal: o.signal });

    const token = crypto.randomBytes(24).toString('hex');
    fs.writeFileSync(path.join(o.dir, 'tokens.csv'), `${token},lab-admin,lab-admin,"system:masters"\n`, { mode: 0o600 });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    fs.writeFileSync(path.join(o.dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    fs.writeFileSync(path.join(o.dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--cert-dir=${path.join(o.dir, 'pki')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount',
      `--token-auth-file=${path.join(o.dir, 'tokens.csv')}`,
      `--service-account-issuer=https://127.0.0.1:${apiPort}`,
      `--service-account-key-file=${path.join(o.dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(o.dir, 'sa.key')}`,
    ];
    let kedaCertDir = '';
    if (o.keda) {
      const pki = await makeLabPki(o.dir);
      kedaCertDir = pki.kedaCertDir;
      const fp = pki.frontProxyDir;
      // The aggregation layer: the apiserver proves itself to the adapter with the front-proxy client certificate,
      // and passes the original user in the X-Remote-* headers (kube docs "Configure the aggregation layer").
      apiArgs.push(
        `--requestheader-client-ca-file=${path.join(fp, 'front-proxy-ca.crt')}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-username-headers=X-Remote-User',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        `--proxy-client-cert-file=${path.join(fp, 'front-proxy-client.crt')}`,
        `--proxy-client-key-file=${path.join(fp, 'front-proxy-client.key')}`,
      );
    }
    const apiLog = path.join(o.dir, 'kube-apiserver.log');
    const api = startProc(bins.apiserver, apiArgs, apiLog, o.detached);
    const server = `https://127.0.0.1:${apiPort}`;
    record({ name: 'kube-apiserver', pid: api.pid!, logFile: apiLog, health: `${server}/readyz`, ports: { secure: apiPort } }, api);
    await waitFor('kube-apiserver', async () => (await httpStatus(`${server}/readyz`)) === 200, {
      timeoutMs: 120_000,
      proc: api,
      logFile: apiLog,
      signal: o.signal,
    });
    const kubeconfig = path.join(o.dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: cma-demo-lab',
        'clusters:',
        '- name: cma-demo-lab',
        '  cluster:',
        `    server: ${server}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: lab-admin',
        '  user:',
        `    token: ${token}`,
        'contexts:',
        '- name: cma-demo-lab',
        '  context:',
        '    cluster: cma-demo-lab',
        '    user: lab-admin',
      ].join('\n') + '\n',
      { mode: 0o600 },
    );
    const kubectl = async (args: string[], input?: string) => {
      const r = await execa('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { reject: false, input: input ?? '', timeout: 180_000 });
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    };
    const k = async (args: string[], input?: string) => {
      const r = await kubectl(args, input);
      if (r.exitCode !== 0) throw new CmaError(`kubectl ${args.join(' ')}: ${r.stderr.trim()}`, { exitCode: ExitCode.ENV, code: 'LAB_KUBECTL' });
      return r.stdout;
    };
    const tReady = Date.now();
    log(`kube-apiserver ${LAB_VERSIONS.kube} ready at ${server} in ${((tReady - t0) / 1000).toFixed(1)} s`);
    await applyCrds(o.crdFiles, k, kubectl, o.signal);
    log(`${o.crdFiles.length} CRDs established in ${((Date.now() - tReady) / 1000).toFixed(1)} s`);

    if (o.controllers) {
      const kcmLog = path.join(o.dir, 'kube-controller-manager.log');
      const sync = o.hpaSyncPeriodSeconds ?? 15;
      // Controller names of 1.28+ (cmd/kube-controller-manager/names); --secure-port=0 switches its HTTPS server off.
      const kcm = startProc(
        bins.controllerManager,
        [
          `--kubeconfig=${kubeconfig}`,
          '--leader-elect=false',
          '--secure-port=0',
          '--controllers=deployment-controller,replicaset-controller,horizontal-pod-autoscaler-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller',
          '--use-service-account-credentials=false',
          `--horizontal-pod-autoscaler-sync-period=${sync}s`,
        ],
        kcmLog,
        o.detached,
      );
      record({ name: 'kube-controller-manager', pid: kcm.pid!, logFile: kcmLog, ports: {} }, kcm);
      log(`kube-controller-manager ${LAB_VERSIONS.kube} started (HPA sync period ${sync} s)`);
    }

    if (o.keda) {
      await k(
        ['apply', '--server-side', '--field-manager=cma-demo-lab', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'keda' } }),
      );
      const [metricsPort, probePort, grpcPort, adapterPort, adapterMetricsPort] = await freePorts(5);
      // Outside a pod KEDA needs: WATCH_NAMESPACE set (empty = all), its own namespace named (else it reads the
      // in-pod service-account file), and the kubeconfig (KEDA's Makefile `run` target does the same).
      const kedaEnv = { ...process.env, KUBECONFIG: kubeconfig, WATCH_NAMESPACE: '', KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda', POD_NAMESPACE: 'keda' };
      const opLog = path.join(o.dir, 'keda-operator.log');
      const op = startProc(
        bins.kedaOperator,
        [
          '--leader-elect=false',
          '--enable-cert-rotation=false',
          `--cert-dir=${kedaCertDir}`,
          `--metrics-bind-address=127.0.0.1:${metricsPort}`,
          `--health-probe-bind-address=127.0.0.1:${probePort}`,
          `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
          '--zap-log-level=info',
          '--zap-encoder=console',
        ],
        opLog,
        o.detached,
        kedaEnv,
      );
      const opHealth = `http://127.0.0.1:${probePort}/healthz`;
      record({ name: 'keda-operator', pid: op.pid!, logFile: opLog, health: opHealth, ports: { metrics: metricsPort, probe: probePort, grpc: grpcPort } }, op);
      const adLog = path.join(o.dir, 'keda-adapter.log');
      // --port is the adapter's plain Prometheus endpoint: KEDA binds it on every interface (no address flag), so it
      // gets a free port of its own; every other port binds 127.0.0.1.
      const ad = startProc(
        bins.kedaAdapter,
        [
          '--bind-address=127.0.0.1',
          `--secure-port=${adapterPort}`,
          `--cert-dir=${kedaCertDir}`,
          `--tls-cert-file=${path.join(kedaCertDir, 'tls.crt')}`,
          `--tls-private-key-file=${path.join(kedaCertDir, 'tls.key')}`,
          `--lister-kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          `--metrics-service-address=127.0.0.1:${grpcPort}`,
          `--port=${adapterMetricsPort}`,
        ],
        adLog,
        o.detached,
        kedaEnv,
      );
      record(
        {
          name: 'keda-adapter',
          pid: ad.pid!,
          logFile: adLog,
          health: `https://127.0.0.1:${adapterPort}/healthz`,
          ports: { secure: adapterPort, metrics: adapterMetricsPort },
        },
        ad,
      );
      await k(['apply', '--server-side', '--field-manager=cma-demo-lab', '-f', '-'], adapterRegistration(adapterPort));
      await waitFor('KEDA operator', async () => (await httpStatus(opHealth)) === 200, { timeoutMs: 120_000, proc: op, logFile: opLog, signal: o.signal });
      await waitFor('KEDA metrics adapter (APIService v1beta1.external.metrics.k8s.io Available)', async () => apiServiceAvailable(kubectl), {
        timeoutMs: 120_000,
        proc: ad,
        logFile: adLog,
        signal: o.signal,
      });
      log(`KEDA ${LAB_VERSIONS.keda} operator ready, metrics adapter Available (${((Date.now() - t0) / 1000).toFixed(1)} s since start)`);
    }
    return { dir: o.dir, server, kubeconfig, token, components, kubectl, k, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function apiServiceAvailable(kubectl: ControlPlane['kubectl']): Promise<boolean> {
  const r = await kubectl(['get', 'apiservice', 'v1beta1.external.metrics.k8s.io', '-o', 'json']);
  if (r.exitCode !== 0) return false;
  const conds = (JSON.parse(r.stdout).status?.conditions ?? []) as Array<{ type: string; status: string }>;
  return conds.some((c) => c.type === 'Available' && c.status === 'True');
}

async function applyCrds(files: string[], k: ControlPlane['k'], kubectl: ControlPlane['kubectl'], signal?: AbortSignal): Promise<void> {
  if (files.length === 0) return;
  await k(['apply', '--server-side', '--field-manager=cma-demo-lab', ...files.flatMap((f) => ['-f', f])]);
  // Poll rather than `kubectl wait --all`: under load a just-created CRD may have no .status yet, which makes
  // kubectl wait fail at once.
  await waitFor(
    'CRDs Established',
    async () => {
      const crds = JSON.parse(await k(['get', 'crd', '-o', 'json'])).items as Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>;
      const pending = crds.filter((c) => !(c.status?.conditions ?? []).some((x) => x.type === 'Established' && x.status === 'True'));
      return crds.length >= files.length && pending.length === 0;
    },
    { timeoutMs: 120_000, signal },
  );
  // Discovery of fresh CRDs can lag a little behind Established.
  await waitFor('CRD discovery', async () => (await kubectl(['api-resources', '--api-group=keda.sh', '-o', 'name'])).stdout.includes('scaledobjects'), {
    timeoutMs: 30_000,
    signal,
  });
}
