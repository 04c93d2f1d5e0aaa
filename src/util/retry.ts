/**
 * The one retry loop of the code base. `retry(fn, policy)` calls `fn` until it succeeds, the error is not
 * retriable, the attempts are used up, the deadline would pass, or the signal aborts. In each of the last
 * four cases the error of the last attempt is thrown as it is: the caller sees the real problem, never a
 * wrapper saying "gave up".
 *
 * Retry only at one level: a function that already retries (KafkaJsAdmin.call, KafkaJS's own retrier) must not
 * be wrapped in another retry for the same errors, or the attempts multiply.
 */
import { CmaError } from '../errors.js';
import { sleep } from './sleep.js';

export interface RetryPolicy {
  /** Tries in all, the first included (≥ 1). Default 3. */
  attempts?: number;
  /**
   * Stop retrying when the next wait would end more than this many ms after the first try started. The try
   * in progress is never cut short (that is fn's own timeout).
   */
  deadlineMs?: number;
  /**
   * The wait before try n + 1 is min(maxMs, initialMs × factor^(n − 1)): factor 1 waits the same each time,
   * 2 doubles. Default { initialMs: 100, factor: 2 }.
   */
  backoff?: { initialMs: number; factor?: number; maxMs?: number };
  /** Whether an error is worth another try. Default: a CmaError marked retriable. */
  retriable?: (err: unknown, attempt: number) => boolean;
  /** Aborting ends a wait at once and throws the last error; no further try starts. */
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log "retrying in 200 ms". */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** The default rule: a CmaError that says it is retriable. */
export const isRetriable = (err: unknown): boolean => err instanceof CmaError && err.retriable;

/** The wait after failed try `attempt` (1-based) under `backoff`. */
export function backoffDelay(attempt: number, backoff: RetryPolicy['backoff'] = { initialMs: 100 }): number {
  const factor = backoff.factor ?? 2;
  const d = backoff.initialMs * factor ** (attempt - 1);
  return Math.min(d, backoff.maxMs ?? Infinity);
}

/** Calls fn (given the 1-based attempt number) under the policy; see the module comment. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = policy.attempts ?? 3;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`retry: attempts must be an integer ≥ 1, got ${attempts}`);
  const retriable = policy.retriable ?? isRetriable;
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= attempts || policy.signal?.aborted || !retriable(err, attempt)) throw err;
      const delay = backoffDelay(attempt, policy.backoff);
      if (policy.deadlineMs !== undefined && Date.now() + delay - start > policy.deadlineMs) throw err;
      policy.onRetry?.(err, attempt, delay);
      if (!(await sleep(delay, policy.signal))) throw err;
    }
  }
}
