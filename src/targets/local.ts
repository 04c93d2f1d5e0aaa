/**
 * LocalTarget: the local Kafka broker (reused, or started and stopped at the end unless --keep-broker), real
 * `cma-demo consume` child processes as the Deployment's pods, and the KEDA + HPA emulator deciding the replica
 * count from offsets it reads from the broker (never from what it decided itself).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CmaError, envError } from '../errors.js';
import type { KafkaAdmin, KafkaConnection } from '../kafka/client.js';
import { openAdmin } from '../kafka/kafkajs.js';
import { readPartitionOffsets } from '../kafka/lag.js';
import { resolveConnection, type ConnectionFlags } from '../kafka/connection.js';
import { ensureBroker, stopBroker, type BrokerInfo } from '../local/broker.js';
import { EmulatorDriver } from '../scaling/emulator.js';
import type { PartitionOffsets } from '../scaling/kedaLag.js';
import { parseAuditText } from '../kafka/audit.js';
import { sleep } from '../util/sleep.js';
import { clearLiveRun, writeLiveRun } from '../state/liveRun.js';
import type { CaseSpec, Target, TargetSample } from './target.js';

/** Brokers paused by any LocalTarget of this process: resumed if the process exits before the target does. */
const pausedPids = new Set<number>();
function resumeOnExit(): void {
  for (const pid of pausedPids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  }
}

/** The promise's value, or `onTimeout()`'s error after ms (the promise keeps running; its outcome is dropped). */
function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref?.();
  });
  p.catch(() => {}); // a late rejection after the timeout is not unhandled
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'cma-demo.js');

export interface LocalFaults {
  /** Consumers never commit (--fault-no-commit). */
  noCommit?: boolean;
  /** Consumers leave every n-th record out of the audit (--fault-drop-every). */
  dropEvery?: number;
  /** The first consumer SIGKILLs itself after its n-th audit write, before the commit (a crash mid-batch); it is restarted like a pod. */
  sigkillAfterAudits?: number;
}

export interface LocalTargetOptions {
  keepBroker?: boolean;
  log: (s: string) => void;
  warn: (code: string, message: string) => void;
  faults?: LocalFaults;
  env?: NodeJS.ProcessEnv;
  /**
   * Where consumer logs go. Default: a temp dir (cma-run-*) this target creates and removes when it closes (kept,
   * and said so, only when a warning names a consumer log in it); a directory given here is the caller's.
   */
  workDir?: string;
  /**
   * Kafka connection options (run's flags; their CMA_DEMO_* twins are read from env). When they name a Kafka
   * (--bootstrap-server, or bootstrap.servers in --command-config) the case runs against it and no local broker is
   * started; otherwise the local broker, through its SASL listener with --security-protocol SASL_PLAINTEXT.
   */
  kafka?: ConnectionFlags;
}

/** The CMA_DEMO_* twin of each connection flag: how the consumer processes get the same Kafka options. */
const CONNECTION_ENV: Record<keyof ConnectionFlags, string> = {
  bootstrapServer: 'CMA_DEMO_BOOTSTRAP_SERVER',
  securityProtocol: 'CMA_DEMO_SECURITY_PROTOCOL',
  saslMechanism: 'CMA_DEMO_SASL_MECHANISM',
  username: 'CMA_DEMO_USERNAME',
  passwordFile: 'CMA_DEMO_PASSWORD_FILE',
  caFile: 'CMA_DEMO_CA_FILE',
  commandConfig: 'CMA_DEMO_COMMAND_CONFIG',
};

interface Pod {
  id: number;
  proc: ChildProcess | null;
  timer: NodeJS.Timeout | null;
  ready: boolean;
  terminating: boolean;
  exited: Promise<void>;
  logFile: string;
  auditFile: string | null;
}

