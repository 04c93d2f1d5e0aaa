import { describe, expect, it } from 'vitest';
import { MIN_SLEEP_MS, Throttle } from '../../src/kafka/throttle.js';

/** Drives a Throttle with a fake clock: sending costs no time; waits advance the clock; a stall jumps it. */
function simulate(rate: number, total: number, stall?: { atMs: number; forMs: number }) {
  const t = new Throttle(rate, 0);
  const sends: Array<{ at: number; count: number }> = [];
  let now = 0;
  let sent = 0;
  let stalled = false;
  let guard = 0;
  while (sent < total) {
    if (++guard > 1_000_000) throw new Error('no progress');
    if (stall && !stalled && now >= stall.atMs) {
      now += stall.forMs;
      stalled = true;
    }
    const r = t.next(sent, now);
    if (r.count > 0) {
      const n = Math.min(r.count, total - sent);
      sends.push({ at: now, count: n });
      sent += n;
    } else {
      expect(r.waitMs).toBeGreaterThanOrEqual(MIN_SLEEP_MS);
      now += r.waitMs;
    }
  }
  const perSecond = (sec: number) => sends.filter((s) => s.at >= sec * 1000 && s.at < (sec + 1) * 1000).reduce((a, s) => a + s.count, 0);
  return { sends, perSecond, t };
}

describe('Throttle: the Java catch-up rule as a schedule', () => {
  it('record i is due at i/R: floor(R·t)+1 records by t', () => {
    const t = new Throttle(1000, 0);
    expect(t.dueBy(0)).toBe(1);
    expect(t.dueBy(0.999)).toBe(1);
    expect(t.dueBy(1)).toBe(2);
    expect(t.dueBy(3)).toBe(4);
    expect(t.dueBy(1000)).toBe(1001);
    expect(t.dueAt(1000)).toBe(1000);
  });

  it('exact counts per second at 1000 rec/s: 999, then 1000 every second', () => {
    const { perSecond, sends } = simulate(1000, 5001);
    // Ticks every 2 ms: the tick at t = 1000 sends records 999 and 1000.
    expect([0, 1, 2, 3, 4].map(perSecond)).toEqual([999, 1000, 1000, 1000, 1000]);
    expect(perSecond(5)).toBe(2);
    // Never ahead of the schedule.
    let cum = 0;
    for (const s of sends) {
      cum += s.count;
      expect(cum).toBeLessThanOrEqual(Math.floor(s.at) + 1);
    }
  });

  it('exact counts per second at 10,000 rec/s, no bursts (≤ 2 ms of records a send)', () => {
    const { perSecond, sends } = simulate(10_000, 50_001);
    expect([1, 2, 3, 4].map(perSecond)).toEqual([10_000, 10_000, 10_000, 10_000]);
    expect(perSecond(0) + perSecond(1) + perSecond(2) + perSecond(3) + perSecond(4) + perSecond(5)).toBe(50_001);
    expect(Math.max(...sends.map((s) => s.count))).toBeLessThanOrEqual(20);
  });

  it('a non-integer rate keeps its long-run average (333.3 rec/s)', () => {
    const { sends } = simulate(1000 / 3, 3001);
    const by9s = sends.filter((s) => s.at < 9000).reduce((a, s) => a + s.count, 0);
    expect(by9s).toBe(3000); // records 0..2999 at i·3 ms < 9000
  });

  it('catch-up after a stall: what is owed goes out at once, then the rate is R again', () => {
    const { sends, perSecond } = simulate(10_000, 60_001, { atMs: 1000, forMs: 3000 });
    const after = sends.find((s) => s.at >= 4000)!;
    expect(after.at).toBe(4000);
    // The last tick before the stall ran at 998 ms: due by then floor(9980)+1 = 9,981 records.
    const before = sends.filter((s) => s.at < 4000).reduce((a, s) => a + s.count, 0);
    expect(before).toBe(9_981);
    // At 4000 ms 40,001 are due: the 30,020 owed go out in one step (Java's catch-up, no throttling).
    expect(after.count).toBe(30_020);
    expect(perSecond(4)).toBe(49_981 - 9_981);
    expect(perSecond(5)).toBe(10_000);
    // The long-run average since the start is back at R, as in Java.
    const by6s = sends.filter((s) => s.at < 6000).reduce((a, s) => a + s.count, 0);
    expect(by6s).toBe(59_981);
  });

  it('neighbour: without the stall the same second holds R', () => {
    const { perSecond } = simulate(10_000, 60_001);
    expect(perSecond(4)).toBe(10_000);
  });

  it('unlimited: everything is due, never waits', () => {
    const t = new Throttle(-1, 0);
    expect(t.unlimited).toBe(true);
    expect(t.next(1_000_000, 0)).toEqual({ count: Infinity, waitMs: 0 });
  });

  it('waits until the next record is due, at least 2 ms', () => {
    const t = new Throttle(10, 0);
    expect(t.next(1, 0)).toEqual({ count: 0, waitMs: 100 });
    expect(t.next(1, 99)).toEqual({ count: 0, waitMs: 2 });
    expect(t.next(1, 100)).toEqual({ count: 1, waitMs: 0 });
  });

  it('rejects a zero rate (Java would block forever)', () => {
    expect(() => new Throttle(0, 0)).toThrow(RangeError);
  });
});
