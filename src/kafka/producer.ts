/**
 * The perf producer behind `cma-demo produce` and the scenario runner's load phases (shared API D).
 *
 * Speed comes from the shape of the sends, since KafkaJS does no client-side batching: many records a request
 * (spread round-robin over the partitions), several requests in flight, one payload buffer for every record.
 * The throttle (kafka/throttle.ts) follows kafka-producer-perf-test's catch-up rule. Latency is measured from
 * the send of a request to its acknowledgement, for every record in it.
 */
import { performance } from 'node:perf_hooks';
import { CmaError, usageError } from '../errors.js';
import type { KafkaAdmin, KafkaConnection, KafkaProducer, ProducerMessage, ProducerSettings } from './client.js';
import { LatencyRecorder, StatsWindow, summarize, type PeriodicReport } from './stats.js';
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
  signal?: AbortSignal;
  onReport?: (r: PeriodicReport) => void;
  /** Default 5000 (the Java tool's window). */
  reportIntervalMs?: number;
  /** Called once the topic is ready and the producer connected, just before the clock starts. */
  onStart?: (info: { partitions: number[]; topicCreated: boolean; recordsPerSend: number; maxInFlight: number }) => void;
}

export interface ProduceSummary {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  durationMs: number;
  interrupted: boolean;
  /** Inclusive ranges of acknowledged sequence numbers (with sequenceStart). */
  ackedSequences?: Array<[number, number]>;
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
const NO_EFFECT = new Set(['linger.ms', 'buffer.memory', 'max.block.ms', 'retries', 'retry.backoff.ms', 'send.buffer.bytes', 'receive.buffer.bytes', 'max.request.size', 'partitioner.class', 'key.serializer', 'value.serializer', 'enable.idempotence', 'delivery.timeout.ms']);
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
      throw usageError(`invalid --producer-props entry "${t}"`, 'pass key=value pairs, e.g. --producer-props acks=all compression.type=none (a value may not contain "=")');
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
      throw usageError(`producer property ${k} is a connection setting`, 'use --bootstrap-server/--security-protocol/--sasl-mechanism/--username/--ca-file, or put it in --producer.config FILE');
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
        if (NO_EFFECT.has(k)) warnings.push({ code: 'PRODUCER_PROP_NO_EFFECT', message: `producer property ${k}=${v} has no effect here (KafkaJS has no client-side batching or idempotence; cma-demo batches per request itself)` });
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

export function validateProduceOptions(o: Pick<ProduceOptions, 'numRecords' | 'throughput' | 'recordSize' | 'topic' | 'createPartitions' | 'sequenceStart'>): void {
  if (!o.topic) throw usageError('--topic is empty', 'name the topic, e.g. --topic test-in');
  if (!Number.isInteger(o.numRecords) || o.numRecords <= 0) throw usageError(`--num-records must be a whole number > 0, got ${o.numRecords}`);
  if (!Number.isFinite(o.throughput) || o.throughput === 0) {
    throw usageError(`--throughput must be > 0 records/s or -1 for no limit, got ${o.throughput}`, '0 would never send (the Java tool blocks forever); use -1 for unlimited');
  }
  if (!Number.isInteger(o.recordSize) || o.recordSize < 0) throw usageError(`--record-size must be a whole number of bytes ≥ 0, got ${o.recordSize}`);
  if (o.createPartitions !== undefined && (!Number.isInteger(o.createPartitions) || o.createPartitions < 1)) {
    throw usageError(`--partitions must be a whole number ≥ 1, got ${o.createPartitions}`);
  }
  if (o.sequenceStart !== undefined && (!Number.isInteger(o.sequenceStart) || o.sequenceStart < 0)) {
    throw usageError(`the sequence start must be a whole number ≥ 0, got ${o.sequenceStart}`);
  }
}

// ---------------------------------------------------------------------------------------------------------

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function defaultDeps(): Promise<ProducerDeps> {
  const [{ openAdmin }, { openProducer }] = await Promise.all([import('./kafkajs.js'), import('./kafkajsProducer.js')]);
  return { openAdmin: (c) => openAdmin(c), openProducer };
}

/** Produces opts.numRecords records (or until opts.signal aborts) and returns the summary. */
export async function produce(opts: ProduceOptions, deps?: ProducerDeps): Promise<ProduceSummary> {
  validateProduceOptions(opts);
  const d = deps ?? (await defaultDeps());
  const now = d.now ?? (() => performance.now());
  const plan = planProducer(opts.producerProps, opts.recordSize);

  // Topic and partitions first: the clock starts only once every partition has a leader.
  let parts: number[];
  let topicCreated = false;
  const admin = await d.openAdmin(opts.connection);
  try {
    if (opts.createPartitions !== undefined) {
      const r = await admin.ensureTopic(opts.topic, opts.createPartitions);
      topicCreated = r.created;
    }
    const all = await admin.partitions(opts.topic);
    if (opts.partitions && opts.partitions.length > 0) {
      const missing = opts.partitions.filter((p) => !all.includes(p));
      if (missing.length) throw usageError(`topic ${opts.topic} has no partition ${missing.join(', ')}`, `pick partitions among 0..${all.length - 1}`);
      parts = [...opts.partitions];
    } else parts = all;
  } finally {
    await admin.close();
  }
  if (parts.length === 0) throw new CmaError(`topic ${opts.topic} has no partitions`, { code: 'NO_PARTITIONS' });

  const producer = await d.openProducer(opts.connection, plan.settings);
  const perSend = recordsPerSend(plan, parts.length);
  const P = parts.length;
  const payload = makePayload(opts.recordSize);
  const seq = opts.sequenceStart;
  // Without sequence numbers every request reuses slices of one template: record k goes to parts[k % P].
  const template: ProducerMessage[] =
    seq === undefined ? Array.from({ length: perSend + P }, (_, i) => ({ partition: parts[i % P]!, value: payload })) : [];
  const build = (from: number, n: number): ProducerMessage[] => {
    if (seq === undefined) {
      const off = from % P;
      return template.slice(off, off + n);
    }
    const msgs = new Array<ProducerMessage>(n);
    for (let i = 0; i < n; i++) {
      const s = String(seq + from + i);
      msgs[i] = { partition: parts[(from + i) % P]!, key: s, value: payload, headers: { seq: s } };
    }
    return msgs;
  };

  const lat = new LatencyRecorder();
  const reportEvery = opts.reportIntervalMs ?? 5000;
  const acked: Array<[number, number]> = [];
  let firstSend: number | null = null;
  let lastAck: number | null = null;
  let failure: unknown = null;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  const N = opts.numRecords;
  const signal = opts.signal;

  opts.onStart?.({ partitions: parts, topicCreated, recordsPerSend: perSend, maxInFlight: plan.maxInFlight });
  const start = now();
  const throttle = new Throttle(opts.throughput < 0 ? -1 : opts.throughput, start);
  const window = new StatsWindow(start);
  try {
    while (sent < N && !signal?.aborted && failure === null) {
      if (inflight.size >= plan.maxInFlight) {
        await Promise.race(inflight);
        continue;
      }
      const t = now();
      const step = throttle.next(sent, t);
      if (step.count === 0) {
        await sleep(step.waitMs, signal);
        continue;
      }
      const n = Math.min(step.count, N - sent, perSend);
      const from = sent;
      const msgs = build(from, n);
      const bytes = n * opts.recordSize;
      const t0 = now();
      if (firstSend === null) firstSend = t0;
      const p: Promise<void> = producer.send(opts.topic, msgs).then(
        () => {
          const t1 = now();
          lastAck = t1;
          lat.record(t1 - t0, n, bytes);
          window.record(t1 - t0, n, bytes);
          if (seq !== undefined) acked.push([seq + from, seq + from + n - 1]);
          if (opts.onReport && t1 - window.startMs >= reportEvery) {
            opts.onReport(window.report(t1));
            window.reset(t1);
          }
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
      const tracked = p.finally(() => inflight.delete(tracked));
      inflight.add(tracked);
      sent += n;
    }
    // Ctrl-C or the end: wait for what is in flight, so the summary counts every acknowledgement.
    await Promise.all(inflight);
  } finally {
    await producer.close();
  }
  if (failure !== null) throw failure;
  const s = summarize(lat, firstSend, lastAck);
  const out: ProduceSummary = { ...s, interrupted: Boolean(signal?.aborted) && lat.count < N };
  if (seq !== undefined) out.ackedSequences = mergeRanges(acked);
  return out;
}
