/**
 * One reconcile of the HorizontalPodAutoscaler that KEDA creates for a ScaledObject, as a pure function
 * (docs/design.md §8.3): limits first, the tolerance test on M/(T·S), the behaviour path
 * (stabilization windows over stored proposals, Pods/Percent policies over the HPA's own scale events,
 * selectPolicy) or the legacy path (behavior null), and the initial-recommendation rule.
 *
 * Times are seconds on any clock (virtual or wall); the caller owns the clock. The state is never mutated:
 * each call returns a new one.
 */
import type { HpaBehavior, HpaPolicy, HpaRules } from './settings.js';

/**
 * What a sample (proposal or scale event) exactly one window/period old does. `exclusive`: it has expired
 * (the behaviour path's `After(cutoff)` on exact times, and what real 15 s-plus-a-few-ms ticks usually give);
 * `inclusive`: it still counts.
 */
export type Boundary = 'exclusive' | 'inclusive';

export interface HpaConfig {
  /** HPA minReplicas (KEDA: max(1, minReplicaCount)). */
  minReplicas: number;
  /** HPA maxReplicas (KEDA: maxReplicaCount). */
  maxReplicas: number;
  /** External metric target, AverageValue (KEDA: lagThreshold). */
  targetAverageValue: number;
  /** spec.behavior as written (unset fields are filled with the API server's defaults); null = legacy path. */
  behavior: HpaBehavior | null;
  /** --horizontal-pod-autoscaler-tolerance (0.1). */
  tolerance: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (300 s). */
  defaultDownscaleWindowSeconds: number;
  boundary: Boundary;
}

export interface Recommendation {
  replicas: number;
  t: number;
}
export interface ScaleEvent {
  change: number;
  t: number;
  outdated: boolean;
}
export interface HpaState {
  /** Stored unstabilized proposals; null until the first reconcile ever (then it holds the initial one). */
  recommendations: Recommendation[] | null;
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
  /** status.desiredReplicas after the last reconcile (null before the first). */
  desiredReplicas: number | null;
}

export const initialHpaState = (): HpaState => ({ recommendations: null, scaleUpEvents: [], scaleDownEvents: [], desiredReplicas: null });

export interface HpaInput {
  now: number;
  /** scale.spec.replicas (C). */
  specReplicas: number;
  /** scale.status.replicas (S): pods that exist, ready or not. */
  statusReplicas: number;
  /** The external metric sum M; null = the metric could not be read. Ignored when the limits decide. */
  metric: number | null;
}

export type HpaReason =
  | 'ScalingDisabled'
  | 'TooManyReplicas'
  | 'TooFewReplicas'
  | 'FailedGetExternalMetric'
  | 'WithinTolerance'
  | 'ScaleUpStabilized'
  | 'ScaleDownStabilized'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit'
  | 'TooManyReplicasByMax'
  | 'TooFewReplicasByMin'
  | 'DesiredWithinRange';

export interface HpaResult {
  state: HpaState;
  /** The replica count the HPA wants (status.desiredReplicas). */
  desiredReplicas: number;
  /** True when the HPA writes desiredReplicas to the scale subresource. */
  rescale: boolean;
  /** The metric's raw proposal (after the tolerance test), null when the limits decided or the metric failed. */
  raw: number | null;
  /** The stabilized recommendation, null when not computed. */
  stabilized: number | null;
  reason: HpaReason;
  /** Human-readable notes, e.g. "HPA: 1 → 3 (raw 10, ScaleUpLimit)". */
  events: string[];
  /** A proposal or scale event sat exactly on a window/period boundary (the outcome depends on `boundary`). */
  edge: boolean;
}

/** Whether this reconcile reads the metric at all (limits first: C = 0, C > max and C < min decide alone). */
export function hpaNeedsMetric(cfg: HpaConfig, specReplicas: number): boolean {
  const C = specReplicas;
  if (C === 0 && cfg.minReplicas !== 0) return false;
  return C <= cfg.maxReplicas && C >= cfg.minReplicas;
}

/** Filled behaviour: every field set, as the API server stores it (defaults.go) plus the controller's window. */
export interface FilledRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: HpaPolicy[];
}
export interface FilledBehavior {
  scaleUp: FilledRules;
  scaleDown: FilledRules;
}

