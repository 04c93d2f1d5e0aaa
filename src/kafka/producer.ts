/**
 * The perf producer behind `cma-demo produce` and the scenario runner's load phases (docs/design.md §6).
 *
 * Speed comes from the shape of the sends, since KafkaJS does no client-side batching: many records a request
 * (spread round-robin over the partitions), several requests in flight, one payload buffer for every record.
 * The throttle (kafka/throttle.ts) follows kafka-producer-perf-test's catch-up rule. Latency is measured from
 * the send of a request to its acknowledgement, for every record in it.
 */
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CmaError, usageError } from '../errors.js';
import { retry } from '../util/retry.js';
import { sleep } from '../util/sleep.js';
import { isRetriableKafkaAnswer, type KafkaAdmin, type KafkaConnection, type KafkaProducer, type ProducerMessage, type ProducerSettings } from './client.js';
import { LatencyRecorder, StatsWindow, summarize, type PeriodicReport, type SummaryFigures } from './stats.js';
import { Throttle } from './throttle.js';

export interface ProduceOptions {
  connection: KafkaConnection;
  topic: string;
  numRecords: number;
  /** rec/s, -1 (any negative) = unlimited. */
  throughput: number;
  recordSize: number;
  /** Only these partitions (default: every partition of the topic). */
  partitions?: number[];
  /** Set → key = decimal sequence number (sequenceStart + i), header `seq` the same. */
  sequenceStart?: number;
  /** Create the topic with this many partitions when missing, and wait for its leaders. */
  createPartitions?: number;
  producerProps?: Record<string, string>;
  /**
   * Transactional producer (`produce --transactional`): every request is one transaction; the broker writes a
   * commit (or abort) marker after its records on each partition, which takes an offset of its own.
   */
  transactional?: boolean;
  /** With transactional: abort every N-th transaction (1 = all of them); its records are never visible to read_committed consumers. */
  abortEvery?: number;
  signal?: AbortSignal;
  onReport?: (r: PeriodicReport) => void;
  /** Default 5000 (the Java tool's window). */
  reportIntervalMs?: number;
  /** Called once the topic is ready and the producer connected, just before the clock starts. */
  onStart?: (info: { partitions: number[]; topicCreated: boolean; recordsPerSend: number; maxInFlight: number; threads: number }) => void;
}

export interface ProduceSummary extends SummaryFigures {
  interrupted: boolean;
  /** Inclusive ranges of acknowledged sequence numbers (with sequenceStart); records of aborted transactions are not among them. */
  ackedSequences?: Array<[number, number]>;
  /** With transactional: transactions committed and aborted, and the records the aborted ones held. */
  transactions?: { committed: number; aborted: number; abortedRecords: number };
}

/** I/O the producer needs; tests may pass fakes. */
export interface ProducerDeps {
  openAdmin(conn: KafkaConnection): Promise<KafkaAdmin>;
  openProducer(conn: KafkaConnection, settings: ProducerSettings): Promise<KafkaProducer>;
  now?(): number;
}

// ---------------------------------------------------------------------------------------------------------
// Producer properties (pure)

/** Java-side knobs that have no KafkaJS counterpart: accepted and reported as having no effect. */
const NO_EFFECT = new Set([
  'linger.ms',
  'buffer.memory',
  'max.block.ms',
  'retries',
  'retry.backoff.ms',
  'send.buffer.bytes',
  'receive.buffer.bytes',
  'max.request.size',
  'partitioner.class',
  'key.serializer',
  'value.serializer',
  'enable.idempotence',
  'delivery.timeout.ms',
]);
/** Connection settings belong to the connection options, not the producer props. */
const CONNECTION_KEYS = /^(bootstrap\.servers|security\.protocol|sasl\.|ssl\.)/;

