/**
 * The one `sleep` of the code base. Waits `ms` milliseconds, or less when `signal` aborts.
 *
 * It never rejects: an abort is not an error for a waiting loop, it is the cue to stop waiting. The result says
 * which happened, so a loop reads naturally: `if (!(await sleep(ms, signal))) break;`.
 *
 * - resolves `true` once the full time has passed;
 * - resolves `false` as soon as `signal` aborts (at once when it is already aborted), and clears its timer, so an
 *   aborted sleep keeps neither the event loop nor a listener on the signal.
 *
 * A negative or NaN `ms` waits 0; a delay beyond what a Node timer holds (about 24.8 days, e.g. `Infinity`) is cut
 * to that maximum instead of firing at once as Node would.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, clampDelay(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Node timers hold at most 2^31 − 1 ms; a longer delay would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function clampDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
