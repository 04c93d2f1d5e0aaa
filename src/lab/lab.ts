/**
 * `cma-demo lab`: the local control plane with the real KEDA, its state in $CMA_DEMO_STATE/lab (pids, ports,
 * logs, certificates, a kubeconfig with a token). Like `local up`, a second `up` reuses a healthy lab and a stale
 * state (dead processes) is cleaned up first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { CmaError, ExitCode } from '../errors.js';
import { cacheDir, ensureWritableDir, stateDir } from '../paths.js';
import { waitPortsFree } from '../local/ports.js';
import { ensureLabBinaries, LAB_VERSIONS, PACKAGE_ROOT } from './binaries.js';
import { removeLabContainers, type PodsMode } from './launchers.js';
import { pickBuilder } from '../image/builder.js';
import { apiServiceAvailable, httpStatus, killGroup, pidAlive, startControlPlane, type ComponentRecord } from './controlPlane.js';

export const LAB_NODE_NAME = 'cma-demo-lab-node';

export interface LabState {
  version: 1;
  server: string;
  kubeconfig: string;
  startedAt: string;
  versions: { kube: string; keda: string; etcd: string };
  hpaSyncPeriodSeconds: number;
  /** How pods run: local processes, or podman containers of the pod's image (`lab up --pods containers`). */
  pods: PodsMode;
  nodeName: string;
  components: ComponentRecord[];
}

export function labDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'lab');
}
const stateFile = (env?: NodeJS.ProcessEnv) => path.join(labDir(env), 'state.json');

export function readLabState(env: NodeJS.ProcessEnv = process.env): LabState | null {
  try {
    return JSON.parse(fs.readFileSync(stateFile(env), 'utf8')) as LabState;
  } catch {
    return null;
  }
}

function writeLabState(s: LabState, env?: NodeJS.ProcessEnv): void {
  const f = stateFile(env);
  fs.writeFileSync(`${f}.tmp`, JSON.stringify(s, null, 2), { mode: 0o600 });
  fs.renameSync(`${f}.tmp`, f);
}

/** The six KEDA CRDs of the lab's KEDA version: from the build (same release as the binaries), else ../shared/crds/keda. */
export function kedaCrdDir(env: NodeJS.ProcessEnv = process.env): string {
  const v = LAB_VERSIONS.keda;
  const candidates = [
    path.join(cacheDir(env), `keda-${v}`, 'crds'),
    path.join(cacheDir(env), 'go', 'mod', 'github.com', 'kedacore', 'keda', `v2@v${v}`, 'config', 'crd', 'bases'),
    path.resolve(PACKAGE_ROOT, '..', 'shared', 'crds', 'keda'),
  ];
  for (const d of candidates) if (fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith('.yaml'))) return d;
  throw new CmaError(`the KEDA ${v} CRDs are not found (looked in ${candidates.join(', ')})`, {
    exitCode: ExitCode.ENV,
    code: 'LAB_CRDS_MISSING',
    hint: 'rerun `cma-demo lab up` after removing the KEDA build from the cache so it is rebuilt with its CRDs',
  });
}

export interface ComponentHealth {
  name: string;
  pid: number;
  alive: boolean;
  healthy: boolean;
  detail: string;
  logFile: string;
}

export interface LabStatus {
  running: boolean;
  server?: string;
  kubeconfig?: string;
  versions?: LabState['versions'];
  hpaSyncPeriodSeconds?: number;
  pods?: PodsMode;
  components: ComponentHealth[];
  apiService?: boolean;
}

