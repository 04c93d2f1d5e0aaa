// readPartitionOffsets + the lag view against the shared test broker.
import { describe, expect, it } from 'vitest';
import { produce } from '../../src/kafka/producer.js';
import { readPartitionOffsets } from '../../src/kafka/lag.js';
import { analyzeLag } from '../../src/kafka/lagView.js';
import { DEFAULT_SETTINGS } from '../../src/scaling/settings.js';
import { plainConnection, uniqueName, withAdmin } from '../helpers/kafka.js';

describe('readPartitionOffsets', () => {
  it('never-committed group: committed null everywhere, log-end per partition; commits are not modified', async () => {
    const topic = uniqueName('lt');
    const group = uniqueName('g');
    await produce({ connection: plainConnection(), topic, numRecords: 300, throughput: -1, recordSize: 10, createPartitions: 3 });
    const offs = await withAdmin((a) => readPartitionOffsets(a, group, topic));
    expect(offs.map((o) => [o.partition, o.committedOffset, o.logEndOffset, o.logStartOffset])).toEqual([
      [0, null, 100, 0],
      [1, null, 100, 0],
      [2, null, 100, 0],
    ]);
    // Reading twice leaves the group without commits (no resolveOffsets).
    const again = await withAdmin((a) => a.committedOffsets(group, [topic]));
    expect(again.every((c) => c.offset === null)).toBe(true);
  });

  it('without a topic: every topic the group has commits for, and only those', async () => {
    const [t1, t2, t3] = [uniqueName('a'), uniqueName('b'), uniqueName('c')];
    const group = uniqueName('g');
    await withAdmin(async (a) => {
      for (const t of [t1, t2, t3]) await a.ensureTopic(t, 2);
      await a.commitOffsets(group, t1, [{ partition: 0, offset: 0 }]);
      await a.commitOffsets(group, t2, [{ partition: 0, offset: 0 }, { partition: 1, offset: 0 }]);
    });
    await produce({ connection: plainConnection(), topic: t1, numRecords: 40, throughput: -1, recordSize: 1 });
    const offs = await withAdmin((a) => readPartitionOffsets(a, group));
    expect(offs.map((o) => `${o.topic}/${o.partition}:${o.committedOffset}`)).toEqual([`${t1}/0:0`, `${t1}/1:null`, `${t2}/0:0`, `${t2}/1:0`].sort());
    const view = analyzeLag({ group, settings: DEFAULT_SETTINGS, offsets: offs }).doc;
    expect(view.totalLag).toBe(20 + 1); // t1/0: 20 records; t1/1 has no commit → 1 under latest
  });

  it('a group with no commits at all, no topic → no partitions and the NO_COMMITTED_TOPICS warning', async () => {
    const offs = await withAdmin((a) => readPartitionOffsets(a, uniqueName('nobody')));
    expect(offs).toEqual([]);
    const doc = analyzeLag({ group: 'x', settings: DEFAULT_SETTINGS, offsets: offs }).doc;
    expect(doc.warnings.map((w) => w.code)).toEqual(['NO_COMMITTED_TOPICS']);
  });

  it('a missing topic is an environment error naming it', async () => {
    const t = uniqueName('missing');
    await expect(withAdmin((a) => readPartitionOffsets(a, 'g', t))).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining(t) });
  });
});