export class LocalTarget implements Target {
  readonly kind = 'local' as const;
  private broker: (BrokerInfo & { started: boolean }) | null = null;
  private conn: KafkaConnection | null = null;
  private liveStartedAt = '';
  private spec: CaseSpec | null = null;
  private admin: KafkaAdmin | null = null;
  private driver: EmulatorDriver | null = null;
  private pods: Pod[] = [];
  private desired = 0;
  private nextId = 0;
  private scaleDowns = 0;
  private crashes = 0;
  private auditFiles: string[] = [];
  private killedOnce = false;
  private closed = false;
  /** The broker pid this target stopped with SIGSTOP (null when it is running). */
  private pausedPid: number | null = null;

  private readonly workDir: string;
  private readonly ownsWorkDir: boolean;
  /** A warning named a consumer log: the temp dir is kept so that the log can be read. */
  private logsNamed = false;

  constructor(private readonly opts: LocalTargetOptions) {
    this.ownsWorkDir = opts.workDir === undefined;
    this.workDir = opts.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cma-run-'));
  }

  async connection(): Promise<KafkaConnection> {
    if (this.conn) return this.conn;
    // flags > CMA_DEMO_* env > --command-config > the local broker, as produce/lag/consume resolve it; the broker is
    // started only when nothing names another Kafka.
    this.conn = await resolveConnection(this.opts.kafka ?? {}, this.opts.env ?? process.env, async () => {
      if (!this.broker) {
        this.broker = await ensureBroker({ log: this.opts.log, env: this.opts.env } as Parameters<typeof ensureBroker>[0]);
        this.opts.log(`local target: ${this.broker.started ? 'started' : 'reusing'} the local Kafka ${this.broker.version} broker at ${this.broker.bootstrap}`);
      }
      return this.broker;
    });
    this.opts.log(
      `local target: Kafka at ${this.conn.brokers.join(',')} (${this.conn.securityProtocol}${this.conn.sasl ? ` as ${this.conn.sasl.username}` : ''}, from ${this.conn.source})${this.broker ? '' : '; no local broker'}`,
    );
    return this.conn;
  }

