/**
 * The lab's stand-in for the kubelet. It owns one Node, binds pending pods to it through the Binding subresource
 * (there is no scheduler; an unbound pod is deleted at once, so binding is what makes graceful termination real),
 * runs each pod's cma-demo container as a local process, reports readiness from the container's readiness probe,
 * and on deletion sends SIGTERM, waits the grace period, SIGKILLs, then finalizes the pod.
 *
 * Mirrors, in small, what the kubelet does (pkg/kubelet: syncPod starts containers and writes status through
 * the status manager; killPod honours the grace period; the pod is removed with grace 0 once it has stopped).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePorts } from '../local/ports.js';
import { isStatus, type KObj, type KubeApi } from './kubeApi.js';
import type { Launched, Launcher } from './launchers.js';
import { planContainer, type ContainerPlan } from './podSpec.js';

export interface PodRunnerOptions {
  api: KubeApi;
  nodeName: string;
  /** One log file per pod: <ns>_<pod>.log. */
  logDir: string;
  /** How a pod's container starts: a local process or a podman container (launchers.ts). */
  launcher: Launcher;
  log?: (s: string) => void;
  pollMs?: number;
}

interface PodProc {
  uid: string;
  ns: string;
  name: string;
  plan?: ContainerPlan;
  proc?: ChildProcess;
  launched?: Launched;
  port?: number;
  ready: boolean;
  restarts: number;
  startedAt?: string;
  lastExit?: { exitCode: number; reason: string; finishedAt: string };
  backoffUntil: number;
  terminating?: { deadline: number; killed: boolean };
  /** Last waiting reason written (so the same problem is reported once, not every tick). */
  waitingReason?: string;
  logFile: string;
  statusDirty: boolean;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class PodRunner {
  private readonly pods = new Map<string, PodProc>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = false;
  private readonly log: (s: string) => void;

  constructor(private readonly o: PodRunnerOptions) {
    this.log = o.log ?? (() => {});
    fs.mkdirSync(o.logDir, { recursive: true });
  }

  async start(): Promise<void> {
    await this.registerNode();
    const tick = async () => {
      if (this.busy || this.stopped) return;
      this.busy = true;
      try {
        await this.sync();
      } catch (err) {
        this.log(`pod runner: ${(err as Error).message}`);
      } finally {
        this.busy = false;
      }
    };
    await tick();
    this.timer = setInterval(() => void tick(), this.o.pollMs ?? 500);
  }

  /** Stops every pod process (SIGTERM, then SIGKILL after 10 s) and the loop. Pods stay in the API. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const live = [...this.pods.values()].filter((p) => p.proc && p.proc.exitCode === null);
    for (const p of live) p.launched!.signal('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && live.some((p) => p.proc!.exitCode === null && p.proc!.signalCode === null)) await new Promise((r) => setTimeout(r, 100));
    for (const p of live) {
      if (p.proc!.exitCode === null && p.proc!.signalCode === null) p.launched!.signal('SIGKILL');
      p.launched!.finalize();
    }
    this.o.api.close();
  }

  private async registerNode(): Promise<void> {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.o.nodeName,
        labels: { 'kubernetes.io/hostname': this.o.nodeName, 'kubernetes.io/os': 'linux', 'app.kubernetes.io/managed-by': 'cma-demo-lab' },
      },
    };
    try {
      await this.o.api.post('/api/v1/nodes', node);
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
    const t = now();
    await this.o.api.mergePatch(`/api/v1/nodes/${this.o.nodeName}/status`, {
      status: {
        capacity: { cpu: '32', memory: '256Gi', pods: '250' },
        allocatable: { cpu: '32', memory: '256Gi', pods: '250' },
        conditions: [
          { type: 'Ready', status: 'True', reason: 'CmaDemoPodRunner', message: 'cma-demo lab pod runner', lastHeartbeatTime: t, lastTransitionTime: t },
        ],
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: this.o.nodeName },
        ],
        nodeInfo: { kubeletVersion: 'cma-demo-pod-runner', operatingSystem: 'linux', architecture: process.arch },
      },
    });
  }

  /** One pass: bind, start, probe, restart, terminate, forget. */
  async sync(): Promise<void> {
    const list = await this.o.api.get('/api/v1/pods');
    const seen = new Set<string>();
    for (const pod of (list.items ?? []) as KObj[]) {
      const uid = pod.metadata.uid as string;
      const nodeName = pod.spec?.nodeName as string | undefined;
      if (!nodeName) {
        if (!pod.metadata.deletionTimestamp) await this.bind(pod);
        continue;
      }
      if (nodeName !== this.o.nodeName) continue;
      seen.add(uid);
      let p = this.pods.get(uid);
      if (!p) {
        p = {
          uid,
          ns: pod.metadata.namespace,
          name: pod.metadata.name,
          ready: false,
          restarts: 0,
          backoffUntil: 0,
          logFile: path.join(this.o.logDir, `${pod.metadata.namespace}_${pod.metadata.name}.log`),
          statusDirty: true,
        };
        this.pods.set(uid, p);
      }
      if (pod.metadata.deletionTimestamp) await this.terminate(p, pod);
      else await this.run(p, pod);
    }
    for (const [uid, p] of this.pods) {
      if (seen.has(uid)) continue;
      if (p.proc && p.proc.exitCode === null) p.launched!.signal('SIGKILL');
      p.launched?.finalize();
      this.pods.delete(uid);
    }
  }

  private async bind(pod: KObj): Promise<void> {
    const { namespace, name } = pod.metadata;
    try {
      await this.o.api.post(`/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: this.o.nodeName },
      });
    } catch (err) {
      if (!isStatus(err, 409) && !isStatus(err, 404)) throw err;
    }
  }

  private async run(p: PodProc, pod: KObj): Promise<void> {
    if (!p.plan) {
      const planned = await planContainer(pod, this.o.api);
      if (!planned.ok) {
        if (p.waitingReason !== planned.reason) {
          p.waitingReason = planned.reason;
          await this.writeStatus(p, pod, { waiting: { reason: planned.reason, message: planned.message } });
          await this.event(pod, 'Warning', planned.reason === 'CreateContainerConfigError' ? 'Failed' : 'FailedToRun', planned.message);
          this.log(`${p.ns}/${p.name}: ${planned.reason}: ${planned.message}`);
        }
        return;
      }
      p.plan = planned.plan;
      p.waitingReason = undefined;
    }
    if (!p.proc) {
      const image = String(pod.spec.containers?.[0]?.image ?? '');
      const bad = this.o.launcher.precheck(image);
      if (bad) {
        if (p.waitingReason !== bad.reason) {
          p.waitingReason = bad.reason;
          await this.writeStatus(p, pod, { waiting: bad });
          await this.event(pod, 'Warning', bad.reason, bad.message);
          this.log(`${p.ns}/${p.name}: ${bad.reason}: ${bad.message}`);
        }
        return;
      }
      p.waitingReason = undefined;
    }
    const running = p.proc && p.proc.exitCode === null && p.proc.signalCode === null;
    if (!running) {
      if (p.proc) {
        // The container exited on its own: restartPolicy Always (a Deployment's pods) restarts it after a back-off.
        const code = p.proc.exitCode ?? 128 + 9;
        p.lastExit = { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', finishedAt: now() };
        p.proc = undefined;
        p.ready = false;
        p.backoffUntil = Date.now() + Math.min(30_000, 1000 * 2 ** Math.min(p.restarts, 5));
        p.restarts++;
        await this.writeStatus(p, pod, {
          waiting: { reason: 'CrashLoopBackOff', message: `exited with ${code}; see \`cma-demo lab logs ${p.name} -n ${p.ns}\`` },
        });
        this.log(`${p.ns}/${p.name}: container exited with ${code}, restarting`);
        return;
      }
      if (Date.now() < p.backoffUntil) return;
      await this.startProc(p, pod);
      return;
    }
    const ready = p.plan.probe ? await probe(p.port, p.plan.probe.path) : true;
    if (ready !== p.ready || p.statusDirty) {
      p.ready = ready;
      await this.writeStatus(p, pod, { running: true });
    }
  }

  private async startProc(p: PodProc, pod: KObj): Promise<void> {
    const plan = p.plan!;
    let args = plan.args;
    if (plan.portArgIndex !== undefined) {
      // Every pod shares the host's network here: give each its own port instead of the containerPort.
      [p.port] = await freePorts(1);
      args = [...args];
      args[plan.portArgIndex] = String(p.port);
    }
    const fd = fs.openSync(p.logFile, 'a');
    const launched = this.o.launcher.launch({ ns: p.ns, name: p.name, image: String(pod.spec.containers?.[0]?.image ?? ''), args, env: plan.env, logFd: fd });
    const proc = launched.proc;
    fs.closeSync(fd);
    p.proc = proc;
    p.launched = launched;
    p.startedAt = now();
    p.ready = false;
    p.statusDirty = true;
    this.log(`${p.ns}/${p.name}: started ${launched.what}`);
    await this.writeStatus(p, pod, { running: true });
  }

  private async terminate(p: PodProc, pod: KObj): Promise<void> {
    const live = p.proc && p.proc.exitCode === null && p.proc.signalCode === null;
    if (live && !p.terminating) {
      const grace = Number(pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
      p.terminating = { deadline: Date.now() + grace * 1000, killed: false };
      p.launched!.signal('SIGTERM');
      this.log(`${p.ns}/${p.name}: SIGTERM (grace ${grace} s)`);
      return;
    }
    if (live && p.terminating && !p.terminating.killed && Date.now() > p.terminating.deadline) {
      p.terminating.killed = true;
      p.launched!.signal('SIGKILL');
      this.log(`${p.ns}/${p.name}: grace period over, SIGKILL`);
      return;
    }
    if (live) return;
    p.launched?.finalize();
    // Stopped: finalize, as the kubelet does once the containers are gone (delete with grace 0, uid precondition).
    try {
      await this.o.api.delete(`/api/v1/namespaces/${p.ns}/pods/${p.name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid: p.uid },
      });
    } catch (err) {
      if (!isStatus(err, 404) && !isStatus(err, 409)) throw err;
    }
    const code = p.proc?.exitCode;
    this.log(`${p.ns}/${p.name}: stopped${code !== undefined && code !== null ? ` (exit ${code})` : ''}, removed`);
    this.pods.delete(p.uid);
  }

  private async writeStatus(p: PodProc, pod: KObj, s: { running?: boolean; waiting?: { reason: string; message: string } }): Promise<void> {
    const t = now();
    const cname = pod.spec.containers?.[0]?.name ?? 'main';
    const ready = Boolean(s.running && p.ready);
    const state = s.running ? { running: { startedAt: p.startedAt } } : { waiting: s.waiting };
    const cond = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: t, lastProbeTime: null });
    const status = {
      phase: s.running ? 'Running' : 'Pending',
      hostIP: '127.0.0.1',
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
      startTime: pod.status?.startTime ?? t,
      conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', ready), cond('Ready', ready)],
      containerStatuses: [
        {
          name: cname,
          image: pod.spec.containers?.[0]?.image ?? '',
          imageID: '',
          ready,
          started: Boolean(s.running),
          restartCount: p.restarts,
          state,
          ...(p.lastExit ? { lastState: { terminated: { exitCode: p.lastExit.exitCode, reason: p.lastExit.reason, finishedAt: p.lastExit.finishedAt } } } : {}),
        },
      ],
    };
    try {
      await this.o.api.mergePatch(`/api/v1/namespaces/${p.ns}/pods/${p.name}/status`, { status });
      p.statusDirty = false;
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
  }

  private async event(pod: KObj, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const t = now();
    const { namespace, name, uid } = pod.metadata;
    try {
      await this.o.api.post(`/api/v1/namespaces/${namespace}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name, namespace, uid },
        reason,
        message,
        type,
        source: { component: 'cma-demo-pod-runner', host: this.o.nodeName },
        firstTimestamp: t,
        lastTimestamp: t,
        count: 1,
      });
    } catch {
      /* events are best effort, as in the kubelet */
    }
  }

  /** Pods this runner has a process for (for `lab status`). */
  running(): Array<{ ns: string; name: string; pid?: number; ready: boolean }> {
    return [...this.pods.values()].map((p) => ({ ns: p.ns, name: p.name, pid: p.proc?.pid, ready: p.ready }));
  }
}

function probe(port: number | undefined, p: string): Promise<boolean> {
  if (!port) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: 1000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}
