/**
 * The KafkaJS implementation of our KafkaProducer (the only KafkaJS producer code).
 * The caller picks every message's partition, so the partitioner just returns it: no murmur2 per message and
 * no v2-partitioner warning. Not idempotent: KafkaJS's idempotent producer holds a per-broker lock around each
 * request, i.e. one request in flight per broker, which would cap throughput — except for `produce
 * --transactional`, where transactions need it (one transaction a request, slower by design).
 */
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { Message, Producer } from 'kafkajs';
import { isRetriableKafkaAnswer, type KafkaConnection, type KafkaProducer, type ProducerMessage, type ProducerSettings } from './client.js';
import { retry } from '../util/retry.js';
import { CmaError } from '../errors.js';
import { CONNECT_DEADLINE_MS, kafkaFor, mapKafkaError, withDeadline } from './kafkajs.js';

const { CompressionTypes } = kafkajs;

/**
 * Record encoding cache. KafkaJS encodes every record of a request anew (a 512-byte zeroed buffer, varints,
 * Long maths): most of the producer's CPU. The perf producer sends the same payload Buffer, no key and no
 * headers, and within one request every record gets timestampDelta 0, so the encoded record depends only on
 * (payload, offsetDelta): it is encoded once and reused. Byte-identical by construction (the cached value is
 * KafkaJS's own encoding) and checked by test/kafka/produce.test.ts; every other record goes through KafkaJS
 * unchanged. KafkaJS 2.2.4 loads its produce request encoders lazily, so patching the module cache before the
 * first produce request reaches them; if that is not the case (the request module loaded earlier) nothing changes.
 */
const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
type RecordArgs = { offsetDelta?: number; timestampDelta?: number; key?: unknown; value?: unknown; headers?: Record<string, unknown> };
type RecordFn = ((a: RecordArgs) => unknown) & { cmaDemoCached?: true };
let recordCacheInstalled = false;
let encoders: { original: RecordFn; cached: RecordFn } | null = null;
/** For tests: KafkaJS's record encoder and the caching one in front of it (null until installed). */
export const recordEncoders = (): typeof encoders => encoders;

export function installRecordCache(): boolean {
  if (recordCacheInstalled) return true;
  try {
    const req = createRequire(import.meta.url);
    const file = req.resolve(RECORD_MODULE);
    const original = req(file) as RecordFn;
    const mod = req.cache[file];
    if (!mod || typeof original !== 'function' || original.cmaDemoCached) return (recordCacheInstalled = Boolean(original?.cmaDemoCached));
    const cache = new WeakMap<Buffer, unknown[]>();
    let lastValue: unknown = null;
    let lastEncoded: unknown[] = [];
    const cached: RecordFn = (a: RecordArgs) => {
      const v = a.value;
      const i = a.offsetDelta;
      if (a.key == null && a.timestampDelta === 0 && typeof i === 'number' && (a.headers === undefined || Object.keys(a.headers).length === 0)) {
        if (v !== lastValue) {
          if (!Buffer.isBuffer(v)) return original(a);
          let byOffset = cache.get(v);
          if (!byOffset) cache.set(v, (byOffset = []));
          lastValue = v;
          lastEncoded = byOffset;
        }
        return (lastEncoded[i] ??= original(a));
      }
      return original(a);
    };
    cached.cmaDemoCached = true;
    mod.exports = cached;
    encoders = { original, cached };
    recordCacheInstalled = true;
  } catch {
    recordCacheInstalled = false;
  }
  return recordCacheInstalled;
}

class KafkaJsProducer implements KafkaProducer {
  constructor(
    private readonly producer: Producer,
    private readonly conn: KafkaConnection,
    private readonly settings: ProducerSettings,
  ) {}

  async send(topic: string, messages: ProducerMessage[], opts: { abort?: boolean } = {}): Promise<void> {
    const record = {
      topic,
      messages: messages as Message[],
      acks: this.settings.acks,
      timeout: this.settings.timeoutMs,
      compression: this.settings.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
    };
    if (!this.settings.transactionalId) {
      if (opts.abort) throw new CmaError('only a transactional producer can abort what it sends', { code: 'NOT_TRANSACTIONAL' });
      try {
        await this.producer.send(record);
      } catch (err) {
        throw mapKafkaError(err, this.conn);
      }
      return;
    }
    // One transaction a request: the broker writes the records, then a commit or abort marker after them
    // on every partition the transaction touched. A transaction that failed with an answer worth asking again
    // (e.g. a just-created topic the transaction coordinator does not know yet) is aborted and sent again as a
    // new one: the aborted attempt stays invisible to read_committed consumers, so nothing is delivered twice.
    await retry(
      async () => {
        const txn = await this.producer.transaction().catch((err: unknown) => {
          throw mapKafkaError(err, this.conn);
        });
        try {
          await txn.send({ ...record, acks: -1 }); // a transaction needs acks=all
          if (opts.abort) await txn.abort();
          else await txn.commit();
        } catch (err) {
          if (txn.isActive()) await txn.abort().catch(() => {});
          throw mapKafkaError(err, this.conn);
        }
      },
      { attempts: 5, backoff: { initialMs: 200, factor: 2 }, retriable: isRetriableKafkaAnswer },
    );
  }

  close(): Promise<void> {
    return this.producer.disconnect().catch(() => {});
  }
}

/** A connected producer; unreachable brokers and wrong credentials fail with exit 3 within the connect deadline. */
export async function openProducer(conn: KafkaConnection, settings: ProducerSettings): Promise<KafkaProducer> {
  installRecordCache();
  const kafka = kafkaFor(conn, { clientId: settings.clientId ?? 'cma-demo-producer' });
  const tx = settings.transactionalId;
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    // Transactions need the idempotent producer, and KafkaJS allows it one request in flight.
    idempotent: Boolean(tx),
    ...(tx ? { transactionalId: tx, maxInFlightRequests: 1 } : {}),
    createPartitioner:
      () =>
      ({ message }) =>
        (message as { partition?: number }).partition ?? 0,
  });
  await withDeadline(
    () => producer.connect(),
    CONNECT_DEADLINE_MS,
    conn,
    () => producer.disconnect(),
  ).catch(async (err) => {
    await producer.disconnect().catch(() => {});
    throw err;
  });
  return new KafkaJsProducer(producer, conn, settings);
}