  /** The consumers' connection environment: the local broker's listener, or the options this run was given. */
  private consumerEnv(conn: KafkaConnection): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.CMA_DEMO_OUTPUT;
    if (!this.broker) {
      for (const [k, name] of Object.entries(CONNECTION_ENV) as Array<[keyof ConnectionFlags, string]>) {
        const v = this.opts.kafka?.[k];
        if (v) env[name] = k === 'bootstrapServer' || k === 'securityProtocol' || k === 'saslMechanism' || k === 'username' ? v : path.resolve(v);
      }
      return env;
    }
    env.CMA_DEMO_BOOTSTRAP_SERVER = conn.brokers.join(',');
    env.CMA_DEMO_SECURITY_PROTOCOL = conn.securityProtocol;
    if (conn.sasl) {
      env.CMA_DEMO_SASL_MECHANISM = conn.sasl.mechanism;
      env.CMA_DEMO_USERNAME = conn.sasl.username;
      env.CMA_DEMO_KAFKA_PASSWORD = conn.sasl.password; // environment, never argv
    }
    return env;
  }

  supports(feature: string): { ok: true } | { ok: false; reason: string } {
    if (feature === 'cluster') return { ok: false, reason: 'cluster only' };
    if (feature === 'broker-pause' && this.conn && !this.broker) {
      return { ok: false, reason: 'the run names another Kafka (no local broker process to pause)' };
    }
    return { ok: true };
  }

  async prepare(spec: CaseSpec): Promise<void> {
    await this.restore();
    this.spec = spec;
    this.scaleDowns = 0;
    this.crashes = 0;
    this.auditFiles = [];
    this.killedOnce = false;
    const conn = await this.connection();
    this.admin = await openAdmin(conn);
    // Starting replicas exist before the first sample (no start-up delay), ready or not within 60 s.
    this.desired = spec.startReplicas;
    for (let i = 0; i < spec.startReplicas; i++) this.addPod(0);
    const t0 = Date.now();
    while (this.pods.some((p) => !p.ready && p.proc) && Date.now() - t0 < 60_000) await sleep(200);
    const paused = spec.annotations?.['autoscaling.keda.sh/paused-replicas'];
    const hpa = spec.hpa ?? { syncSeconds: 15, downscaleWindowSeconds: 300, tolerance: 0.1 };
    this.driver = new EmulatorDriver(
      {
        settings: spec.settings,
        hpaSyncSeconds: hpa.syncSeconds,
        tolerance: hpa.tolerance,
        defaultDownscaleWindowSeconds: hpa.downscaleWindowSeconds,
        boundary: 'exclusive',
        pausedReplicas: paused !== undefined ? Number(paused) : null,
      },
      {
        readOffsets: () => this.readOffsets(spec),
        setReplicas: async (n) => this.scaleTo(n),
        getReplicas: () => this.desired,
        getStatusReplicas: () => this.pods.filter((p) => p.proc && !p.terminating).length,
        log: (line) => process.env.CMA_DEMO_DEBUG && this.opts.log(`emulator: ${line}`),
      },
    );
    this.driver.start();
    this.liveStartedAt = new Date().toISOString();
    this.writeLive(conn);
  }

  /** The record `explain` reads while this case runs (state/liveRun.ts). */
  private writeLive(conn: KafkaConnection | null = this.conn): void {
    const spec = this.spec;
    if (!spec || !this.driver || !conn) return;
    const s = this.driver.snapshot();
    const paused = spec.annotations?.['autoscaling.keda.sh/paused-replicas'];
    writeLiveRun(
      {
        pid: process.pid,
        case: spec.name,
        startedAt: this.liveStartedAt,
        updatedAt: new Date().toISOString(),
        brokers: conn.brokers,
        securityProtocol: conn.securityProtocol,
        group: spec.group,
        topic: spec.allTopics ? null : spec.topic,
        settings: spec.settings as unknown as Record<string, unknown>,
        replicas: { spec: this.desired, status: this.pods.filter((p) => p.proc && !p.terminating).length },
        pausedReplicas: paused !== undefined ? Number(paused) : null,
        emulator: { metric: s.metric, active: s.active, desiredReplicas: s.desiredReplicas, lastError: s.lastError ?? null },
      },
      this.opts.env ?? process.env,
    );
  }

  /**
   * One read of the scaler: the group's offsets on the trigger's topic (or on every topic it committed to, for a
   * trigger without topic). A read the broker leaves unanswered longer than KEDA's Kafka client waits fails, as
   * it does for KEDA: a scaler error (a paused broker answers once it resumes, so a short pause is only a delay).
   */
  private readOffsets(spec: CaseSpec): Promise<PartitionOffsets[]> {
    const read = readPartitionOffsets(this.admin!, spec.group, spec.allTopics ? undefined : spec.topic);
    return withTimeout(
      read,
      spec.kafkaReadTimeoutMs ?? 30_000,
      () => new Error(`kafka: no answer from the broker within ${((spec.kafkaReadTimeoutMs ?? 30_000) / 1000).toFixed(1)} s (i/o timeout)`),
    );
  }

  /** SIGSTOP to the local broker's process: connections stay open, requests wait unanswered until resumeBroker. */
  async pauseBroker(): Promise<void> {
    if (!this.broker)
      throw envError('no local broker process to pause (the run names another Kafka)', 'run the case against the local broker (no --bootstrap-server)');
    if (this.pausedPid !== null) return;
    process.kill(this.broker.pid, 'SIGSTOP');
    this.pausedPid = this.broker.pid;
    if (pausedPids.size === 0) process.once('exit', resumeOnExit);
    pausedPids.add(this.broker.pid);
    this.opts.log(`local target: broker paused (SIGSTOP to pid ${this.broker.pid})`);
  }

  /** SIGCONT to a broker this target paused; a no-op otherwise. */
  async resumeBroker(): Promise<void> {
    const pid = this.pausedPid;
    if (pid === null) return;
    this.pausedPid = null;
    pausedPids.delete(pid);
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* gone */
    }
    this.opts.log(`local target: broker resumed (SIGCONT to pid ${pid})`);
  }

  async sample(): Promise<TargetSample> {
    const s = this.driver?.snapshot();
    this.writeLive();
    return {
      replicas: this.desired,
      readyReplicas: this.pods.filter((p) => p.ready && !p.terminating).length,
      desiredReplicas: s?.desiredReplicas ?? null,
      active: s?.active ?? null,
      metric: s?.metric ?? null,
    };
  }

  /** The Deployment's spec count changes: start (after the start-up delay) or stop (SIGTERM) consumers. */
  private scaleTo(n: number): void {
    if (!this.spec || this.closed) return;
    this.desired = n;
    this.reconcile();
  }

  private reconcile(): void {
    if (!this.spec) return;
    const live = this.pods.filter((p) => !p.terminating);
    if (live.length < this.desired) {
      for (let i = live.length; i < this.desired; i++) this.addPod(this.spec.consumer.startupDelayMs);
    } else if (live.length > this.desired) {
      // Newest first, not-yet-started pods before running ones (as a ReplicaSet prefers unready pods).
      const victims = [...live].sort((a, b) => Number(Boolean(a.proc)) - Number(Boolean(b.proc)) || b.id - a.id).slice(0, live.length - this.desired);
      for (const v of victims) this.terminate(v);
    }
  }

  private addPod(delayMs: number): void {
    const spec = this.spec!;
    const id = ++this.nextId;
    const pod: Pod = {
      id,
      proc: null,
      timer: null,
      ready: false,
      terminating: false,
      exited: Promise.resolve(),
      logFile: path.join(this.workDir, `consumer-${id}.log`),
      auditFile: null,
    };
    this.pods.push(pod);
    const start = () => {
      pod.timer = null;
      if (pod.terminating || this.closed) return;
      this.spawnConsumer(pod, spec);
    };
    if (delayMs > 0) pod.timer = setTimeout(start, delayMs);
    else start();
  }

  private spawnConsumer(pod: Pod, spec: CaseSpec): void {
    const f = this.opts.faults ?? {};
    const args = [
      BIN,
      'consume',
      '--group',
      spec.group,
      '--topic',
      [spec.topic, ...(spec.consumerTopics ?? [])].join(','),
      '--offset-reset',
      spec.consumer.offsetReset,
      '--process-ms',
      String(Math.max(0, Math.round(spec.consumer.processMs))),
      '--session-timeout-ms',
      '6000',
      '--heartbeat-interval-ms',
      '500',
      '--commit-interval-ms',
      '500',
      '--client-id',
      `cma-demo-${spec.group}-${pod.id}`,
    ];
    if (spec.auditDir) {
      pod.auditFile = path.join(spec.auditDir, `consumer-${pod.id}.audit`);
      this.auditFiles.push(pod.auditFile);
      args.push('--audit-file', pod.auditFile);
    }
    if (spec.stallPartitions?.length) args.push('--stall-partitions', spec.stallPartitions.join(','));
    if (f.noCommit) args.push('--fault-no-commit');
    if (f.dropEvery) args.push('--fault-drop-every', String(f.dropEvery));
    if (f.sigkillAfterAudits && !this.killedOnce) {
      this.killedOnce = true;
      args.push('--fault-sigkill-after-audits', String(f.sigkillAfterAudits));
    }
    const env = this.consumerEnv(this.conn!);
    const log = fs.createWriteStream(pod.logFile, { flags: 'a' });
    const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    pod.proc = proc;
    const rl = readline.createInterface({ input: proc.stderr! });
    rl.on('line', (line) => {
      log.write(line + '\n');
      if (!pod.ready && line.startsWith('consume: ready')) {
        pod.ready = true;
      }
    });
    pod.exited = new Promise<void>((resolve) => {
      proc.once('exit', (code, signal) => {
        log.end();
        pod.proc = null;
        pod.ready = false;
        const wasTerminating = pod.terminating;
        this.pods = this.pods.filter((p) => p !== pod);
        if (wasTerminating && code === 0) this.scaleDowns++;
        else if (wasTerminating) {
          this.logsNamed = true;
          this.opts.warn('CONSUMER_UNCLEAN_EXIT', `consumer ${pod.id} exited ${code ?? signal} after SIGTERM (log: ${pod.logFile})`);
        } else if (!this.closed) {
          this.crashes++;
          this.logsNamed = true;
          this.opts.warn('CONSUMER_CRASHED', `consumer ${pod.id} exited ${code ?? signal} unasked; restarting it like a pod (log: ${pod.logFile})`);
          this.reconcile();
        }
        resolve();
      });
    });
  }

  private terminate(pod: Pod): void {
    pod.terminating = true;
    if (pod.timer) {
      clearTimeout(pod.timer);
      pod.timer = null;
      this.pods = this.pods.filter((p) => p !== pod);
      return;
    }
    pod.proc?.kill('SIGTERM');
    // terminationGracePeriodSeconds: SIGKILL after 30 s
    const proc = pod.proc;
    setTimeout(() => {
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }, 30_000).unref();
  }

  /** Stops the emulator and every consumer (SIGTERM, graceful); safe to call twice. */
  async restore(): Promise<void> {
    await this.resumeBroker();
    await this.driver?.stop();
    this.driver = null;
    clearLiveRun(this.opts.env ?? process.env);
    this.desired = 0;
    const pods = [...this.pods];
    for (const p of pods) if (!p.terminating) this.terminate(p);
    await Promise.all(pods.map((p) => p.exited));
    await this.admin?.close().catch(() => {});
    this.admin = null;
  }

  async audit(): Promise<{ seqs: Iterable<number>; scaleDowns: number } | null> {
    if (!this.spec?.auditDir) return null;
    const seqs: number[] = [];
    for (const f of this.auditFiles) {
      if (!fs.existsSync(f)) continue;
      for (const s of parseAuditText(fs.readFileSync(f, 'utf8')).seqs) seqs.push(s);
    }
    return { seqs, scaleDowns: this.scaleDowns };
  }

  async diagnostics(dir: string): Promise<string[]> {
    fs.mkdirSync(dir, { recursive: true });
    const out: string[] = [];
    for (const f of fs.readdirSync(this.workDir).filter((x) => x.endsWith('.log'))) {
      const to = path.join(dir, f);
      fs.copyFileSync(path.join(this.workDir, f), to);
      out.push(to);
    }
    return out;
  }

  async versions(): Promise<Record<string, string>> {
    await this.connection();
    return { kafka: this.broker?.version ?? 'unknown', node: process.version, scaler: 'emulated KEDA 2.18 kafka scaler + HPA (src/scaling)' };
  }

  /** Pids of running consumer processes (tests, Ctrl-C checks). */
  consumerPids(): number[] {
    return this.pods.map((p) => p.proc?.pid).filter((x): x is number => typeof x === 'number');
  }

  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.restore();
    } finally {
      if (this.ownsWorkDir && !this.logsNamed) fs.rmSync(this.workDir, { recursive: true, force: true });
      else if (this.ownsWorkDir) this.opts.log(`local target: kept ${this.workDir}: a warning above names a consumer log in it (remove it when read)`);
    }
    if (this.broker?.started && !this.opts.keepBroker) {
      this.opts.log('local target: stopping the broker it started (--keep-broker keeps it)');
      await stopBroker({ log: this.opts.log, env: this.opts.env } as Parameters<typeof stopBroker>[0]).catch((err) => {
        throw err instanceof CmaError ? err : envError(`stopping the local broker failed: ${(err as Error).message}`);
      });
    }
  }
}