/** The API server's defaults for unset behaviour fields (scaleDown's window comes from the controller flag). */
export function fillBehavior(b: HpaBehavior, defaultDownscaleWindowSeconds: number): FilledBehavior {
  const fill = (r: HpaRules | undefined, def: FilledRules): FilledRules => ({
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? def.stabilizationWindowSeconds,
    selectPolicy: r?.selectPolicy ?? def.selectPolicy,
    policies: r?.policies && r.policies.length > 0 ? r.policies : def.policies,
  });
  return {
    scaleUp: fill(b.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    }),
    scaleDown: fill(b.scaleDown, {
      stabilizationWindowSeconds: defaultDownscaleWindowSeconds,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    }),
  };
}

const EPS = 1e-6;

/** Does a sample taken at `t` still count in a window of `window` seconds ending at `now`? */
function inWindow(t: number, now: number, window: number, boundary: Boundary): { counts: boolean; edge: boolean } {
  const d = t - (now - window);
  const edge = Math.abs(d) < EPS;
  if (edge) return { counts: boundary === 'inclusive', edge };
  return { counts: d > 0, edge };
}

/** GetExternalPerPodMetricReplicas: within tolerance → S, else ceil(M/T). */
export function rawProposal(metric: number, target: number, statusReplicas: number, tolerance: number | Tolerances): { raw: number; within: boolean } {
  const t = typeof tolerance === 'number' ? { scaleDown: tolerance, scaleUp: tolerance } : tolerance;
  const ratio = metric / (target * statusReplicas);
  // NaN (0/0) and ±Infinity fall outside the band, as in Go's float comparisons. The band is asymmetric when the
  // behaviour sets a per-direction tolerance (replica_calculator.go: Tolerances.isWithin, 1 − down ≤ r ≤ 1 + up).
  if (1 - t.scaleDown <= ratio && ratio <= 1 + t.scaleUp) return { raw: statusReplicas, within: true };
  return { raw: Math.ceil(metric / target), within: false };
}

export interface Tolerances {
  scaleDown: number;
  scaleUp: number;
}

/**
 * The band the HPA compares the usage ratio with: spec.behavior.scaleUp/scaleDown.tolerance where written, else the
 * controller's --horizontal-pod-autoscaler-tolerance (horizontal.go: the per-HPA tolerances, HPAConfigurableTolerance:
 * alpha in Kubernetes 1.33, on by default from 1.34).
 */
export function tolerancesOf(cfg: Pick<HpaConfig, 'behavior' | 'tolerance'>): Tolerances {
  return { scaleDown: cfg.behavior?.scaleDown?.tolerance ?? cfg.tolerance, scaleUp: cfg.behavior?.scaleUp?.tolerance ?? cfg.tolerance };
}

function changeInPeriod(events: ScaleEvent[], now: number, period: number, boundary: Boundary, edges: { hit: boolean }): number {
  let sum = 0;
  for (const e of events) {
    const w = inWindow(e.t, now, period, boundary);
    if (w.edge) edges.hit = true;
    if (w.counts) sum += e.change;
  }
  return sum;
}

