// readPartitionOffsets + the lag view against the shared test broker.
import { describe, expect, it } from 'vitest';
import { produce } from '../../src/kafka/producer.js';
import { readPartitionOffsets } from '../../src/kafka/lag.js';
import { analyzeLag } from '../../src/kafka/lagView.js';
import { DEFAULT_SETTINGS, settingsFromFlags } from '../../src/scaling/settings.js';
import { kafkaFor } from '../../src/kafka/kafkajs.js';
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
      await a.commitOffsets(group, t2, [
        { partition: 0, offset: 0 },
        { partition: 1, offset: 0 },
      ]);
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

describe('KEDA parity on a real broker', () => {
  it('partitionLimitation "0,2-3" on the issue\'s example: totalLag 701, metric 701 (neighbour: no limitation 1501 / 800)', async () => {
    const topic = uniqueName('pl');
    const group = uniqueName('g');
    await withAdmin((a) => a.ensureTopic(topic, 4));
    await produce({ connection: plainConnection(), topic, numRecords: 3000, throughput: -1, recordSize: 10, partitions: [0, 1, 2] });
    await withAdmin((a) =>
      a.commitOffsets(group, topic, [
        { partition: 0, offset: 300 },
        { partition: 1, offset: 200 },
        { partition: 2, offset: 1000 },
      ]),
    );
    const offsets = await withAdmin((a) => readPartitionOffsets(a, group, topic));
    expect(offsets.map((o) => [o.partition, o.committedOffset, o.logEndOffset])).toEqual([
      [0, 300, 1000],
      [1, 200, 1000],
      [2, 1000, 1000],
      [3, null, 0],
    ]);
    const limited = analyzeLag({ group, topic, offsets, settings: settingsFromFlags({ partitionLimitation: '0,2-3' }, DEFAULT_SETTINGS, { topic }) }).doc;
    expect([limited.totalLag, limited.keda.metric]).toEqual([701, 701]);
    const all = analyzeLag({ group, topic, offsets, settings: DEFAULT_SETTINGS }).doc;
    expect([all.totalLag, all.keda.metric]).toEqual([1501, 800]);
  });

  it('a commit past the log end: metric 0 with KEDA 2.20, negative with KEDA 2.18, and NEGATIVE_LAG either way', async () => {
    const topic = uniqueName('neg');
    const group = uniqueName('g');
    await produce({ connection: plainConnection(), topic, numRecords: 10, throughput: -1, recordSize: 10, createPartitions: 1 });
    await withAdmin((a) => a.commitOffsets(group, topic, [{ partition: 0, offset: 15 }]));
    const offsets = await withAdmin((a) => readPartitionOffsets(a, group, topic));
    expect(offsets[0]).toMatchObject({ committedOffset: 15, logEndOffset: 10 });
    const at = (kedaVersion: string) => analyzeLag({ group, topic, offsets, settings: settingsFromFlags({ kedaVersion, activationLagThreshold: '0' }) }).doc;
    expect(at('2.20').keda.metric).toBe(0);
    expect(at('2.18').keda.metric).toBe(-5);
    expect(at('2.18').warnings.map((w) => w.code)).toContain('NEGATIVE_LAG');
  });

  it('an open transaction: the last stable offset is read and OPEN_TRANSACTION named; after the commit, none', async () => {
    const topic = uniqueName('txn');
    const group = uniqueName('g');
    await withAdmin((a) => a.ensureTopic(topic, 1));
    const producer = kafkaFor(plainConnection()).producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({
        topic,
        messages: [
          { value: 'a', partition: 0 },
          { value: 'b', partition: 0 },
        ],
      });
      const open = await withAdmin((a) => readPartitionOffsets(a, group, topic));
      expect(open[0]).toMatchObject({ logEndOffset: 2, lastStableOffset: 0 });
      expect(analyzeLag({ group, topic, offsets: open, settings: DEFAULT_SETTINGS }).doc.warnings.map((w) => w.code)).toContain('OPEN_TRANSACTION');
      await txn.commit();
      // The coordinator writes the commit marker after answering: wait until the partition is stable again.
      let done = await withAdmin((a) => readPartitionOffsets(a, group, topic));
      for (const t0 = Date.now(); done[0]!.lastStableOffset !== done[0]!.logEndOffset && Date.now() - t0 < 20_000;) {
        await new Promise((r) => setImmediate(r));
        done = await withAdmin((a) => readPartitionOffsets(a, group, topic));
      }
      expect(done[0]).toMatchObject({ logEndOffset: 3, lastStableOffset: 3 }); // two records and the commit marker
      expect(analyzeLag({ group, topic, offsets: done, settings: DEFAULT_SETTINGS }).doc.warnings.map((w) => w.code)).not.toContain('OPEN_TRANSACTION');
    } finally {
      await producer.disconnect();
    }
  });

  it('records deleted under a commit: COMMIT_BELOW_LOG_START; a never-committed group under earliest counts them on 2.18, not on main', async () => {
    const topic = uniqueName('del');
    const group = uniqueName('g');
    await produce({ connection: plainConnection(), topic, numRecords: 100, throughput: -1, recordSize: 10, createPartitions: 1 });
    await withAdmin((a) => a.commitOffsets(group, topic, [{ partition: 0, offset: 10 }]));
    const admin = kafkaFor(plainConnection()).admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs the leaders known
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '50' }] });
    } finally {
      await admin.disconnect();
    }
    const offsets = await withAdmin((a) => readPartitionOffsets(a, group, topic));
    expect(offsets[0]).toMatchObject({ committedOffset: 10, logStartOffset: 50, logEndOffset: 100 });
    const w = analyzeLag({ group, topic, offsets, settings: DEFAULT_SETTINGS }).doc.warnings.find((x) => x.code === 'COMMIT_BELOW_LOG_START');
    expect(w?.message).toContain('40 records were deleted under the commit');
    const fresh = await withAdmin((a) => readPartitionOffsets(a, uniqueName('never'), topic));
    const earliest = (kedaVersion: string) =>
      analyzeLag({ group: 'never', topic, offsets: fresh, settings: settingsFromFlags({ offsetResetPolicy: 'earliest', kedaVersion }) }).doc.totalLag;
    expect(earliest('2.18')).toBe(100);
    expect(earliest('main')).toBe(50);
  });
});