export interface ProducerPlan {
  settings: ProducerSettings;
  /** Requests in flight at once (max.in.flight.requests.per.connection, default 5 as in Java). */
  maxInFlight: number;
  /** Records per request per partition, from batch.size / record size (Java: batch.size bytes per partition). */
  batchRecordsPerPartition: number;
  warnings: Array<{ code: string; message: string }>;
}

export const DEFAULT_BATCH_SIZE = 16_384;

/**
 * Splits `k=v` tokens like the Java tool: each must have exactly one `=` (a value containing `=` is rejected).
 */
export function parseProducerProps(tokens: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tokens) {
    const parts = t.split('=');
    if (parts.length !== 2 || parts[0]!.trim() === '') {
      throw usageError(
        `invalid --producer-props entry "${t}"`,
        'pass key=value pairs, e.g. --producer-props acks=all compression.type=none (a value may not contain "=")',
      );
    }
    out[parts[0]!.trim()] = parts[1]!.trim();
  }
  return out;
}

const intProp = (k: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw usageError(`producer property ${k} must be an integer ≥ ${min}, got "${v}"`);
  return n;
};

/** What the producer makes of its properties; unknown keys and Java-only knobs become warnings. */
export function planProducer(props: Record<string, string> = {}, recordSize = 100): ProducerPlan {
  const warnings: ProducerPlan['warnings'] = [];
  const settings: ProducerSettings = { acks: -1, compression: 'none', timeoutMs: 30_000 };
  let maxInFlight = 5;
  let batchSize = DEFAULT_BATCH_SIZE;
  for (const [k, v] of Object.entries(props)) {
    if (CONNECTION_KEYS.test(k)) {
      throw usageError(
        `producer property ${k} is a connection setting`,
        'use --bootstrap-server/--security-protocol/--sasl-mechanism/--username/--ca-file, or put it in --producer.config FILE',
      );
    }
    switch (k) {
      case 'acks': {
        const a = v.toLowerCase();
        if (a === 'all' || a === '-1') settings.acks = -1;
        else if (a === '1') settings.acks = 1;
        else if (a === '0') settings.acks = 0;
        else throw usageError(`producer property acks must be all, -1, 0 or 1, got "${v}"`);
        break;
      }
      case 'compression.type': {
        const c = v.toLowerCase();
        if (c === 'none' || c === 'gzip') settings.compression = c;
        else throw usageError(`compression.type ${v} is not available in cma-demo's producer`, 'use compression.type=none or gzip');
        break;
      }
      case 'client.id':
        settings.clientId = v;
        break;
      case 'request.timeout.ms':
        settings.timeoutMs = intProp(k, v, 1);
        break;
      case 'max.in.flight.requests.per.connection':
        maxInFlight = intProp(k, v, 1);
        break;
      case 'batch.size':
        batchSize = intProp(k, v, 0);
        break;
      default:
        if (NO_EFFECT.has(k))
          warnings.push({
            code: 'PRODUCER_PROP_NO_EFFECT',
            message: `producer property ${k}=${v} has no effect here (KafkaJS has no client-side batching or idempotence; cma-demo batches per request itself)`,
          });
        else warnings.push({ code: 'PRODUCER_PROP_UNKNOWN', message: `producer property ${k} is not used by cma-demo's producer; ignored` });
    }
  }
  const batchRecordsPerPartition = Math.max(1, Math.floor(batchSize / Math.max(1, recordSize)));
  return { settings, maxInFlight, batchRecordsPerPartition, warnings };
}

/** Records a request: batch.size worth per partition, at least 100 and at most 5000 (KafkaJS groups messages per partition in O(n²/P)). */
export function recordsPerSend(plan: ProducerPlan, partitionCount: number): number {
  return Math.max(100, Math.min(5000, plan.batchRecordsPerPartition * partitionCount));
}

/** kafka-producer-perf-test's payload: random upper-case letters, deterministic (seeded), made once. */
export function makePayload(size: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = 65 + (x % 26);
  }
  return b;
}

