/**
 * The local Kafka broker: one KRaft broker+controller on free loopback ports with a PLAINTEXT and a
 * SASL_PLAINTEXT (SCRAM-SHA-512) listener, run detached in its own process group, described by a state file
 * under $CMA_DEMO_STATE/local-kafka/.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CmaError, ExitCode, envError, usageError } from '../errors.js';
import { ensureWritableDir, stateDir } from '../paths.js';
import { retry } from '../util/retry.js';
import { sleep } from '../util/sleep.js';
import type { KafkaConnection } from '../kafka/client.js';
import { ensureKafkaInstalled, requireTool, type KafkaInstall } from './install.js';
import { freePorts, isPortFree, waitPortsFree } from './ports.js';
import { argfileText, renderServerProperties, type BrokerState, parseBrokerState } from './config.js';

export interface BrokerInfo {
  running: true;
  bootstrap: string;
  saslBootstrap: string;
  username: string;
  pid: number;
  version: string;
  logFile: string;
  passwordFile: string;
  dataDir: string;
}

export const LOCAL_USERNAME = 'cma-demo';
const READY_TIMEOUT_MS = 90_000;

interface Opts {
  log?: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  /**
   * Ctrl-C: waits stop, a broker this call started is stopped (its process group, its state file) and the call
   * throws exit 130; the lock is released on the way out.
   */
  signal?: AbortSignal;
  /** Told the pid (= process group) of a broker as soon as this call has spawned it (a second Ctrl-C kills it). */
  onSpawn?: (pid: number) => void;
}

/** The error an interrupted up ends with (exit 130). */
const interrupted = (what: string): CmaError => new CmaError(`interrupted: ${what}`, { exitCode: ExitCode.INTERRUPTED, code: 'INTERRUPTED' });

export function brokerDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), 'local-kafka');
}

function files(env: NodeJS.ProcessEnv) {
  const dir = brokerDir(env);
  return {
    dir,
    state: path.join(dir, 'state.json'),
    password: path.join(dir, 'password'),
    props: path.join(dir, 'server.properties'),
    startArgs: path.join(dir, 'start.args'),
    formatArgs: path.join(dir, 'format.args'),
    data: path.join(dir, 'data'),
    log: path.join(dir, 'broker.log'),
    lock: path.join(dir, '.lock'),
  };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when pid is alive and is our broker (its command line names our argfile): guards against pid reuse. */
function isOurBroker(pid: number, startArgs: string): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes(`@${startArgs}`);
  } catch {
    return false;
  }
}

async function readState(env: NodeJS.ProcessEnv): Promise<BrokerState | null> {
  try {
    return parseBrokerState(await fsp.readFile(files(env).state, 'utf8'));
  } catch {
    return null;
  }
}

function infoOf(s: BrokerState): BrokerInfo {
  return {
    running: true,
    bootstrap: `127.0.0.1:${s.ports.plaintext}`,
    saslBootstrap: `127.0.0.1:${s.ports.sasl}`,
    username: s.username,
    pid: s.pid,
    version: s.version,
    logFile: s.logFile,
    passwordFile: s.passwordFile,
    dataDir: s.dataDir,
  };
}

/** The running local broker, or null (no state, or the recorded process is gone). */
export async function brokerStatus(opts: Opts = {}): Promise<BrokerInfo | null> {
  const env = opts.env ?? process.env;
  const s = await readState(env);
  if (!s) return null;
  return isOurBroker(s.pid, files(env).startArgs) ? infoOf(s) : null;
}

/** A connection to the local broker: PLAINTEXT, or SASL_PLAINTEXT with its SCRAM user. */
export async function localConnection(info: BrokerInfo, opts: { sasl?: boolean } = {}): Promise<KafkaConnection> {
  if (!opts.sasl) return { brokers: [info.bootstrap], securityProtocol: 'PLAINTEXT', source: 'local broker' };
  const password = (await fsp.readFile(info.passwordFile, 'utf8')).trim();
  return {
    brokers: [info.saslBootstrap],
    securityProtocol: 'SASL_PLAINTEXT',
    sasl: { mechanism: 'scram-sha-512', username: info.username, password },
    source: 'local broker',
  };
}