export async function labStatus(env: NodeJS.ProcessEnv = process.env): Promise<LabStatus> {
  const s = readLabState(env);
  if (!s) return { running: false, components: [] };
  const components: ComponentHealth[] = [];
  for (const c of s.components) {
    const alive = pidAlive(c.pid);
    let healthy = alive;
    let detail = alive ? 'running' : 'not running';
    if (alive && c.health) {
      const code = await httpStatus(c.health);
      healthy = code === 200;
      detail = healthy ? 'healthy' : `health check ${c.health} answered ${code || 'nothing'}`;
    }
    components.push({ name: c.name, pid: c.pid, alive, healthy, detail, logFile: c.logFile });
  }
  let apiService: boolean | undefined;
  if (components.find((c) => c.name === 'kube-apiserver')?.healthy) {
    apiService = await apiServiceAvailable(async (args) => {
      const r = await execa('kubectl', [`--kubeconfig=${s.kubeconfig}`, ...args], { reject: false });
      return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
    });
  }
  return {
    running: components.length > 0 && components.every((c) => c.healthy),
    server: s.server,
    kubeconfig: s.kubeconfig,
    versions: s.versions,
    hpaSyncPeriodSeconds: s.hpaSyncPeriodSeconds,
    pods: s.pods ?? 'processes',
    components,
    apiService,
  };
}