/** Merges acknowledged [from, to] ranges into sorted, disjoint, inclusive ranges. */
export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const s = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of s) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function validateProduceOptions(
  o: Pick<ProduceOptions, 'numRecords' | 'throughput' | 'recordSize' | 'topic' | 'createPartitions' | 'sequenceStart' | 'transactional' | 'abortEvery'>,
): void {
  if (!o.topic) throw usageError('--topic is empty', 'name the topic, e.g. --topic test-in');
  if (!Number.isInteger(o.numRecords) || o.numRecords <= 0) throw usageError(`--num-records must be a whole number > 0, got ${o.numRecords}`);
  if (!Number.isFinite(o.throughput) || (o.throughput <= 0 && o.throughput !== -1)) {
    throw usageError(
      `--throughput must be > 0 records/s or -1 for no limit, got ${o.throughput}`,
      o.throughput === 0
        ? '0 would never send (the Java tool blocks forever); use -1 for unlimited'
        : 'of the negative values only -1 (no limit) has a meaning',
    );
  }
  if (!Number.isInteger(o.recordSize) || o.recordSize < 0) throw usageError(`--record-size must be a whole number of bytes ≥ 0, got ${o.recordSize}`);
  if (o.createPartitions !== undefined && (!Number.isInteger(o.createPartitions) || o.createPartitions < 1)) {
    throw usageError(`--partitions must be a whole number ≥ 1, got ${o.createPartitions}`);
  }
  if (o.sequenceStart !== undefined && (!Number.isInteger(o.sequenceStart) || o.sequenceStart < 0)) {
    throw usageError(`the sequence start must be a whole number ≥ 0, got ${o.sequenceStart}`);
  }
  if (o.abortEvery !== undefined) {
    if (!o.transactional) throw usageError('--abort-every needs --transactional', 'add --transactional: only a transaction can be aborted');
    if (!Number.isInteger(o.abortEvery) || o.abortEvery < 1) {
      throw usageError(`--abort-every must be a whole number ≥ 1, got ${o.abortEvery}`, '--abort-every 1 aborts every transaction, 3 every third one');
    }
  }
}

/** Whether the k-th transaction (0-based) of a run is aborted under --abort-every N (every N-th: k = N-1, 2N-1, …). */
export function abortsTransaction(k: number, abortEvery: number | undefined): boolean {
  return abortEvery !== undefined && abortEvery >= 1 && (k + 1) % abortEvery === 0;
}

// ---------------------------------------------------------------------------------------------------------

async function defaultDeps(): Promise<ProducerDeps> {
  const [{ openAdmin }, { openProducer }] = await Promise.all([import('./kafkajs.js'), import('./kafkajsProducer.js')]);
  return { openAdmin: (c) => openAdmin(c), openProducer };
}

/** What one send loop needs: its share of the records and where the partitions are. */
export interface SendLoopConfig {
  topic: string;
  /** Records [from, from + count) of the whole run. */
  from: number;
  count: number;
  throughput: number;
  recordSize: number;
  partitions: number[];
  sequenceStart?: number;
  recordsPerSend: number;
  maxInFlight: number;
  /** Transactional producer: abort every N-th send (each send is one transaction). */
  abortEvery?: number;
}

export interface SendLoopHooks {
  now(): number;
  /** n records of `bytes` bytes acknowledged at t1, sent at t0. */
  onAck(t0: number, t1: number, n: number, bytes: number, firstIndex: number): void;
  /** A transaction of n records was aborted as asked (abortEvery); not called otherwise. */
  onAbort?(t0: number, t1: number, n: number, bytes: number, firstIndex: number): void;
}

/**
 * The send loop: what is due goes out in requests of up to recordsPerSend records, round-robin over the
 * partitions, with at most maxInFlight requests outstanding. On abort it stops sending and waits for what is
 * in flight. Returns the time of the first send (null when nothing was sent) and the first failure.
 */