function scaleUpLimit(C: number, st: HpaState, rules: FilledRules, now: number, boundary: Boundary, edges: { hit: boolean }): number {
  if (rules.selectPolicy === 'Disabled') return C;
  let result = rules.selectPolicy === 'Min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const p of rules.policies) {
    const added = changeInPeriod(st.scaleUpEvents, now, p.periodSeconds, boundary, edges);
    const removed = changeInPeriod(st.scaleDownEvents, now, p.periodSeconds, boundary, edges);
    const start = C - added + removed;
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

function scaleDownLimit(C: number, st: HpaState, rules: FilledRules, now: number, boundary: Boundary, edges: { hit: boolean }): number {
  if (rules.selectPolicy === 'Disabled') return C;
  let result = rules.selectPolicy === 'Min' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const p of rules.policies) {
    const added = changeInPeriod(st.scaleUpEvents, now, p.periodSeconds, boundary, edges);
    const removed = changeInPeriod(st.scaleDownEvents, now, p.periodSeconds, boundary, edges);
    const start = C - added + removed;
    // Go converts float64 → int32 by truncation.
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

const longestPeriod = (rules: FilledRules): number => rules.policies.reduce((m, p) => Math.max(m, p.periodSeconds), 0);

/** storeScaleEvent: events older than the direction's longest policy period are marked outdated and reused. */
function storeEvent(list: ScaleEvent[], change: number, now: number, longest: number, boundary: Boundary): ScaleEvent[] {
  const marked = list.map((e) => (inWindow(e.t, now, longest, boundary).counts ? e : { ...e, outdated: true }));
  const i = marked.findIndex((e) => e.outdated);
  const ev: ScaleEvent = { change, t: now, outdated: false };
  if (i >= 0) marked[i] = ev;
  else marked.push(ev);
  return marked;
}

/**
 * One HPA reconcile (reconcileAutoscaler). `edge` is set only when a sample exactly one window/period old
 * changes the outcome: the other boundary would give another desired count. A sample on the boundary that
 * changes nothing is not an edge, so `plan` runs its boundary variant only when it can differ.
 */
export function hpaReconcile(cfg: HpaConfig, state: HpaState, input: HpaInput): HpaResult {
  const r = reconcileWith(cfg, state, input);
  if (!r.edge) return r;
  const other = reconcileWith({ ...cfg, boundary: cfg.boundary === 'exclusive' ? 'inclusive' : 'exclusive' }, state, input);
  return { ...r, edge: other.desiredReplicas !== r.desiredReplicas || other.rescale !== r.rescale };
}

/**
 * The reconcile under one boundary; `edge` = some sample sat on a boundary.
 *
 * When proposals are recorded (kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go): every reconcile
 * first stores the current count as the initial recommendation if the HPA has none yet
 * (recordInitialRecommendation). The limits come next and end the reconcile without a metric (spec 0 with
 * min ≥ 1: ScalingDisabled; above max; below min). Only a reconcile that computes the metric's proposal reaches
 * normalizeDesiredReplicas[WithBehaviors], and stabilizeRecommendationWithBehaviors stores that unstabilized
 * proposal on every such reconcile — a proposal of 0 at lag 0 included. The up window then takes the lowest
 * stored proposal, so zeros recorded before a load hold the first scale-up until they leave the window.
 */
function reconcileWith(cfg: HpaConfig, state: HpaState, input: HpaInput): HpaResult {
  const { now } = input;
  const C = input.specReplicas;
  const S = input.statusReplicas;
  const edges = { hit: false };
  let st: HpaState = {
    recommendations: state.recommendations ? [...state.recommendations] : null,
    scaleUpEvents: [...state.scaleUpEvents],
    scaleDownEvents: [...state.scaleDownEvents],
    desiredReplicas: state.desiredReplicas,
  };
  // recordInitialRecommendation: the first reconcile ever stores C as a proposal.
  if (st.recommendations === null) st.recommendations = [{ replicas: C, t: now }];

  const done = (desired: number, rescale: boolean, reason: HpaReason, raw: number | null, stabilized: number | null, events: string[]): HpaResult => {
    if (rescale && cfg.behavior !== null && desired !== C) {
      const filled = fillBehavior(cfg.behavior, cfg.defaultDownscaleWindowSeconds);
      if (desired > C) st.scaleUpEvents = storeEvent(st.scaleUpEvents, desired - C, now, longestPeriod(filled.scaleUp), cfg.boundary);
      else st.scaleDownEvents = storeEvent(st.scaleDownEvents, C - desired, now, longestPeriod(filled.scaleDown), cfg.boundary);
    }
    st = { ...st, desiredReplicas: desired };
    if (rescale && desired !== C) events.push(`HPA: ${C} → ${desired} (${raw === null ? reason : `raw ${raw}, ${reason}`})`);
    return { state: st, desiredReplicas: desired, rescale: rescale && desired !== C, raw, stabilized, reason, events, edge: edges.hit };
  };

  // 1. Limits first.
  if (C === 0 && cfg.minReplicas !== 0) return done(0, false, 'ScalingDisabled', null, null, []);
  if (C > cfg.maxReplicas) return done(cfg.maxReplicas, true, 'TooManyReplicas', null, null, []);
  if (C < cfg.minReplicas) return done(cfg.minReplicas, true, 'TooFewReplicas', null, null, []);
  if (input.metric === null || !Number.isFinite(input.metric)) {
    return done(C, false, 'FailedGetExternalMetric', null, null, ['HPA: metric unavailable (FailedGetExternalMetric); keeps its size']);
  }

  // 2. Raw proposal.
  const { raw, within } = rawProposal(input.metric, cfg.targetAverageValue, S, tolerancesOf(cfg));

  if (cfg.behavior === null) {
    // 4. Legacy path: max over the last downscale window, then clamp to [min, min(max, max(2C, 4))].
    let stab = raw;
    const keep: Recommendation[] = [];
    let replaced = false;
    for (const r of st.recommendations) {
      const w = inWindow(r.t, now, cfg.defaultDownscaleWindowSeconds, cfg.boundary);
      if (w.edge) edges.hit = true;
      if (w.counts) {
        stab = Math.max(stab, r.replicas);
        keep.push(r);
      } else if (!replaced) {
        replaced = true; // one old slot is reused for the new proposal; the others are ignored anyway
      }
    }
    keep.push({ replicas: raw, t: now });
    st.recommendations = keep;
    const upLimit = Math.max(2 * C, 4);
    const maxAllowed = Math.min(cfg.maxReplicas, upLimit);
    let desired = stab;
    let reason: HpaReason = within ? 'WithinTolerance' : stab !== raw ? 'ScaleDownStabilized' : 'DesiredWithinRange';
    if (desired < cfg.minReplicas) {
      desired = cfg.minReplicas;
      reason = 'TooFewReplicasByMin';
    } else if (desired > maxAllowed) {
      desired = maxAllowed;
      reason = maxAllowed === cfg.maxReplicas ? 'TooManyReplicasByMax' : 'ScaleUpLimit';
    }
    return done(desired, desired !== C, reason, raw, stab, []);
  }

  // 3. Behaviour path.
  const b = fillBehavior(cfg.behavior, cfg.defaultDownscaleWindowSeconds);
  const wUp = b.scaleUp.stabilizationWindowSeconds;
  const wDown = b.scaleDown.stabilizationWindowSeconds;
  let up = raw;
  let down = raw;
  const keep: Recommendation[] = [];
  for (const r of st.recommendations) {
    const u = inWindow(r.t, now, wUp, cfg.boundary);
    const d = inWindow(r.t, now, wDown, cfg.boundary);
    if ((u.edge && wUp > 0) || (d.edge && wDown > 0)) edges.hit = true;
    if (u.counts) up = Math.min(up, r.replicas);
    if (d.counts) down = Math.max(down, r.replicas);
    if (u.counts || d.counts) keep.push(r); // samples outside both windows are never read again
  }
  let stab = C;
  if (stab < up) stab = up;
  if (stab > down) stab = down;
  keep.push({ replicas: raw, t: now });
  st.recommendations = keep;

  let desired = stab;
  let reason: HpaReason = within ? 'WithinTolerance' : stab !== raw ? (raw > stab ? 'ScaleUpStabilized' : 'ScaleDownStabilized') : 'DesiredWithinRange';
  if (stab > C) {
    let limit = scaleUpLimit(C, st, b.scaleUp, now, cfg.boundary, edges);
    if (limit < C) limit = C;
    const allowed = Math.min(cfg.maxReplicas, limit);
    if (desired > allowed) {
      desired = allowed;
      reason = allowed === cfg.maxReplicas && cfg.maxReplicas <= limit ? 'TooManyReplicasByMax' : 'ScaleUpLimit';
    }
  } else if (stab < C) {
    let limit = scaleDownLimit(C, st, b.scaleDown, now, cfg.boundary, edges);
    if (limit > C) limit = C;
    const allowed = Math.max(cfg.minReplicas, limit);
    if (desired < allowed) {
      desired = allowed;
      reason = allowed === cfg.minReplicas && cfg.minReplicas >= limit ? 'TooFewReplicasByMin' : 'ScaleDownLimit';
    }
  }
  return done(desired, desired !== C, reason, raw, stab, []);
}