/** Stops every process of the lab (APIService first, then the pod runner and its pods, then the rest in reverse). */
export async function labDown(o: { log?: (s: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<boolean> {
  const env = o.env ?? process.env;
  const log = o.log ?? (() => {});
  const s = readLabState(env);
  if (!s) {
    if (fs.existsSync(labDir(env))) fs.rmSync(labDir(env), { recursive: true, force: true });
    return false;
  }
  const api = s.components.find((c) => c.name === 'kube-apiserver');
  if (api && pidAlive(api.pid)) {
    // A dead aggregated API stalls discovery (and namespace deletion): unregister it before the adapter stops.
    await execa('kubectl', [`--kubeconfig=${s.kubeconfig}`, 'delete', 'apiservice', 'v1beta1.external.metrics.k8s.io', '--ignore-not-found', '--wait=false'], {
      reject: false,
      timeout: 15_000,
    });
  }
  const order = [...s.components].reverse();
  const runner = order.find((c) => c.name === 'pod-runner');
  if (runner && pidAlive(runner.pid)) {
    killGroup(runner.pid, 'SIGTERM');
    await waitGone([runner.pid], 20_000);
  }
  if (s.pods === 'containers') {
    // The runner stops its containers; one killed before it could leaves them behind: remove them by label.
    try {
      const n = removeLabContainers(pickBuilder('podman', env), s.nodeName);
      if (n) log(`removed ${n} container(s) left by the pod runner`);
    } catch {
      /* podman gone: nothing it could have left */
    }
  }
  for (const c of order) if (pidAlive(c.pid)) killGroup(c.pid, 'SIGTERM');
  const left = await waitGone(
    order.map((c) => c.pid),
    15_000,
  );
  for (const pid of left) killGroup(pid, 'SIGKILL');
  await waitGone(left, 5_000);
  const ports = s.components.flatMap((c) => Object.values(c.ports));
  await waitPortsFree(ports, 10_000);
  fs.rmSync(labDir(env), { recursive: true, force: true });
  log(`lab stopped (${s.components.length} processes)`);
  return true;
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = pids.filter(pidAlive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface LabUpOptions {
  hpaSyncPeriodSeconds?: number;
  /** processes (default) or containers (podman). */
  pods?: PodsMode;
  log?: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function labUp(o: LabUpOptions = {}): Promise<LabState & { reused: boolean }> {
  const env = o.env ?? process.env;
  const log = o.log ?? (() => {});
  const existing = readLabState(env);
  if (existing) {
    const st = await labStatus(env);
    const sameSync = o.hpaSyncPeriodSeconds === undefined || o.hpaSyncPeriodSeconds === existing.hpaSyncPeriodSeconds;
    const samePods = o.pods === undefined || o.pods === (existing.pods ?? 'processes');
    if (st.running && sameSync && samePods) return { ...existing, reused: true };
    log(
      st.running
        ? `the running lab has HPA sync period ${existing.hpaSyncPeriodSeconds} s and pods as ${existing.pods ?? 'processes'}: restarting it`
        : 'a stale lab state was found (some processes are gone): cleaning it up',
    );
    await labDown({ env });
  } else if (fs.existsSync(labDir(env))) {
    fs.rmSync(labDir(env), { recursive: true, force: true });
  }
  // Container mode needs podman (it runs the pod's image with host networking); refuse before anything starts.
  if (o.pods === 'containers') pickBuilder('podman', env);
  const dir = ensureWritableDir(labDir(env), { name: 'CMA_DEMO_STATE', isDefault: !env.CMA_DEMO_STATE }, 0o700);
  await ensureLabBinaries({ full: true, log, logFile: path.join(cacheDir(env), 'lab-build.log'), env });
  const crdDir = kedaCrdDir(env);
  const crdFiles = fs
    .readdirSync(crdDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(crdDir, f));
  const sync = o.hpaSyncPeriodSeconds ?? 15;
  const state: LabState = {
    version: 1,
    server: '',
    kubeconfig: path.join(dir, 'kubeconfig'),
    startedAt: new Date().toISOString(),
    versions: { kube: LAB_VERSIONS.kube, keda: LAB_VERSIONS.keda, etcd: LAB_VERSIONS.etcd },
    hpaSyncPeriodSeconds: sync,
    pods: o.pods ?? 'processes',
    nodeName: LAB_NODE_NAME,
    components: [],
  };
  // Recorded as each process starts, so an interrupted `up` leaves a state that `down` (or the next `up`) cleans.
  writeLabState(state, env);
  try {
    const cp = await startControlPlane({
      dir,
      crdFiles,
      controllers: true,
      keda: true,
      hpaSyncPeriodSeconds: sync,
      detached: true,
      log,
      signal: o.signal,
      onComponent: (c) => {
        state.components.push(c);
        writeLabState(state, env);
      },
    });
    state.server = cp.server;
    writeLabState(state, env);
    const runnerLog = path.join(dir, 'pod-runner.log');
    const fd = fs.openSync(runnerLog, 'a');
    const runner = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'bin', 'cma-demo.js'), 'lab', 'pod-runner'], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...env, CMA_DEMO_STATE: stateDir(env) },
    });
    fs.closeSync(fd);
    runner.unref();
    state.components.push({ name: 'pod-runner', pid: runner.pid!, logFile: runnerLog, ports: {} });
    writeLabState(state, env);
    await waitForNode(cp.kubectl, o.signal, runnerLog);
    log(`pod runner ready (node ${LAB_NODE_NAME}; pods run as local cma-demo processes)`);
    return { ...state, reused: false };
  } catch (err) {
    await labDown({ env });
    throw err;
  }
}

async function waitForNode(
  kubectl: (a: string[]) => Promise<{ exitCode: number; stdout: string }>,
  signal: AbortSignal | undefined,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new CmaError('interrupted while starting the lab', { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });
    const r = await kubectl(['get', 'node', LAB_NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    if (r.exitCode === 0 && r.stdout.trim() === 'True') return;
    await new Promise((res) => setTimeout(res, 300));
  }
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n') : '';
  throw new CmaError(`the pod runner did not register node ${LAB_NODE_NAME} within 60 s:\n${tail}`, {
    exitCode: ExitCode.ENV,
    code: 'LAB_TIMEOUT',
    hint: `read ${logFile}`,
  });
}

/** The log file of a pod (ns/name) or of a lab component (etcd, kube-apiserver, keda-operator, …). */
export function labLogFile(name: string, namespace: string, env: NodeJS.ProcessEnv = process.env): string {
  const s = readLabState(env);
  if (!s) throw new CmaError('no lab is running', { exitCode: ExitCode.ENV, code: 'LAB_NOT_RUNNING', hint: 'start one with `cma-demo lab up`' });
  const comp = s.components.find((c) => c.name === name);
  if (comp) return comp.logFile;
  const f = path.join(labDir(env), 'pods', `${namespace}_${name}.log`);
  if (fs.existsSync(f)) return f;
  const known = fs.existsSync(path.join(labDir(env), 'pods'))
    ? fs.readdirSync(path.join(labDir(env), 'pods')).map((x) => x.replace(/\.log$/, '').replace('_', '/'))
    : [];
  throw new CmaError(`no log for pod ${namespace}/${name}`, {
    exitCode: ExitCode.USAGE,
    code: 'NO_SUCH_POD',
    hint: `pods with logs: ${known.join(', ') || 'none yet'}; components: ${s.components.map((c) => c.name).join(', ')}`,
  });
}
