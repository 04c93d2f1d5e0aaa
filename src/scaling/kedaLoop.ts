/**
 * One decision of KEDA's polling loop for a ScaledObject (docs/design.md §8.2), pure:
 * activation 0 → max(1, min), lastActiveTime, cooldown (initialCooldownPeriod while never active),
 * idleReplicaCount, replicas below min, the paused-replicas annotation, and errors (no scale; fallback noted).
 *
 * Times are seconds on the caller's clock.
 */
import type { ScaledObjectSettings } from './settings.js';

type LoopSettings = Pick<ScaledObjectSettings, 'cooldownPeriod' | 'initialCooldownPeriod' | 'minReplicaCount' | 'idleReplicaCount' | 'fallback'>;

export interface KedaState {
  /** status.lastActiveTime; null = never active. */
  lastActiveTime: number | null;
  /** metadata.creationTimestamp of the ScaledObject (for initialCooldownPeriod). */
  createdAt: number;
}

export const initialKedaState = (createdAt: number): KedaState => ({ lastActiveTime: null, createdAt });

/**
 * What a poll does when it lands exactly one cooldown after the (whole-second) lastActiveTime. KEDA's test is
 * strict (`lastActive + cooldown` before now), so on exact times it `hold`s; a real poll runs a few ms after
 * its tick, so on a cluster it usually `expire`s (docs/design.md §8.2). Only polls on whole seconds can meet this edge:
 * lastActiveTime is truncated to the second (see `kedaPoll`).
 */
export type CooldownEdge = 'hold' | 'expire';

export interface KedaPollInput {
  now: number;
  /** The scale subresource's spec.replicas. */
  replicas: number;
  /** Any trigger active (totalLagWithPersistent > activationLagThreshold). */
  active: boolean;
  /** A trigger errored in this poll. */
  isError: boolean;
  /** autoscaling.keda.sh/paused-replicas, when set. */
  pausedReplicas?: number | null;
  cooldownEdge?: CooldownEdge;
  /**
   * The precision, in seconds of the caller's clock, of the times KEDA stores (default 1: whole seconds).
   * A faster clock (the emulator under --fast) passes 1/F.
   */
  timestampPrecision?: number;
}

/**
 * A time as Kubernetes stores it: metav1.Time is serialized as RFC 3339 with whole seconds
 * (k8s.io/apimachinery pkg/apis/meta/v1/time.go, MarshalJSON), so status.lastActiveTime and
 * metadata.creationTimestamp read back by KEDA's next poll have lost their fraction.
 */
export function storedTime(t: number, precision = 1): number {
  return Math.floor(t / precision + 1e-9) * precision;
}

export type KedaAction =
  'paused' | 'scale-from-zero' | 'active' | 'active-with-error' | 'error-fallback' | 'error' | 'scale-to-idle' | 'cooling-down' | 'scale-to-min' | 'steady';

export interface KedaPollResult {
  state: KedaState;
  /** The replica count KEDA writes, or null when it leaves the scale alone. */
  scaleTo: number | null;
  action: KedaAction;
  /** One line for logs, e.g. "KEDA: active, 0 → 1". */
  message: string;
  /** The poll sat exactly on the cooldown boundary (the outcome depends on cooldownEdge). */
  cooldownEdge: boolean;
  /** True when the HPA should not run (paused: KEDA deletes the HPA). */
  hpaDeleted: boolean;
}

const EPS = 1e-6;

/**
 * One RequestScale of the poll loop (kedacore/keda pkg/scaling/executor/scale_scaledobjects.go).
 *
 * Cooldown follows scaleToZeroOrIdle: the target goes to idle/min once `lastActiveTime + cooldownPeriod` is
 * strictly before now (or `creationTimestamp + initialCooldownPeriod` while never active). lastActiveTime is
 * written by updateLastActiveTime as metav1.Now() and read back from the stored object, i.e. truncated to the
 * second. So with polls on half seconds (pollingInterval 15 → 7.5, 22.5, …) a poll exactly one cooldown
 * after the last active one is already past it: 22.5 stores 22, and 22 + 30 < 52.5 scales to 0 at 52.5.
 */
export function kedaPoll(settings: LoopSettings, state: KedaState, input: KedaPollInput): KedaPollResult {
  const { now, replicas: current, active, isError } = input;
  const precision = input.timestampPrecision ?? 1;
  const min = settings.minReplicaCount;
  const idle = settings.idleReplicaCount;
  const res = (action: KedaAction, scaleTo: number | null, message: string, st: KedaState = state, cooldownEdge = false): KedaPollResult => ({
    state: st,
    scaleTo: scaleTo !== null && scaleTo !== current ? scaleTo : null,
    action,
    message,
    cooldownEdge,
    hpaDeleted: action === 'paused',
  });

  if (input.pausedReplicas !== undefined && input.pausedReplicas !== null) {
    const n = input.pausedReplicas;
    return res('paused', n, n !== current ? `KEDA: paused-replicas ${n}, ${current} → ${n}` : `KEDA: paused at ${n}`);
  }

  if (active) {
    if ((idle !== null && current < min) || current === 0) {
      const to = min > 0 ? min : 1;
      return res('scale-from-zero', to, `KEDA: active, ${current} → ${to}`, { ...state, lastActiveTime: storedTime(now, precision) });
    }
    if (isError) return res('active-with-error', null, 'KEDA: active but a trigger errored (Ready=Unknown); lastActiveTime not refreshed');
    return res('active', null, 'KEDA: active', { ...state, lastActiveTime: storedTime(now, precision) });
  }

  const fb = settings.fallback;
  if (isError && fb !== null && fb.replicas !== 0) {
    return res(
      'error-fallback',
      null,
      `KEDA: scaler error; fallback (${fb.replicas} replicas after ${fb.failureThreshold} failures) is applied through the HPA on a cluster, not by the poll loop`,
    );
  }
  if (isError && fb === null) return res('error', null, 'KEDA: scaler error, no fallback (Ready=False); nothing scaled');

  if ((idle !== null && current > idle) || (current > 0 && min === 0)) {
    const edgeMode = input.cooldownEdge ?? 'hold';
    let since: number;
    let period: number;
    if (state.lastActiveTime === null) {
      since = storedTime(state.createdAt, precision);
      period = settings.initialCooldownPeriod;
    } else {
      since = state.lastActiveTime;
      period = settings.cooldownPeriod;
    }
    const d = now - (since + period);
    const edge = Math.abs(d) < EPS;
    const expired = edge ? edgeMode === 'expire' : d > 0;
    if (expired) {
      const to = idle ?? min;
      return res('scale-to-idle', to, `KEDA: inactive, cooldown over, ${current} → ${to}`, state, edge);
    }
    return res('cooling-down', null, `KEDA: inactive, cooling down (until ${round(since + period)} s)`, state, edge);
  }
  if (current < min && idle === null) return res('scale-to-min', min, `KEDA: inactive, below min, ${current} → ${min}`);
  return res('steady', null, 'KEDA: inactive');
}

const round = (n: number): string => String(Math.round(n * 1000) / 1000);
