/**
 * Reads what the lag maths needs (docs/design.md §8.1 step 2): per partition the group's committed offset, the log-end
 * offset (high watermark, what KEDA reads), the log-start offset and the last stable offset, through our
 * KafkaAdmin. Never modifies commits (no resolveOffsets).
 */
import type { KafkaAdmin } from './client.js';
import type { PartitionOffsets } from '../scaling/kedaLag.js';

export interface PartitionOffsetsWithStart extends PartitionOffsets {
  /** Log-start offset (records below it were removed by retention). */
  logStartOffset: number;
  /**
   * Last stable offset (READ_COMMITTED): below logEndOffset while a transaction is open; read_committed consumers
   * stop there. Absent when the client cannot read it.
   */
  lastStableOffset?: number;
}

/**
 * With a topic: every partition of it. Without: every topic the group has commits for, as KEDA does when its
 * trigger has no topic (an empty list when the group committed nothing). Committed offsets and end offsets are
 * read concurrently, like KEDA's two reads. Sorted by topic, then partition.
 */
export async function readPartitionOffsets(admin: KafkaAdmin, group: string, topic?: string): Promise<PartitionOffsetsWithStart[]> {
  // No retry here: the admin retries coordinator moves and loads itself (e.g. NOT_COORDINATOR while a fresh
  // broker loads __consumer_offsets); a second loop around it would multiply the attempts.
  let topics: string[];
  let committedP: Promise<{ topic: string; partition: number; offset: number | null }[]>;
  if (topic) {
    topics = [topic];
    committedP = admin.committedOffsets(group, [topic]);
  } else {
    const all = await admin.committedOffsets(group);
    topics = [...new Set(all.filter((c) => c.offset !== null).map((c) => c.topic))].sort();
    committedP = Promise.resolve(all);
  }
  const lso = admin.lastStableOffsets?.bind(admin);
  const [committed, ends, stables] = await Promise.all([
    committedP,
    Promise.all(topics.map((t) => admin.endOffsets(t))),
    lso ? Promise.all(topics.map((t) => lso(t))) : Promise.resolve(null),
  ]);
  const byKey = new Map<string, number | null>();
  for (const c of committed) byKey.set(`${c.topic}/${c.partition}`, c.offset);
  const stable = new Map<string, number>();
  stables?.forEach((list, i) => list.forEach((x) => stable.set(`${topics[i]}/${x.partition}`, x.offset)));
  const out: PartitionOffsetsWithStart[] = [];
  topics.forEach((t, i) => {
    for (const e of ends[i]!) {
      out.push({
        topic: t,
        partition: e.partition,
        committedOffset: byKey.get(`${t}/${e.partition}`) ?? null,
        logEndOffset: e.high,
        logStartOffset: e.low,
        ...(stable.has(`${t}/${e.partition}`) ? { lastStableOffset: stable.get(`${t}/${e.partition}`)! } : {}),
      });
    }
  });
  return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
