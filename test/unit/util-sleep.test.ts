import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '../../src/util/sleep.js';

/** Tracks whether a promise has settled, without awaiting it. */
function track<T>(p: Promise<T>): { settled: () => boolean; value: () => T | undefined } {
  let done = false;
  let v: T | undefined;
  void p.then((x) => {
    done = true;
    v = x;
  });
  return { settled: () => done, value: () => v };
}

describe('sleep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves true once the full time has passed, not a moment before', async () => {
    const s = track(sleep(1000));
    await vi.advanceTimersByTimeAsync(999);
    expect(s.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.settled()).toBe(true);
    expect(s.value()).toBe(true);
  });

  it('resolves false as soon as the signal aborts, and leaves no timer behind', async () => {
    const ac = new AbortController();
    const s = track(sleep(60_000, ac.signal));
    await vi.advanceTimersByTimeAsync(10);
    expect(s.settled()).toBe(false);
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.value()).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves false at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(sleep(60_000, ac.signal)).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a signal that never aborts changes nothing, and its listener is removed afterwards', async () => {
    const ac = new AbortController();
    const remove = vi.spyOn(ac.signal, 'removeEventListener');
    const s = track(sleep(50, ac.signal));
    await vi.advanceTimersByTimeAsync(50);
    expect(s.value()).toBe(true);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    // Aborting later does not flip the result.
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.value()).toBe(true);
  });

  it('negative and NaN delays wait 0; Infinity waits (until aborted) instead of firing at once', async () => {
    const neg = track(sleep(-5));
    const nan = track(sleep(Number.NaN));
    await vi.advanceTimersByTimeAsync(0);
    expect(neg.value()).toBe(true);
    expect(nan.value()).toBe(true);

    const ac = new AbortController();
    const inf = track(sleep(Infinity, ac.signal));
    await vi.advanceTimersByTimeAsync(24 * 3600 * 1000);
    expect(inf.settled()).toBe(false);
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(inf.value()).toBe(false);
  });
});
