/**
 * Producer statistics, pure: latency from send to acknowledgement, percentiles, per-window figures, and the
 * lines kafka-producer-perf-test prints (periodic and final summary), in its format.
 *
 * Records of one send share one latency, so the recorder keeps (latency, count) pairs: exact percentiles
 * over every record (Java samples at most 500k) at the cost of one entry per send.
 */

export const PERCENTILES = [0.5, 0.95, 0.99, 0.999] as const;
const MB = 1024 * 1024;

export class LatencyRecorder {
  private lat: number[] = [];
  private cnt: number[] = [];
  count = 0;
  bytes = 0;
  private latSum = 0;
  max = 0;

  /** `count` records of `bytes` bytes in total, acknowledged `latencyMs` after they were sent. */
  record(latencyMs: number, count: number, bytes: number): void {
    if (count <= 0) return;
    this.lat.push(latencyMs);
    this.cnt.push(count);
    this.count += count;
    this.bytes += bytes;
    this.latSum += latencyMs * count;
    if (latencyMs > this.max) this.max = latencyMs;
  }

  get avg(): number {
    return this.count === 0 ? 0 : this.latSum / this.count;
  }

  /** Java's rule over the sorted per-record latencies: sorted[floor(p · n)], no interpolation. */
  percentiles(ps: readonly number[] = PERCENTILES): number[] {
    if (this.count === 0) return ps.map(() => 0);
    const order = this.lat.map((_, i) => i).sort((a, b) => this.lat[a]! - this.lat[b]!);
    return ps.map((p) => {
      const idx = Math.min(this.count - 1, Math.floor(p * this.count));
      let acc = 0;
      for (const i of order) {
        acc += this.cnt[i]!;
        if (acc > idx) return this.lat[i]!;
      }
      return this.lat[order[order.length - 1]!]!;
    });
  }
}

/** One periodic window (Java: 5 s, counted by acknowledgements). */
export class StatsWindow {
  startMs: number;
  count = 0;
  bytes = 0;
  latSum = 0;
  max = 0;
  constructor(startMs: number) {
    this.startMs = startMs;
  }
  record(latencyMs: number, count: number, bytes: number): void {
    this.count += count;
    this.bytes += bytes;
    this.latSum += latencyMs * count;
    if (latencyMs > this.max) this.max = latencyMs;
  }
  /** Figures of the window as of `nowMs`. */
  report(nowMs: number): PeriodicReport {
    const windowMs = Math.max(1, nowMs - this.startMs);
    return {
      records: this.count,
      recordsPerSec: (1000 * this.count) / windowMs,
      mbPerSec: (1000 * this.bytes) / MB / windowMs,
      avgLatencyMs: this.count === 0 ? 0 : this.latSum / this.count,
      maxLatencyMs: this.max,
      windowMs,
    };
  }
  reset(nowMs: number): void {
    this.startMs = nowMs;
    this.count = this.bytes = this.latSum = this.max = 0;
  }
}

export interface PeriodicReport {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  windowMs: number;
}

export interface SummaryFigures {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  durationMs: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The whole run: recordsPerSec = acknowledged records / (last acknowledgement − first send);
 * durationMs is that same span (0 when nothing was acknowledged).
 */
export function summarize(rec: LatencyRecorder, firstSendMs: number | null, lastAckMs: number | null): SummaryFigures {
  const span = firstSendMs === null || lastAckMs === null ? 0 : Math.max(0, lastAckMs - firstSendMs);
  const [p50, p95, p99, p999] = rec.percentiles(PERCENTILES);
  const perSec = (x: number): number => (span > 0 ? (1000 * x) / span : 0);
  return {
    records: rec.count,
    recordsPerSec: round2(perSec(rec.count)),
    mbPerSec: round2(perSec(rec.bytes) / MB),
    avgLatencyMs: round2(rec.avg),
    maxLatencyMs: round2(rec.max),
    p50Ms: round2(p50!),
    p95Ms: round2(p95!),
    p99Ms: round2(p99!),
    p999Ms: round2(p999!),
    durationMs: Math.round(span),
  };
}

/** `50013 records sent, 10002.6 records/sec (9.77 MB/sec), 0.7 ms avg latency, 3.0 ms max latency.` */
export function formatPeriodic(r: PeriodicReport): string {
  return (
    `${r.records} records sent, ${r.recordsPerSec.toFixed(1)} records/sec (${r.mbPerSec.toFixed(2)} MB/sec), ` +
    `${r.avgLatencyMs.toFixed(1)} ms avg latency, ${r.maxLatencyMs.toFixed(1)} ms max latency.`
  );
}

/**
 * The final line as ProducerPerformance 4.x prints it:
 * `20000 records sent, 4999.8 records/sec (0.48 MB/sec), 1.23 ms avg latency, 9.00 ms max latency, 1 ms 50th, 2 ms 95th, 4 ms 99th, 9 ms 99.9th.`
 * Percentiles are whole milliseconds, as in the Java tool.
 */
export function formatSummary(s: SummaryFigures): string {
  const ms = (x: number): string => String(Math.round(x));
  return (
    `${s.records} records sent, ${s.recordsPerSec.toFixed(1)} records/sec (${s.mbPerSec.toFixed(2)} MB/sec), ` +
    `${s.avgLatencyMs.toFixed(2)} ms avg latency, ${s.maxLatencyMs.toFixed(2)} ms max latency, ` +
    `${ms(s.p50Ms)} ms 50th, ${ms(s.p95Ms)} ms 95th, ${ms(s.p99Ms)} ms 99th, ${ms(s.p999Ms)} ms 99.9th.`
  );
}

/** A float regex that reads both our line and the Java tool's (3.x `%f` or 4.x `%.1f` rate). */
export const SUMMARY_RE =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/m;

export function parseSummaryLine(text: string): {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
} | null {
  const m = SUMMARY_RE.exec(text);
  if (!m) return null;
  const n = m.slice(1).map(Number);
  return {
    records: n[0]!,
    recordsPerSec: n[1]!,
    mbPerSec: n[2]!,
    avgLatencyMs: n[3]!,
    maxLatencyMs: n[4]!,
    p50Ms: n[5]!,
    p95Ms: n[6]!,
    p99Ms: n[7]!,
    p999Ms: n[8]!,
  };
}
