// The producer engine's pure parts and its send loop against a fake producer (no broker).
import { describe, expect, it } from 'vitest';
import type { KafkaAdmin, KafkaProducer, ProducerMessage } from '../../src/kafka/client.js';
import { makePayload, mergeRanges, parseProducerProps, planProducer, produce, recordsPerSend, type ProducerDeps } from '../../src/kafka/producer.js';
import { resolveProduceNumbers } from '../../src/commands/produce.js';
import { CmaError } from '../../src/errors.js';

describe('producer properties', () => {
  it('k=v tokens like the Java tool; a value with "=" is rejected (exit 2)', () => {
    expect(parseProducerProps(['acks=all', 'compression.type=none'])).toEqual({ acks: 'all', 'compression.type': 'none' });
    const e = (() => {
      try {
        parseProducerProps(['sasl.jaas.config=a=b']);
      } catch (x) {
        return x;
      }
    })() as CmaError;
    expect(e).toBeInstanceOf(CmaError);
    expect(e.exitCode).toBe(2);
    expect(() => parseProducerProps(['acks'])).toThrow(/invalid --producer-props entry/);
  });
  it('maps acks, compression, in-flight and batch.size; Java-only knobs warn', () => {
    const p = planProducer(
      { acks: '1', 'compression.type': 'gzip', 'max.in.flight.requests.per.connection': '3', 'batch.size': '1000', 'linger.ms': '5', foo: 'x' },
      100,
    );
    expect(p.settings).toMatchObject({ acks: 1, compression: 'gzip' });
    expect(p.maxInFlight).toBe(3);
    expect(p.batchRecordsPerPartition).toBe(10);
    expect(p.warnings.map((w) => w.code)).toEqual(['PRODUCER_PROP_NO_EFFECT', 'PRODUCER_PROP_UNKNOWN']);
    expect(planProducer({}).settings).toMatchObject({ acks: -1, compression: 'none' });
  });
  it('rejects codecs it lacks and connection keys', () => {
    expect(() => planProducer({ 'compression.type': 'zstd' })).toThrow(/not available/);
    expect(() => planProducer({ 'security.protocol': 'SASL_SSL' })).toThrow(/connection setting/);
    expect(() => planProducer({ acks: 'two' })).toThrow(/acks/);
  });
  it('records a request: batch.size worth per partition, within [100, 5000]', () => {
    expect(recordsPerSend(planProducer({}, 100), 10)).toBe(1630);
    expect(recordsPerSend(planProducer({}, 100), 1)).toBe(163);
    expect(recordsPerSend(planProducer({ 'batch.size': '0' }, 100), 1)).toBe(100);
    expect(recordsPerSend(planProducer({}, 1), 10)).toBe(5000);
  });
});

describe('payload and ranges', () => {
  it('payload: upper-case letters, deterministic', () => {
    const a = makePayload(100);
    expect(a.length).toBe(100);
    expect(/^[A-Z]+$/.test(a.toString('latin1'))).toBe(true);
    expect(makePayload(100).equals(a)).toBe(true);
    expect(makePayload(0).length).toBe(0);
  });
  it('merges acknowledged ranges', () => {
    expect(
      mergeRanges([
        [10, 19],
        [0, 9],
        [30, 39],
        [20, 25],
      ]),
    ).toEqual([
      [0, 25],
      [30, 39],
    ]);
    expect(mergeRanges([])).toEqual([]);
  });
});

describe('positional form', () => {
  it('produce 1000000 10000 100', () => {
    expect(resolveProduceNumbers(['1000000', '10000', '100'], {})).toEqual({ numRecords: 1_000_000, throughput: 10_000, recordSize: 100 });
    expect(resolveProduceNumbers([], {})).toEqual({ numRecords: 1000, throughput: -1, recordSize: 100 });
    expect(resolveProduceNumbers(['5'], { throughput: '2.5' })).toEqual({ numRecords: 5, throughput: 2.5, recordSize: 100 });
  });
  it('both forms for one value, or junk → exit 2', () => {
    expect(() => resolveProduceNumbers(['5'], { numRecords: '6' })).toThrow(/both as a flag/);
    expect(() => resolveProduceNumbers(['1e'], {})).toThrow(/whole number/);
    expect(() => resolveProduceNumbers(['1.5'], {})).toThrow(/whole number/);
  });
});

