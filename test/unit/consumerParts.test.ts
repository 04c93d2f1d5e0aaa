import { describe, expect, it } from 'vitest';
import { RateMeter, renderConsumerMetrics, sequenceOf } from '../../src/kafka/consumer.js';

describe('sequenceOf', () => {
  it('reads a decimal key, else a seq header', () => {
    expect(sequenceOf(Buffer.from('42'))).toBe(42);
    expect(sequenceOf('7')).toBe(7);
    expect(sequenceOf(null, { seq: Buffer.from('9') })).toBe(9);
    expect(sequenceOf(Buffer.from('k'), { seq: [Buffer.from('3')] })).toBe(3);
  });
  it('ignores keys that are not decimal numbers', () => {
    expect(sequenceOf(Buffer.from('a1'))).toBeNull();
    expect(sequenceOf(Buffer.from('-1'))).toBeNull();
    expect(sequenceOf(Buffer.from(''))).toBeNull();
    expect(sequenceOf(null)).toBeNull();
  });
});

describe('RateMeter', () => {
  it('measures records/s over the window', () => {
    const m = new RateMeter(10_000);
    m.sample(0, 0);
    expect(m.rate()).toBe(0);
    m.sample(1000, 100);
    expect(m.rate()).toBe(100);
    m.sample(2000, 300);
    expect(m.rate()).toBe(150);
  });
  it('forgets samples older than the window', () => {
    const m = new RateMeter(2000);
    m.sample(0, 0);
    m.sample(1000, 1000);
    m.sample(2000, 1000);
    m.sample(3000, 1000);
    m.sample(4000, 1000);
    expect(m.rate()).toBe(0);
  });
});

describe('renderConsumerMetrics', () => {
  it('prints the counters and gauges with escaped labels', () => {
    const t = renderConsumerMetrics({ group: 'g"1', topic: 't', processed: 12, ratePerSec: 3.14159, commits: 2, assignedPartitions: 4, ready: true });
    expect(t).toContain('cma_demo_consumer_records_processed_total{group="g\\"1",topic="t"} 12\n');
    expect(t).toContain('cma_demo_consumer_records_per_second{group="g\\"1",topic="t"} 3.142\n');
    expect(t).toContain('# TYPE cma_demo_consumer_records_processed_total counter');
    expect(t).toContain('cma_demo_consumer_ready{group="g\\"1",topic="t"} 1\n');
  });
});