export async function sendLoop(
  producer: KafkaProducer,
  c: SendLoopConfig,
  hooks: SendLoopHooks,
  signal?: AbortSignal,
): Promise<{ firstSend: number | null; failure: unknown }> {
  const P = c.partitions.length;
  const payload = makePayload(c.recordSize);
  const seq = c.sequenceStart;
  const perSend = c.recordsPerSend;
  // Without sequence numbers every request reuses slices of one template: record k goes to partitions[k % P].
  const template: ProducerMessage[] =
    seq === undefined ? Array.from({ length: perSend + P }, (_, i) => ({ partition: c.partitions[i % P]!, value: payload })) : [];
  const build = (from: number, n: number): ProducerMessage[] => {
    if (seq === undefined) {
      const off = from % P;
      return template.slice(off, off + n);
    }
    const msgs = new Array<ProducerMessage>(n);
    for (let i = 0; i < n; i++) {
      const k = seq + from + i;
      const sq = String(k);
      msgs[i] = { partition: c.partitions[(from + i) % P]!, key: sq, value: payload, headers: { seq: sq } };
    }
    return msgs;
  };
  let firstSend: number | null = null;
  let failure: unknown = null;
  let sent = 0;
  let sends = 0;
  const inflight = new Set<Promise<void>>();
  const start = hooks.now();
  const throttle = new Throttle(c.throughput < 0 ? -1 : c.throughput, start);
  while (sent < c.count && !signal?.aborted && failure === null) {
    if (inflight.size >= c.maxInFlight) {
      await Promise.race(inflight);
      continue;
    }
    const step = throttle.next(sent, hooks.now());
    if (step.count === 0) {
      await sleep(step.waitMs, signal);
      continue;
    }
    const n = Math.min(step.count, c.count - sent, perSend);
    const from = c.from + sent;
    const msgs = build(from, n);
    const bytes = n * c.recordSize;
    const t0 = hooks.now();
    if (firstSend === null) firstSend = t0;
    const abort = abortsTransaction(sends++, c.abortEvery);
    const tracked: Promise<void> = (abort ? producer.send(c.topic, msgs, { abort: true }) : producer.send(c.topic, msgs))
      .then(
        () => (abort ? hooks.onAbort?.(t0, hooks.now(), n, bytes, from) : hooks.onAck(t0, hooks.now(), n, bytes, from)),
        (err: unknown) => {
          failure ??= err;
        },
      )
      .finally(() => inflight.delete(tracked));
    inflight.add(tracked);
    sent += n;
  }
  await Promise.all(inflight);
  return { firstSend, failure };
}

/** Worker threads for an unlimited run: KafkaJS encodes on one core, the machine may have more. */
function parallelism(opts: ProduceOptions): number {
  if (opts.throughput >= 0 || opts.numRecords < 200_000 || opts.transactional) return 1;
  const env = Number(process.env.CMA_DEMO_PRODUCER_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 8);
  return os.availableParallelism() >= 2 ? 2 : 1;
}

