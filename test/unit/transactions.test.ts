/** The pure parts of transactional load and of the consumer's position past control records. */
import { describe, expect, it } from 'vitest';
import { positionAfterBatch } from '../../src/kafka/consumer.js';
import { abortsTransaction, validateProduceOptions } from '../../src/kafka/producer.js';

describe('positionAfterBatch', () => {
  it('is one past the batch end, control records and aborted records included', () => {
    expect(positionAfterBatch('10', '9')).toBe(11); // 10 records, commit marker at 10: the Java consumer commits 11
    expect(positionAfterBatch('21', '9')).toBe(22); // records 0-9, marker 10, an aborted batch 11-20, marker 21
  });
  it('never falls behind the last processed record', () => {
    expect(positionAfterBatch('4', '9')).toBe(10);
    expect(positionAfterBatch('9', '9')).toBe(10); // no trailing control record: last record + 1
  });
});

describe('--abort-every', () => {
  it('aborts every N-th transaction, counting from 1', () => {
    const aborted = (n: number | undefined) => Array.from({ length: 7 }, (_, k) => abortsTransaction(k, n));
    expect(aborted(1)).toEqual([true, true, true, true, true, true, true]);
    expect(aborted(3)).toEqual([false, false, true, false, false, true, false]);
    expect(aborted(undefined)).toEqual([false, false, false, false, false, false, false]);
  });
  it('needs --transactional and a whole number ≥ 1', () => {
    const base = { numRecords: 10, throughput: -1, recordSize: 10, topic: 't' };
    expect(() => validateProduceOptions({ ...base, abortEvery: 2 })).toThrow(/--abort-every needs --transactional/);
    expect(() => validateProduceOptions({ ...base, transactional: true, abortEvery: 0 })).toThrow(/whole number ≥ 1/);
    expect(() => validateProduceOptions({ ...base, transactional: true, abortEvery: 2 })).not.toThrow();
    expect(() => validateProduceOptions({ ...base, transactional: true })).not.toThrow();
  });
});
