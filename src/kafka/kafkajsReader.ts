/**
 * Reads the values of a topic between two offset sets (from inclusive, to exclusive per partition) with a
 * throw-away consumer group that is deleted afterwards. Used to read a cluster consumer's audit topic.
 */
import crypto from 'node:crypto';
import { CmaError, ExitCode } from '../errors.js';
import type { KafkaConnection } from './client.js';
import { destroySockets, kafkaFor, mapKafkaError } from './kafkajs.js';

export async function readTopicRange(
  conn: KafkaConnection,
  topic: string,
  from: ReadonlyMap<number, number>,
  to: ReadonlyMap<number, number>,
  timeoutMs = 120_000,
): Promise<string[]> {
  const pending = new Map<number, number>();
  for (const [p, end] of to) if (end > (from.get(p) ?? 0)) pending.set(p, end);
  if (pending.size === 0) return [];
  const kafka = kafkaFor(conn, { clientId: 'cma-demo-audit-reader' });
  const groupId = `cma-demo-audit-reader-${crypto.randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const values: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = pending.get(batch.partition);
        if (end === undefined) return;
        const start = from.get(batch.partition) ?? 0;
        for (const m of batch.messages) {
          const o = Number(m.offset);
          if (o >= start && o < end && m.value) values.push(m.value.toString('utf8'));
          if (o >= end - 1) pending.delete(batch.partition);
        }
        if (pending.size === 0) done();
      },
    });
    for (const [p] of pending) consumer.seek({ topic, partition: p, offset: String(from.get(p) ?? 0) });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new CmaError(`reading ${topic} did not reach the end offsets within ${timeoutMs / 1000} s (partitions ${[...pending.keys()].join(',')} left)`, {
              exitCode: ExitCode.ENV,
              code: 'READ_TIMEOUT',
            }),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return values;
  } catch (err) {
    throw err instanceof CmaError ? err : mapKafkaError(err, conn);
  } finally {
    await consumer.disconnect().catch(() => {});
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => {})
      .finally(() => admin.disconnect().catch(() => {}));
    destroySockets(kafka);
  }
}
