/**
 * The send schedule of `produce`, pure (times are passed in): kafka-producer-perf-test's
 * ThroughputThrottler rule carried over to batched sends.
 *
 * Java: after record i (0-based) it throttles while i / elapsed > R, sleeping in chunks of ≥ 2 ms. So
 * record i goes out no earlier than i/R seconds after the start, and a producer that fell behind (a stall,
 * a slow broker) is not throttled until the average since the start is back at R: the catch-up rule.
 *
 * Here: by time t (ms since start) the first floor(R·t/1000) + 1 records are due. The producer sends what
 * is due in small batches and otherwise sleeps until the next record is due, at least MIN_SLEEP_MS, so at
 * 10,000 rec/s it sends ~20 records every 2 ms instead of a burst every second.
 */

/** Java sleeps only once its deficit reaches 2 ms; we wait at least this long too. */
export const MIN_SLEEP_MS = 2;

export class Throttle {
  /** Records per second; negative = unlimited. */
  readonly ratePerSec: number;
  readonly startMs: number;
  readonly minSleepMs: number;

  constructor(ratePerSec: number, startMs: number, minSleepMs = MIN_SLEEP_MS) {
    if (ratePerSec === 0 || Number.isNaN(ratePerSec)) throw new RangeError('throughput must be > 0 or negative (unlimited)');
    this.ratePerSec = ratePerSec;
    this.startMs = startMs;
    this.minSleepMs = minSleepMs;
  }

  get unlimited(): boolean {
    return this.ratePerSec < 0;
  }

  /** How many records may have been sent by `nowMs` (Infinity when unlimited). */
  dueBy(nowMs: number): number {
    if (this.unlimited) return Infinity;
    const elapsed = Math.max(0, nowMs - this.startMs);
    // Small epsilon so exact multiples (e.g. 1000 rec/s at t = 3 ms) are not lost to float rounding.
    return Math.floor((this.ratePerSec * elapsed) / 1000 + 1e-9) + 1;
  }

  /** When record number `index` (0-based) is due, in ms on the caller's clock. */
  dueAt(index: number): number {
    if (this.unlimited) return this.startMs;
    return this.startMs + (index * 1000) / this.ratePerSec;
  }

  /**
   * What to do at `nowMs` when `sent` records are out: send `count` now (0 = nothing due), or wait `waitMs`
   * before asking again (≥ minSleepMs, to the time the next record is due).
   */
  next(sent: number, nowMs: number): { count: number; waitMs: number } {
    const due = this.dueBy(nowMs);
    if (due > sent) return { count: due === Infinity ? Infinity : due - sent, waitMs: 0 };
    const wait = this.dueAt(sent) - nowMs;
    return { count: 0, waitMs: Math.max(this.minSleepMs, Math.ceil(wait)) };
  }
}