/** Serializes up/down of one state dir (an O_EXCL lock file; a dead holder's lock is taken over). */
async function withLock<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const f = files(env);
  ensureWritableDir(f.dir, { name: 'CMA_DEMO_STATE', isDefault: !env.CMA_DEMO_STATE }, 0o700); // exit 3 naming it, never a spin
  const t0 = Date.now();
  for (;;) {
    try {
      const h = await fsp.open(f.lock, 'wx');
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await fsp.readFile(f.lock, 'utf8').catch(() => '')) || 0);
      if (!holder || !pidAlive(holder)) {
        await fsp.rm(f.lock, { force: true });
        continue;
      }
      if (Date.now() - t0 > 180_000)
        throw envError(
          `another cma-demo (pid ${holder}) holds ${f.lock}`,
          'wait for it to finish, or remove the lock file if that process is not cma-demo',
          'LOCKED',
        );
      if (!(await sleep(250, signal))) throw interrupted(`nothing started (pid ${holder} holds ${f.lock})`);
    }
  }
  try {
    return await fn();
  } finally {
    await fsp.rm(f.lock, { force: true });
  }
}

function randomClusterId(): string {
  // A Kafka Uuid: 16 random bytes, URL-safe base64 without padding, not starting with '-' (CLI-unsafe).
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function writePrivate(file: string, text: string): Promise<void> {
  await fsp.rm(file, { force: true });
  await fsp.writeFile(file, text, { mode: 0o600, flag: 'wx' });
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    const t = await fsp.readFile(file, 'utf8');
    return t.split('\n').filter(Boolean).slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function runFormat(inst: KafkaInstall, f: ReturnType<typeof files>, clusterId: string, password: string): Promise<void> {
  const args = argfileText([
    '-Xmx256m',
    `-Dlog4j2.configurationFile=${inst.log4jConfig}`,
    '-cp',
    `${inst.libDir}/*`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    f.props,
    '--add-scram',
    `SCRAM-SHA-512=[name=${LOCAL_USERNAME},password=${password}]`,
  ]);
  await writePrivate(f.formatArgs, args);
  try {
    const r = await execa('java', [`@${f.formatArgs}`], { reject: false, all: true, stdin: 'ignore', timeout: 120_000 });
    if (r.exitCode !== 0) {
      const out = String(r.all ?? '')
        .split(password)
        .join('***');
      throw envError(
        `formatting the KRaft storage failed (exit ${r.exitCode ?? r.signal}):\n${out.split('\n').slice(-15).join('\n')}`,
        `check ${f.dir} and the Java version (Kafka 4 needs Java 17+)`,
        'BROKER_FORMAT',
      );
    }
  } finally {
    await fsp.rm(f.formatArgs, { force: true });
  }
}

async function waitReady(pid: number, conn: KafkaConnection, logFile: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const { openAdmin } = await import('../kafka/kafkajs.js');
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    if (signal?.aborted) throw interrupted(`the Kafka broker (pid ${pid}) was not ready yet`);
    if (!pidAlive(pid)) {
      const t = await tail(logFile);
      const clash = /Address already in use|BindException/i.test(t);
      throw new CmaError(`the Kafka broker exited during start${clash ? ' (a port is already in use)' : ''}; log: ${logFile}\n${t}`, {
        hint: clash ? 'run cma-demo local up again (it picks new free ports)' : `read ${logFile}`,
        exitCode: ExitCode.ENV,
        code: clash ? 'PORT_CLASH' : 'BROKER_START',
        retriable: clash,
      });
    }
    try {
      const admin = await openAdmin(conn, { deadlineMs: 3_000, retries: 0 });
      await admin.close();
      return;
    } catch (err) {
      last = err;
    }
    await sleep(250, signal);
  }
  throw envError(
    `the Kafka broker did not serve metadata within ${timeoutMs / 1000} s (${(last as Error)?.message ?? 'no answer'}); log: ${logFile}`,
    `read ${logFile}; the machine may be overloaded`,
    'BROKER_TIMEOUT',
  );
}

async function startFresh(
  inst: KafkaInstall,
  env: NodeJS.ProcessEnv,
  log: (s: string) => void,
  signal?: AbortSignal,
  onSpawn?: (pid: number) => void,
): Promise<BrokerState> {
  const f = files(env);
  await fsp.rm(f.data, { recursive: true, force: true });
  await fsp.mkdir(f.data, { recursive: true });
  const [plaintext, sasl, controller] = await freePorts(3);
  const password = crypto.randomBytes(24).toString('base64url');
  await writePrivate(f.password, password + '\n');
  await fsp.writeFile(f.props, renderServerProperties({ ports: { plaintext, sasl, controller }, dataDir: f.data }));
  const clusterId = randomClusterId();
  const t0 = Date.now();
  try {
    await runFormat(inst, f, clusterId, password);
  } catch (err) {
    // The terminal's Ctrl-C reaches the format JVM too: its failure is the interrupt, not a format problem.
    if (signal?.aborted) throw interrupted('nothing started (the next up formats the storage again)');
    throw err;
  }
  if (signal?.aborted) throw interrupted('nothing started (the next up formats the storage again)');
  log(`formatted KRaft storage in ${f.data} (${Date.now() - t0} ms)`);

  const heap = brokerHeap(env);
  await writePrivate(
    f.startArgs,
    argfileText([
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${inst.log4jConfig}`,
      `-Dkafka.logs.dir=${f.dir}`,
      '-cp',
      `${inst.libDir}/*`,
      'kafka.Kafka',
      f.props,
    ]),
  );
  const logFd = fs.openSync(f.log, 'a');
  const child = spawn('java', [`@${f.startArgs}`], { detached: true, stdio: ['ignore', logFd, logFd], cwd: f.dir });
  fs.closeSync(logFd);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (!pid) {
    const e = await Promise.race([spawnError, sleep(1000).then(() => null)]);
    throw envError(`java could not be started for the Kafka broker${e ? `: ${e.message}` : ''}`, 'check that java (17+) is on PATH', 'BROKER_START');
  }
  child.unref();
  onSpawn?.(pid);
  const state: BrokerState = {
    pid,
    pgid: pid,
    version: inst.version,
    ports: { plaintext, sasl, controller },
    username: LOCAL_USERNAME,
    passwordFile: f.password,
    logFile: f.log,
    dataDir: f.data,
    clusterId,
    startedAt: new Date().toISOString(),
  };
  // Written before the wait, so a failed start can still be stopped by "local down".
  await fsp.writeFile(f.state, JSON.stringify(state, null, 2) + '\n');
  try {
    await waitReady(pid, { brokers: [`127.0.0.1:${plaintext}`], securityProtocol: 'PLAINTEXT', source: 'local broker' }, f.log, READY_TIMEOUT_MS, signal);
  } catch (err) {
    // Also on Ctrl-C: the broker this call started does not outlive it.
    if (signal?.aborted) log(`stopping the broker it started (pid ${pid})`);
    await killGroup(pid);
    await fsp.rm(f.state, { force: true });
    if (signal?.aborted) throw interrupted(`the broker it started (pid ${pid}) was stopped`);
    throw err;
  }
  log(`broker pid ${pid} serves metadata on 127.0.0.1:${plaintext} (${Date.now() - t0} ms after format start)`);
  return state;
}

/** The broker's JVM heap: CMA_DEMO_KAFKA_HEAP (e.g. 1g), default 512m (enough for the demo on a small machine). */
export function brokerHeap(env: NodeJS.ProcessEnv): string {
  const v = env.CMA_DEMO_KAFKA_HEAP?.trim() || '512m';
  if (!/^\d+[kmgKMG]?$/.test(v)) throw usageError(`CMA_DEMO_KAFKA_HEAP="${v}" is not a JVM heap size`, 'use e.g. 512m or 1g', 'BAD_HEAP');
  return v;
}

/** Starts the broker, or reuses the running one (idempotent). Stale state (a dead pid) is cleaned first. */
export async function ensureBroker(opts: Opts = {}): Promise<BrokerInfo & { started: boolean }> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  brokerHeap(env); // a bad CMA_DEMO_KAFKA_HEAP fails before anything is written
  const inst = await ensureKafkaInstalled({ log, env }).catch((err: unknown) => {
    throw opts.signal?.aborted ? interrupted('nothing started (the download is retried on the next up)') : err;
  });
  if (opts.signal?.aborted) throw interrupted('nothing started');
  await requireTool('java');
  return withLock(
    env,
    async () => {
      const f = files(env);
      const existing = await readState(env);
      if (existing) {
        if (isOurBroker(existing.pid, f.startArgs)) {
          // It may still be starting (an interrupted up): reuse it once it serves metadata.
          await waitReady(
            existing.pid,
            { brokers: [`127.0.0.1:${existing.ports.plaintext}`], securityProtocol: 'PLAINTEXT', source: 'local broker' },
            existing.logFile,
            READY_TIMEOUT_MS,
            opts.signal,
          );
          log(`reusing the running broker (pid ${existing.pid})`);
          return { ...infoOf(existing), started: false };
        }
        log(`stale state (pid ${existing.pid} is gone): cleaning up`);
        await cleanup(env);
      }
      const s = await retry(() => startFresh(inst, env, log, opts.signal, opts.onSpawn), {
        attempts: 3,
        backoff: { initialMs: 0 },
        retriable: (err) => err instanceof CmaError && err.code === 'PORT_CLASH',
        onRetry: () => log('a port was taken meanwhile; retrying with new ports'),
      });
      return { ...infoOf(s), started: true };
    },
    opts.signal,
  );
}

/** For a second Ctrl-C (the process exits next): SIGKILL to a broker's process group, without waiting. */
export function killBrokerNow(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    try {
      process.kill(pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** For a second Ctrl-C: removes the state dir's lock if this process holds it (synchronous, for an exit path). */
export function releaseLockNow(env: NodeJS.ProcessEnv = process.env): void {
  const f = files(env);
  try {
    if (Number(fs.readFileSync(f.lock, 'utf8')) === process.pid) fs.rmSync(f.lock, { force: true });
  } catch {
    /* no lock */
  }
}

/** SIGTERM to the process group, wait, SIGKILL as a fallback. */
async function killGroup(pgid: number, graceMs = 30_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      try {
        process.kill(pgid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const t0 = Date.now();
  while (pidAlive(pgid) && Date.now() - t0 < graceMs) await sleep(100);
  if (pidAlive(pgid)) {
    signal('SIGKILL');
    const t1 = Date.now();
    while (pidAlive(pgid) && Date.now() - t1 < 10_000) await sleep(100);
  }
}

async function cleanup(env: NodeJS.ProcessEnv): Promise<void> {
  const f = files(env);
  await fsp.rm(f.data, { recursive: true, force: true });
  for (const x of [f.state, f.password, f.startArgs, f.formatArgs, f.props]) await fsp.rm(x, { force: true });
}

/** Stops the broker (if any), waits until its ports are free, removes its data. False when none ran. */
export async function stopBroker(opts: Opts = {}): Promise<boolean> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  return withLock(env, async () => {
    const f = files(env);
    const s = await readState(env);
    if (!s) return false;
    const running = isOurBroker(s.pid, f.startArgs);
    if (running) {
      const t0 = Date.now();
      await killGroup(s.pgid);
      if (pidAlive(s.pid)) throw envError(`the Kafka broker (pid ${s.pid}) did not stop`, `kill it by hand: kill -9 ${s.pid}`, 'BROKER_STOP');
      log(`broker pid ${s.pid} stopped in ${Date.now() - t0} ms`);
      const ports = [s.ports.plaintext, s.ports.sasl, s.ports.controller];
      if (!(await waitPortsFree(ports, 10_000))) {
        const busy = [];
        for (const p of ports) if (!(await isPortFree(p))) busy.push(p);
        log(`warning: ports ${busy.join(', ')} are still in use`);
      }
    }
    await cleanup(env);
    return running;
  });
}
