import { describe, expect, it } from 'vitest';
import { LatencyRecorder, StatsWindow, formatPeriodic, formatSummary, parseSummaryLine, summarize } from '../../src/kafka/stats.js';

describe('LatencyRecorder', () => {
  it('percentiles follow Java: sorted[floor(p·n)] without interpolation', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 1000; i++) r.record(i, 1, 100);
    expect(r.percentiles([0.5, 0.95, 0.99, 0.999])).toEqual([501, 951, 991, 1000]);
    expect(r.avg).toBe(500.5);
    expect(r.max).toBe(1000);
  });

  it('weighted entries equal the same records one by one', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    const batches: Array<[number, number]> = [
      [7, 300],
      [2, 500],
      [30, 150],
      [12, 49],
      [90, 1],
    ];
    for (const [lat, n] of batches) {
      a.record(lat, n, n * 100);
      for (let i = 0; i < n; i++) b.record(lat, 1, 100);
    }
    expect(a.percentiles()).toEqual(b.percentiles());
    expect(a.count).toBe(1000);
    expect(a.percentiles()).toEqual([7, 30, 30, 90]);
    expect(a.avg).toBeCloseTo(b.avg, 9);
  });

  it('the 99.9th is sorted[floor(0.999·n)]: the slowest of 1000 records, not of 1001', () => {
    const r = new LatencyRecorder();
    r.record(1, 999, 0);
    r.record(50, 1, 0);
    expect(r.percentiles([0.999])).toEqual([50]); // index 999 of 1000
    const s = new LatencyRecorder();
    s.record(1, 1000, 0);
    s.record(50, 1, 0);
    expect(s.percentiles([0.999])).toEqual([1]); // index floor(999.999) = 999 of 1001
  });

  it('empty → zeros', () => {
    expect(new LatencyRecorder().percentiles()).toEqual([0, 0, 0, 0]);
  });
});

describe('summarize', () => {
  it('recordsPerSec = acknowledged / (last ack − first send)', () => {
    const r = new LatencyRecorder();
    r.record(2, 20_000, 2_000_000);
    const s = summarize(r, 1000, 5000);
    expect(s.records).toBe(20_000);
    expect(s.recordsPerSec).toBe(5000);
    expect(s.durationMs).toBe(4000);
    expect(s.mbPerSec).toBe(0.48);
  });
  it('nothing acknowledged → zero rate, no division by zero', () => {
    const s = summarize(new LatencyRecorder(), null, null);
    expect(s).toMatchObject({ records: 0, recordsPerSec: 0, durationMs: 0 });
  });
});

describe('Java line formats', () => {
  it('periodic line', () => {
    const w = new StatsWindow(0);
    w.record(0.5, 25_000, 2_500_000);
    w.record(3, 25_013, 2_501_300);
    expect(formatPeriodic(w.report(5000))).toBe('50013 records sent, 10002.6 records/sec (0.95 MB/sec), 1.8 ms avg latency, 3.0 ms max latency.');
    w.reset(5000);
    expect(w.report(10_000).records).toBe(0);
  });

  it('summary line, round-tripped through the parser', () => {
    const line = formatSummary({
      records: 20000,
      recordsPerSec: 4999.84,
      mbPerSec: 0.477,
      avgLatencyMs: 1.234,
      maxLatencyMs: 9,
      p50Ms: 1.2,
      p95Ms: 2.4,
      p99Ms: 4,
      p999Ms: 8.6,
      durationMs: 4000,
    });
    expect(line).toBe(
      '20000 records sent, 4999.8 records/sec (0.48 MB/sec), 1.23 ms avg latency, 9.00 ms max latency, 1 ms 50th, 2 ms 95th, 4 ms 99th, 9 ms 99.9th.',
    );
    expect(parseSummaryLine(line)).toMatchObject({ records: 20000, recordsPerSec: 4999.8, p999Ms: 9 });
  });

  it('parses the Java 3.x summary (%f rate) and rejects a periodic line', () => {
    const java =
      '1000000 records sent, 9998.500150 records/sec (0.95 MB/sec), 3.41 ms avg latency, 63.00 ms max latency, 3 ms 50th, 5 ms 95th, 9 ms 99th, 40 ms 99.9th.';
    expect(parseSummaryLine(java)).toMatchObject({ records: 1_000_000, recordsPerSec: 9998.50015, maxLatencyMs: 63, p99Ms: 9 });
    expect(parseSummaryLine('50013 records sent, 10002.6 records/sec (9.77 MB/sec), 0.7 ms avg latency, 3.0 ms max latency.')).toBeNull();
  });
});
