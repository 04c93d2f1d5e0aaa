/**
 * KEDA's `fallback` for one metric read, pure (kedacore/keda pkg/fallback/fallback.go, GetMetricsWithFallback).
 *
 * In our words: health is tracked only when the ScaledObject has a valid fallback. A successful read resets the
 * metric's failure count to 0. A failed read adds one; while the count is at most failureThreshold the error goes
 * on (the HPA keeps its size, KEDA's loop does not scale), and once it is above the threshold the read answers
 * with fallback.replicas × the trigger's target instead (behavior `static`, the default; an AverageValue target,
 * as the kafka trigger's is), so the HPA computes exactly fallback.replicas.
 *
 * Which reads count depends on the release (kedaVersion.ts, fallbackInPollLoop): the HPA's metric requests always
 * (GetScaledObjectMetrics); from v2.19 the polling loop's reads too (getScalerState), where a read the fallback
 * answers makes the trigger active and not in error, so KEDA can scale a target at 0 to 1.
 */
import { kedaBehaviour } from './kedaVersion.js';
import type { ScaledObjectSettings } from './settings.js';

type FallbackSettings = Pick<ScaledObjectSettings, 'fallback' | 'lagThreshold' | 'kedaVersion'>;

export interface FallbackRead {
  /** status.health[metric].numberOfFailures after this read. */
  failures: number;
  /** The metric the fallback sends instead of the error, or null (the read succeeded, or the error goes on). */
  metric: number | null;
}

/** One read through KEDA's fallback: `failed` says whether the scaler's read failed. */
export function fallbackRead(settings: FallbackSettings, failures: number, failed: boolean): FallbackRead {
  const fb = settings.fallback;
  if (!fb || fb.failureThreshold < 0 || fb.replicas < 0) return { failures, metric: null };
  if (!failed) return { failures: 0, metric: null };
  const n = failures + 1;
  return { failures: n, metric: n > fb.failureThreshold ? fb.replicas * settings.lagThreshold : null };
}

/** Whether KEDA's polling loop reads through the fallback too (v2.19+). */
export function pollLoopUsesFallback(settings: FallbackSettings): boolean {
  return settings.fallback !== null && kedaBehaviour(settings.kedaVersion).fallbackInPollLoop;
}
