// produce() against the shared test broker.
import { describe, expect, it } from 'vitest';
import { produce } from '../../src/kafka/producer.js';
import { installRecordCache, recordEncoders } from '../../src/kafka/kafkajsProducer.js';
import { readPartitionOffsets } from '../../src/kafka/lag.js';
import { plainConnection, saslConnection, uniqueName, withAdmin } from '../helpers/kafka.js';

describe('record encoding cache', () => {
  it('is byte-identical to KafkaJS for cacheable records, and leaves others to KafkaJS', () => {
    expect(installRecordCache()).toBe(true);
    const enc = recordEncoders()!;
    const bytes = (x: unknown) => Buffer.from((x as { buffer: Buffer }).buffer);
    const payload = Buffer.from('ABCDEFGHIJ'.repeat(10));
    for (const offsetDelta of [0, 1, 63, 64, 127, 128, 5000, 0, 1, 5000]) {
      const a = { offsetDelta, timestampDelta: 0, value: payload, partition: 3 };
      expect(bytes(enc.cached(a)).equals(bytes(enc.original(a)))).toBe(true);
    }
    // The same payload object hits the cache: the very same encoded object comes back.
    expect(enc.cached({ offsetDelta: 7, timestampDelta: 0, value: payload })).toBe(enc.cached({ offsetDelta: 7, timestampDelta: 0, value: payload }));
    // Neighbours that must not be cached: a key, headers, a timestamp delta, another payload of the same bytes.
    const others = [
      { offsetDelta: 7, timestampDelta: 0, value: payload, key: 'k' },
      { offsetDelta: 7, timestampDelta: 0, value: payload, headers: { seq: '1' } },
      { offsetDelta: 7, timestampDelta: 5, value: payload },
    ];
    for (const o of others) {
      expect(bytes(enc.cached(o)).equals(bytes(enc.original(o)))).toBe(true);
      expect(enc.cached(o)).not.toBe(enc.cached(o));
    }
    const copy = Buffer.from(payload);
    expect(enc.cached({ offsetDelta: 7, timestampDelta: 0, value: copy })).not.toBe(enc.cached({ offsetDelta: 7, timestampDelta: 0, value: payload }));
  });
});

describe('produce against a real broker', () => {
  it('creates the topic with the asked partitions and lands every record (even spread)', async () => {
    const topic = uniqueName('prod');
    const s = await produce({ connection: plainConnection(), topic, numRecords: 30_000, throughput: -1, recordSize: 100, createPartitions: 6 });
    expect(s.records).toBe(30_000);
    expect(s.interrupted).toBe(false);
    expect(s.recordsPerSec).toBeGreaterThan(0);
    expect(s.p50Ms).toBeLessThanOrEqual(s.p99Ms);
    const ends = await withAdmin((a) => a.endOffsets(topic));
    expect(ends.map((e) => e.high)).toEqual([5000, 5000, 5000, 5000, 5000, 5000]);
  });

  it('produce N → lag N for a group committed at the start offsets', async () => {
    const topic = uniqueName('lagn');
    const group = uniqueName('g');
    await withAdmin(async (a) => {
      await a.ensureTopic(topic, 4);
      await a.commitOffsets(
        group,
        topic,
        [0, 1, 2, 3].map((partition) => ({ partition, offset: 0 })),
      );
    });
    await produce({ connection: plainConnection(), topic, numRecords: 4321, throughput: -1, recordSize: 10 });
    const offs = await withAdmin((a) => readPartitionOffsets(a, group, topic));
    expect(offs.map((o) => o.committedOffset)).toEqual([0, 0, 0, 0]);
    expect(offs.reduce((a, o) => a + (o.logEndOffset - (o.committedOffset ?? 0)), 0)).toBe(4321);
  });

  it('throttled: the reported rate is within ±10 % of the asked rate', async () => {
    const s = await produce({
      connection: plainConnection(),
      topic: uniqueName('rate'),
      numRecords: 6000,
      throughput: 2000,
      recordSize: 100,
      createPartitions: 3,
    });
    expect(s.records).toBe(6000);
    expect(Math.abs(s.recordsPerSec - 2000) / 2000).toBeLessThan(0.1);
    // 6000 records at 2000/s take about 3 s, not less.
    expect(s.durationMs).toBeGreaterThanOrEqual(2999);
  });

  it('only the given partitions; sequence keys and acknowledged ranges', async () => {
    const topic = uniqueName('seq');
    const s = await produce({
      connection: plainConnection(),
      topic,
      numRecords: 1000,
      throughput: -1,
      recordSize: 20,
      createPartitions: 4,
      partitions: [1, 3],
      sequenceStart: 500,
    });
    expect(s.ackedSequences).toEqual([[500, 1499]]);
    const ends = await withAdmin((a) => a.endOffsets(topic));
    expect(ends.map((e) => e.high)).toEqual([0, 500, 0, 500]);
  });

  it('over SCRAM (SASL_PLAINTEXT) with the local user', async () => {
    const s = await produce({ connection: saslConnection(), topic: uniqueName('sasl'), numRecords: 200, throughput: -1, recordSize: 10, createPartitions: 1 });
    expect(s.records).toBe(200);
  });

  it('a wrong password fails with exit 3 and names the user', async () => {
    await expect(
      produce({
        connection: saslConnection(undefined, 'not-the-password'),
        topic: uniqueName('bad'),
        numRecords: 1,
        throughput: -1,
        recordSize: 1,
        createPartitions: 1,
      }),
    ).rejects.toMatchObject({ exitCode: 3, code: 'KAFKA_AUTH' });
  });

  it('abort mid-run: a summary of what was acknowledged, marked interrupted', async () => {
    const topic = uniqueName('abort');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 1500);
    const s = await produce({
      connection: plainConnection(),
      topic,
      numRecords: 100_000,
      throughput: 1000,
      recordSize: 10,
      createPartitions: 2,
      signal: ac.signal,
    });
    expect(s.interrupted).toBe(true);
    expect(s.records).toBeGreaterThan(0);
    expect(s.records).toBeLessThan(100_000);
    const ends = await withAdmin((a) => a.endOffsets(topic));
    expect(ends.reduce((a, e) => a + e.high, 0)).toBe(s.records);
  });
});
