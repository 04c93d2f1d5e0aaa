import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CmaError } from '../../src/errors.js';
import { backoffDelay, retry } from '../../src/util/retry.js';

const transient = (n: number) => new CmaError(`transient ${n}`, { retriable: true, code: 'T' });
const fatal = new CmaError('fatal', { code: 'F' });

/** fn failing with `errors` in turn, then resolving 'ok'; records the virtual time of each call. */
function flaky(errors: unknown[]) {
  const calls: number[] = [];
  const fn = vi.fn(async (attempt: number) => {
    calls.push(Date.now());
    if (attempt <= errors.length) throw errors[attempt - 1];
    return 'ok';
  });
  return { fn, calls };
}

describe('retry', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('a first success is returned without waiting', async () => {
    const { fn } = flaky([]);
    await expect(retry(fn)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('retries retriable errors with the backoff between tries, then returns the success', async () => {
    const { fn, calls } = flaky([transient(1), transient(2)]);
    const p = retry(fn, { attempts: 5, backoff: { initialMs: 100, factor: 2 } });
    await vi.advanceTimersByTimeAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(200);
    await expect(p).resolves.toBe('ok');
    expect(calls).toEqual([0, 100, 300]);
  });

  it('a non-retriable error is thrown at once, as it is', async () => {
    const { fn } = flaky([fatal]);
    await expect(retry(fn, { attempts: 5 })).rejects.toBe(fatal);
    expect(fn).toHaveBeenCalledTimes(1);
    // Neighbour: a plain Error is not retriable by default either; a predicate can make it so.
    const plain = flaky([new Error('x')]);
    await expect(retry(plain.fn, { attempts: 5 })).rejects.toThrow('x');
    const any = flaky([new Error('x')]);
    const p = retry(any.fn, { attempts: 5, retriable: () => true });
    await vi.advanceTimersByTimeAsync(100);
    await expect(p).resolves.toBe('ok');
  });

  it('when the attempts are used up, the last error is thrown after exactly that many tries', async () => {
    const errs = [transient(1), transient(2), transient(3), transient(4)];
    const { fn } = flaky(errs);
    const p = retry(fn, { attempts: 3, backoff: { initialMs: 10 } });
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await caught).toBe(errs[2]);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('stops before a wait that would end past the deadline', async () => {
    const errs = Array.from({ length: 10 }, (_, i) => transient(i + 1));
    const { fn, calls } = flaky(errs);
    const p = retry(fn, { attempts: 10, deadlineMs: 1_000, backoff: { initialMs: 200, factor: 2 } });
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    // tries at 0, 200, 600; the next wait (800 ms) would end at 1400 > 1000.
    expect(calls).toEqual([0, 200, 600]);
    expect(await caught).toBe(errs[2]);
  });

  it('an abort ends the wait at once and throws the last error; no further try starts', async () => {
    const ac = new AbortController();
    const errs = [transient(1), transient(2)];
    const { fn } = flaky(errs);
    const p = retry(fn, { attempts: 5, backoff: { initialMs: 60_000 }, signal: ac.signal });
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    ac.abort();
    expect(await caught).toBe(errs[0]);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('onRetry hears each retry with the attempt and the wait; the predicate sees the attempt', async () => {
    const seen: Array<[string, number, number]> = [];
    const { fn } = flaky([transient(1), transient(2), transient(3)]);
    const p = retry(fn, {
      attempts: 5,
      backoff: { initialMs: 50, factor: 3, maxMs: 200 },
      retriable: (_e, attempt) => attempt < 3,
      onRetry: (e, attempt, delay) => seen.push([(e as Error).message, attempt, delay]),
    });
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(((await caught) as Error).message).toBe('transient 3');
    expect(seen).toEqual([
      ['transient 1', 1, 50],
      ['transient 2', 2, 150],
    ]);
  });

  it('refuses a policy with no attempt', async () => {
    await expect(retry(async () => 1, { attempts: 0 })).rejects.toThrow(RangeError);
  });
});

describe('backoffDelay', () => {
  it('grows by the factor and stops at maxMs; factor 1 is constant', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { initialMs: 100, factor: 2, maxMs: 1_000 }))).toEqual([100, 200, 400, 800, 1_000]);
    expect([1, 2, 3].map((n) => backoffDelay(n, { initialMs: 500, factor: 1 }))).toEqual([500, 500, 500]);
    expect(backoffDelay(3)).toBe(400); // default: 100 ms, doubling
  });
});