/** Produces opts.numRecords records (or until opts.signal aborts) and returns the summary. */
export async function produce(opts: ProduceOptions, deps?: ProducerDeps): Promise<ProduceSummary> {
  validateProduceOptions(opts);
  const d = deps ?? (await defaultDeps());
  const now = d.now ?? (() => performance.now());
  const plan = planProducer(opts.producerProps, opts.recordSize);
  if (opts.transactional) {
    // One transaction at a time: KafkaJS refuses a second one while the first is open.
    plan.maxInFlight = 1;
    plan.settings.transactionalId = `cma-demo-tx-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  }

  // Topic and partitions first: the clock starts only once every partition has a leader.
  let parts: number[];
  let topicCreated = false;
  const admin = await d.openAdmin(opts.connection);
  try {
    if (opts.createPartitions !== undefined) {
      // A fresh broker can answer createTopics' wait for leaders with a retriable UNKNOWN_TOPIC_OR_PARTITION;
      // asking again finds the topic and waits for its leaders.
      const createPartitions = opts.createPartitions;
      const r = await retry(() => admin.ensureTopic(opts.topic, createPartitions), {
        attempts: 5,
        backoff: { initialMs: 250, factor: 2 },
        retriable: isRetriableKafkaAnswer,
        onRetry: () => (topicCreated = true), // the failed createTopics made the topic
      });
      topicCreated ||= r.created;
    }
    const all = await admin.partitions(opts.topic);
    if (opts.partitions && opts.partitions.length > 0) {
      const missing = opts.partitions.filter((p) => !all.includes(p));
      if (missing.length) throw usageError(`topic ${opts.topic} has no partition ${missing.join(', ')}`, `pick partitions among 0..${all.length - 1}`);
      parts = [...opts.partitions];
    } else parts = all;
    // Leaders in the metadata are not enough on a just-created topic: a partition whose leader has not loaded
    // it yet answers NOT_LEADER/UNKNOWN_TOPIC_OR_PARTITION, and KafkaJS then resends the whole request, which
    // duplicates the partitions that had succeeded (no idempotence). ListOffsets goes through the same leader
    // check and KafkaJS retries it, so one successful read means every partition takes writes.
    await admin.endOffsets(opts.topic);
  } finally {
    await admin.close();
  }
  if (parts.length === 0) throw new CmaError(`topic ${opts.topic} has no partitions`, { code: 'NO_PARTITIONS' });

  const perSend = recordsPerSend(plan, parts.length);
  const threads = deps ? 1 : parallelism(opts);
  const workerFile = fileURLToPath(new URL('./produceWorker.js', import.meta.url));
  const useWorkers = threads > 1 && fs.existsSync(workerFile);

  const lat = new LatencyRecorder();
  const reportEvery = opts.reportIntervalMs ?? 5000;
  const acked: Array<[number, number]> = [];
  let lastAck: number | null = null;
  let window: StatsWindow | null = null;
  const seq = opts.sequenceStart;
  const onAck = (t0: number, t1: number, n: number, bytes: number, firstIndex: number): void => {
    if (lastAck === null || t1 > lastAck) lastAck = t1;
    lat.record(t1 - t0, n, bytes);
    if (window) {
      window.record(t1 - t0, n, bytes);
      if (opts.onReport && t1 - window.startMs >= reportEvery) {
        opts.onReport(window.report(t1));
        window.reset(t1);
      }
    }
    if (seq !== undefined) acked.push([seq + firstIndex, seq + firstIndex + n - 1]);
  };
  const tx = { committed: 0, aborted: 0, abortedRecords: 0 };
  const onTxAck = (t0: number, t1: number, n: number, bytes: number, firstIndex: number): void => {
    tx.committed++;
    onAck(t0, t1, n, bytes, firstIndex);
  };
  // An aborted transaction was sent and answered (latency, rate) but is not delivered (no acked sequences).
  const onAbort = (t0: number, t1: number, n: number, bytes: number): void => {
    tx.aborted++;
    tx.abortedRecords += n;
    if (lastAck === null || t1 > lastAck) lastAck = t1;
    lat.record(t1 - t0, n, bytes);
    window?.record(t1 - t0, n, bytes);
  };
  const base: Omit<SendLoopConfig, 'from' | 'count'> = {
    topic: opts.topic,
    throughput: opts.throughput,
    recordSize: opts.recordSize,
    partitions: parts,
    sequenceStart: seq,
    recordsPerSend: perSend,
    maxInFlight: plan.maxInFlight,
    ...(opts.abortEvery !== undefined ? { abortEvery: opts.abortEvery } : {}),
  };
  opts.onStart?.({ partitions: parts, topicCreated, recordsPerSend: perSend, maxInFlight: plan.maxInFlight, threads: useWorkers ? threads : 1 });

  let firstSend: number | null = null;
  let failure: unknown = null;
  if (!useWorkers) {
    const producer = await d.openProducer(opts.connection, plan.settings);
    try {
      window = new StatsWindow(now());
      const hooks: SendLoopHooks = opts.transactional ? { now, onAck: onTxAck, onAbort } : { now, onAck };
      const r = await sendLoop(producer, { ...base, from: 0, count: opts.numRecords }, hooks, opts.signal);
      firstSend = r.firstSend;
      failure = r.failure;
    } finally {
      await producer.close();
    }
  } else {
    // Wall-clock ms shared by all threads (performance.now() has a per-thread origin).
    const wall = (): number => performance.timeOrigin + performance.now();
    const r = await runWorkers(
      workerFile,
      threads,
      opts,
      base,
      plan.settings,
      wall,
      (t) => {
        window ??= new StatsWindow(t);
      },
      onAck,
    );
    firstSend = r.firstSend;
    failure = r.failure;
  }
  if (failure !== null) throw failure;
  const s = summarize(lat, firstSend, lastAck);
  const out: ProduceSummary = { ...s, interrupted: Boolean(opts.signal?.aborted) && lat.count < opts.numRecords };
  if (seq !== undefined) out.ackedSequences = mergeRanges(acked);
  if (opts.transactional) out.transactions = tx;
  return out;
}

/** Messages between produce() and its worker threads. */
export type WorkerRequest =
  { type: 'start'; connection: KafkaConnection; settings: ProducerSettings; config: SendLoopConfig } | { type: 'go' } | { type: 'abort' };
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'acks'; acks: number[] /* flat: t0, t1, n, bytes, firstIndex, … */ }
  | { type: 'done'; firstSend: number | null; error: { message: string; hint?: string; exitCode?: number; code?: string } | null };

async function runWorkers(
  file: string,
  threads: number,
  opts: ProduceOptions,
  base: Omit<SendLoopConfig, 'from' | 'count'>,
  settings: ProducerSettings,
  wall: () => number,
  onClockStart: (t: number) => void,
  onAck: (t0: number, t1: number, n: number, bytes: number, firstIndex: number) => void,
): Promise<{ firstSend: number | null; failure: unknown }> {
  const { Worker } = await import('node:worker_threads');
  const N = opts.numRecords;
  const share = Math.ceil(N / threads);
  const workers = Array.from({ length: threads }, () => new Worker(file));
  const abort = (): void => workers.forEach((w) => w.postMessage({ type: 'abort' } satisfies WorkerRequest));
  opts.signal?.addEventListener('abort', abort, { once: true });
  let firstSend: number | null = null;
  let failure: unknown = null;
  try {
    // Connect every producer first, then start them together.
    const ready = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('error', reject);
          w.on('message', (m: WorkerMessage) => {
            if (m.type === 'ready') resolve();
          });
        }),
    );
    workers.forEach((w, i) => {
      const from = i * share;
      const count = Math.max(0, Math.min(share, N - from));
      w.postMessage({ type: 'start', connection: opts.connection, settings, config: { ...base, from, count } } satisfies WorkerRequest);
    });
    await Promise.all(ready);
    onClockStart(wall());
    const done = workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          w.on('message', (m: WorkerMessage) => {
            if (m.type === 'acks') {
              for (let k = 0; k < m.acks.length; k += 5) onAck(m.acks[k]!, m.acks[k + 1]!, m.acks[k + 2]!, m.acks[k + 3]!, m.acks[k + 4]!);
            } else if (m.type === 'done') {
              if (m.firstSend !== null && (firstSend === null || m.firstSend < firstSend)) firstSend = m.firstSend;
              if (m.error && failure === null)
                failure = new CmaError(m.error.message, { hint: m.error.hint, exitCode: (m.error.exitCode ?? 3) as 3, code: m.error.code });
              resolve();
            }
          });
          w.once('error', (e) => {
            failure ??= e;
            resolve();
          });
          w.once('exit', () => resolve());
        }),
    );
    workers.forEach((w) => w.postMessage({ type: 'go' } satisfies WorkerRequest));
    await Promise.all(done);
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { firstSend, failure };
}