/** A fake broker: sends resolve after `ackMs`; records every request. */
function fakeDeps(ackMs: number, partitions = [0, 1, 2]) {
  const sends: Array<{ n: number; parts: number[]; keys: unknown[] }> = [];
  let inflight = 0;
  let maxInflight = 0;
  const admin = {
    ensureTopic: async () => ({ created: true, partitions: partitions.length }),
    partitions: async () => partitions,
    endOffsets: async () => [],
    close: async () => {},
  } as unknown as KafkaAdmin;
  const producer: KafkaProducer = {
    send: async (_t: string, msgs: ProducerMessage[]) => {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      sends.push({ n: msgs.length, parts: msgs.map((m) => m.partition), keys: msgs.map((m) => m.key) });
      await new Promise((r) => setTimeout(r, ackMs));
      inflight--;
    },
    close: async () => {},
  };
  const deps: ProducerDeps = { openAdmin: async () => admin, openProducer: async () => producer };
  return { deps, sends, maxInflight: () => maxInflight };
}
const conn = { brokers: ['x:1'], securityProtocol: 'PLAINTEXT' as const, source: 'test' };

describe('produce() send loop (fake producer)', () => {
  it('sends every record, round-robin over the partitions, within the in-flight limit', async () => {
    const f = fakeDeps(5);
    const s = await produce(
      {
        connection: conn,
        topic: 't',
        numRecords: 10_000,
        throughput: -1,
        recordSize: 10,
        createPartitions: 3,
        producerProps: { 'max.in.flight.requests.per.connection': '2' },
      },
      f.deps,
    );
    expect(s.records).toBe(10_000);
    expect(s.interrupted).toBe(false);
    expect(f.maxInflight()).toBe(2);
    const all = f.sends.flatMap((x) => x.parts);
    expect(all.length).toBe(10_000);
    expect([0, 1, 2].map((p) => all.filter((x) => x === p).length)).toEqual([3334, 3333, 3333]);
    expect(all.slice(0, 6)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('--sequence: keys are the decimal sequence numbers, acked ranges cover them', async () => {
    const f = fakeDeps(1);
    const s = await produce({ connection: conn, topic: 't', numRecords: 500, throughput: -1, recordSize: 10, sequenceStart: 1000 }, f.deps);
    expect(f.sends.flatMap((x) => x.keys).slice(0, 3)).toEqual(['1000', '1001', '1002']);
    expect(s.ackedSequences).toEqual([[1000, 1499]]);
  });

  it('abort: stops sending, waits for the requests in flight, counts only acknowledged records', async () => {
    const f = fakeDeps(100);
    const ac = new AbortController();
    const p = produce({ connection: conn, topic: 't', numRecords: 1_000_000, throughput: 1000, recordSize: 10, signal: ac.signal }, f.deps);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const s = await p;
    expect(s.interrupted).toBe(true);
    const sent = f.sends.reduce((a, x) => a + x.n, 0);
    expect(s.records).toBe(sent); // every request sent was waited for
    expect(s.records).toBeGreaterThan(0);
    expect(s.records).toBeLessThan(1000);
  });

  it('a send failure ends the run with that error', async () => {
    const f = fakeDeps(1);
    const bad: ProducerDeps = {
      ...f.deps,
      openProducer: async () => ({
        send: async () => {
          throw new CmaError('boom', { code: 'X' });
        },
        close: async () => {},
      }),
    };
    await expect(produce({ connection: conn, topic: 't', numRecords: 10, throughput: -1, recordSize: 1 }, bad)).rejects.toThrow('boom');
  });

  it('throughput 0 is a usage error', async () => {
    const f = fakeDeps(1);
    await expect(produce({ connection: conn, topic: 't', numRecords: 10, throughput: 0, recordSize: 1 }, f.deps)).rejects.toMatchObject({ exitCode: 2 });
  });
});
