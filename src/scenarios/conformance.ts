/**
 * Conformance (pure): the landmarks of a scaling timeline, and the comparison of two timelines of the same case
 * (the local emulator against the real KEDA + HPA, and `plan`'s prediction beside them).
 *
 * Landmarks, in seconds after the load started (the two runs start their load at slightly different moments of
 * their own clocks, so the load start is the common origin):
 *   - activation: the first time the replicas rose above the case's starting count (0 → 1 when KEDA activates;
 *     with minReplicaCount 1 the first scale-up of the HPA);
 *   - steps: every change of the replica count (time, from, to);
 *   - peak: the highest count, and when it was first reached;
 *   - drain: the first time at or after the load's end when the lag was back to ~0 (≤ drainLag);
 *   - return: the first time after the peak when the count was back at the floor (0, or minReplicaCount).
 *
 * Why the tolerance is one pollingInterval plus one HPA sync period: KEDA reads the lag once a pollingInterval
 * (kedacore/keda pkg/scaling/scale_handler.go, the scale loop started per ScaledObject, which waits
 * pollingInterval between checks), and the HPA reads KEDA's metric once a sync period (kubernetes
 * pkg/controller/podautoscaler/horizontal.go requeues every HPA through the fixed-interval rate limiter of
 * rate_limiters.go, one resync period after it was processed). Where in those two cycles the lag crosses a
 * threshold depends on when each loop happened to start, so two correct runs of the same case can see the same
 * event up to one poll plus one sync apart.
 *
 * Step sequences of different lengths are compared by the count reached, not by position: for every count that
 * either side stepped up to, the time each side first had at least that many replicas; for every count either
 * side stepped down to after its peak, the time each side first had at most that many. One side that jumps
 * 1 → 5 while the other goes 1 → 3 → 5 is then judged on when each reached 3 and 5, which is what a reader of
 * the two charts compares. The peak must be equal; every other landmark must be within the tolerance, or
 * missing on both sides ("never").
 */
import type { RunEvents, TimelinePoint } from './expectations.js';
import type { PredictionPoint } from './report.js';

/** One observation of a series: the replica count and the lag (null when unknown). */
export interface SeriesPoint {
  t: number;
  replicas: number;
  lag: number | null;
}

/** A timeline on its own clock, with when its load started and ended on that clock (null: never). */
export interface Series {
  points: SeriesPoint[];
  loadStart: number | null;
  loadEnd: number | null;
}

export interface Step {
  /** Seconds after the load started. */
  t: number;
  from: number;
  to: number;
}

export interface Landmarks {
  /** The count the case started from (its preconditions.replicas). */
  baseline: number;
  /** The count a return is measured against: minReplicaCount (or idleReplicaCount when set). */
  floor: number;
  /** Every time below is in seconds after the load started; null: never happened. */
  activation: number | null;
  steps: Step[];
  peak: number;
  /** When the peak was first reached; null when the count never rose above the baseline. */
  peakAt: number | null;
  drain: number | null;
  return: number | null;
  /** The last observation. */
  end: number | null;
  /** The replica counts without repeats (baseline first): 0 → 1 → 3 → 0. */
  path: number[];
}

export interface LandmarkOptions {
  baseline: number;
  floor: number;
  /** Lag at or below which the backlog counts as drained (default 0). */
  drainLag?: number;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

/** An observed timeline (run report) as a series. */
export function seriesFromTimeline(timeline: readonly TimelinePoint[], events: Pick<RunEvents, 'loadStart' | 'loadEnd'>): Series {
  return {
    points: timeline.map((p) => ({ t: p.t, replicas: p.replicas, lag: p.totalLag })),
    loadStart: events.loadStart,
    loadEnd: events.loadEnd,
  };
}

/** `plan`'s prediction as a series: its t = 0 is `loadStart` on its clock (the first phase's pause before it). */
export function seriesFromPrediction(points: readonly PredictionPoint[], loadStart: number, loadEnd: number | null): Series {
  return { points: points.map((p) => ({ t: p.t, replicas: p.replicas, lag: p.lag ?? null })), loadStart, loadEnd };
}

/** The landmarks of a series (see the module comment). */
export function landmarks(s: Series, o: LandmarkOptions): Landmarks {
  const origin = s.loadStart ?? s.points[0]?.t ?? 0;
  const rel = (t: number): number => r1(t - origin);
  const drainLag = o.drainLag ?? 0;
  const steps: Step[] = [];
  let prev = o.baseline;
  for (const p of s.points) {
    if (p.replicas !== prev) steps.push({ t: rel(p.t), from: prev, to: p.replicas });
    prev = p.replicas;
  }
  const peak = Math.max(o.baseline, ...s.points.map((p) => p.replicas));
  const firstPeak = peak > o.baseline ? s.points.find((p) => p.replicas === peak) : undefined;
  const peakAt = firstPeak ? rel(firstPeak.t) : null;
  const activation = steps.find((x) => x.to > o.baseline)?.t ?? null;
  let drain: number | null = null;
  if (s.loadEnd !== null) {
    const d = s.points.find((p) => p.t >= s.loadEnd! && p.lag !== null && p.lag <= drainLag);
    drain = d ? rel(d.t) : null;
  }
  let ret: number | null = null;
  if (firstPeak && peak > o.floor) {
    const back = s.points.find((p) => p.t > firstPeak.t && p.replicas <= o.floor);
    ret = back ? rel(back.t) : null;
  }
  const last = s.points[s.points.length - 1];
  return {
    baseline: o.baseline,
    floor: o.floor,
    activation,
    steps,
    peak,
    peakAt,
    drain,
    return: ret,
    end: last ? rel(last.t) : null,
    path: [o.baseline, ...steps.map((x) => x.to)],
  };
}

/** The first time a series had at least `count` replicas (by its steps), or null. */
export function reachedAt(l: Landmarks, count: number): number | null {
  return l.steps.find((x) => x.from < count && x.to >= count)?.t ?? null;
}

/** The first time after its peak a series had at most `count` replicas, or null. */
export function fellTo(l: Landmarks, count: number): number | null {
  if (l.peakAt === null) return null;
  return l.steps.find((x) => x.t > l.peakAt! && x.from > count && x.to <= count)?.t ?? null;
}

/** What one row of the comparison measures. */
export type MetricKey =
  | { metric: 'activation' }
  | { metric: 'up'; count: number }
  | { metric: 'peak' }
  | { metric: 'down'; count: number }
  | { metric: 'drain' }
  | { metric: 'return'; count: number };

export function metricLabel(k: MetricKey): string {
  switch (k.metric) {
    case 'activation':
      return 'activation (s)';
    case 'up':
      return `reached ${k.count} (s)`;
    case 'peak':
      return 'peak (replicas)';
    case 'down':
      return `down to ${k.count} after the drain (s)`;
    case 'drain':
      return 'lag drained (s)';
    case 'return':
      return `back to ${k.count} after the drain (s)`;
  }
}

/** The value of a metric on one series: seconds after the load started, or replicas for the peak; null: never. */
export function metricValue(l: Landmarks, k: MetricKey): number | null {
  switch (k.metric) {
    case 'activation':
      return l.activation;
    case 'up':
      return reachedAt(l, k.count);
    case 'peak':
      return l.peak;
    case 'down': {
      // The way down follows the backlog (the consumers' throughput): measured from the drain, like the return.
      const t = fellTo(l, k.count);
      return t === null || l.drain === null ? t : r1(t - l.drain);
    }
    case 'drain':
      return l.drain;
    case 'return':
      // KEDA's and the HPA's part of the way down is what follows the drain (cooldown, scale-down window); when the
      // backlog drains is the consumers' throughput, which the two sides do not share on a loaded machine.
      return l.return === null || l.drain === null ? l.return : r1(l.return - l.drain);
  }
}

/**
 * The rows two series are compared on, in time order of the shape: activation, each count stepped up to (counts
 * both sides reached at their activation are the activation row), peak, each count stepped down to above the
 * floor (the floor is the return row), drain, return.
 */
export function metricKeys(a: Landmarks, b: Landmarks): MetricKey[] {
  const ups = new Set<number>();
  const downs = new Set<number>();
  for (const l of [a, b]) {
    for (const x of l.steps) {
      if (x.to > x.from && x.to > l.baseline && (l.peakAt === null || x.t <= l.peakAt)) ups.add(x.to);
      if (x.to < x.from && l.peakAt !== null && x.t > l.peakAt && x.to > l.floor) downs.add(x.to);
    }
  }
  const atActivation = (l: Landmarks, c: number) => l.activation !== null && reachedAt(l, c) === l.activation;
  const keys: MetricKey[] = [{ metric: 'activation' }];
  for (const c of [...ups].sort((x, y) => x - y)) if (!(atActivation(a, c) && atActivation(b, c))) keys.push({ metric: 'up', count: c });
  keys.push({ metric: 'peak' });
  for (const c of [...downs].sort((x, y) => y - x)) keys.push({ metric: 'down', count: c });
  keys.push({ metric: 'drain' });
  keys.push({ metric: 'return', count: Math.min(a.floor, b.floor) });
  return keys;
}

/** The tolerance of a comparison: one pollingInterval plus one HPA sync period (the longer of the two sides'). */
export interface Tolerance {
  seconds: number;
  pollingInterval: number;
  hpaSyncSeconds: number;
}

export function toleranceOf(pollingInterval: number, ...hpaSyncSeconds: number[]): Tolerance {
  const sync = Math.max(...hpaSyncSeconds);
  return { seconds: r1(pollingInterval + sync), pollingInterval, hpaSyncSeconds: sync };
}

export interface Comparison {
  metric: string;
  key: MetricKey;
  unit: 's' | 'replicas';
  a: number | null;
  b: number | null;
  /** b − a (null when either is missing). */
  delta: number | null;
  /** Allowed |delta|: the tolerance in seconds, 0 for the peak. */
  allowed: number;
  ok: boolean;
  /** The row in words, with the figures. */
  text: string;
}

const fmtS = (v: number | null): string => (v === null ? 'never' : `${v.toFixed(1)} s`);
const signed = (v: number, unit: string): string => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(unit === 's' ? 1 : 0)}${unit === 's' ? ' s' : ''}`;

/** Compares one metric of two series. */
export function compareMetric(
  a: Landmarks,
  b: Landmarks,
  key: MetricKey,
  tol: Tolerance,
  labels: { a: string; b: string } = { a: 'local', b: 'cluster' },
): Comparison {
  const metric = metricLabel(key);
  const va = metricValue(a, key);
  const vb = metricValue(b, key);
  if (key.metric === 'peak') {
    const delta = vb! - va!;
    const ok = delta === 0;
    return {
      metric,
      key,
      unit: 'replicas',
      a: va,
      b: vb,
      delta,
      allowed: 0,
      ok,
      text: `peak: ${labels.a} ${va}, ${labels.b} ${vb}${ok ? '' : ` (${signed(delta, 'replicas')}; the peak must be equal)`}`,
    };
  }
  const name = metric.replace(/ \(s\)$/, '');
  if (va === null || vb === null) {
    const ok = va === null && vb === null;
    return {
      metric,
      key,
      unit: 's',
      a: va,
      b: vb,
      delta: null,
      allowed: tol.seconds,
      ok,
      text: `${name}: ${labels.a} ${fmtS(va)}, ${labels.b} ${fmtS(vb)}${ok ? '' : ` (only ${va === null ? labels.b : labels.a} got there)`}`,
    };
  }
  const delta = r1(vb - va);
  if (key.metric === 'drain') {
    // Reported, not judged: the drain is the consumers' throughput (processes sharing this machine's cores with the
    // control plane on the cluster side), not a decision of KEDA or the HPA.
    return {
      metric,
      key,
      unit: 's',
      a: va,
      b: vb,
      delta,
      allowed: tol.seconds,
      ok: true,
      text: `${name}: ${labels.a} ${fmtS(va)}, ${labels.b} ${fmtS(vb)}, Δ ${signed(delta, 's')} (consumer throughput, not a KEDA decision: reported only)`,
    };
  }
  const ok = Math.abs(delta) <= tol.seconds + 1e-9;
  return {
    metric,
    key,
    unit: 's',
    a: va,
    b: vb,
    delta,
    allowed: tol.seconds,
    ok,
    text: `${name}: ${labels.a} ${fmtS(va)}, ${labels.b} ${fmtS(vb)}, Δ ${signed(delta, 's')} ${ok ? '≤' : '>'} tolerance ${tol.seconds} s`,
  };
}

/** Compares two series on every row of metricKeys(a, b). */
export function compareLandmarks(a: Landmarks, b: Landmarks, tol: Tolerance, labels: { a: string; b: string } = { a: 'local', b: 'cluster' }): Comparison[] {
  return metricKeys(a, b).map((k) => compareMetric(a, b, k, tol, labels));
}

/** Whether every row agrees, and the differences in words. */
export function verdictOf(rows: readonly Comparison[]): { agree: boolean; differences: string[] } {
  const differences = rows.filter((r) => !r.ok).map((r) => r.text);
  return { agree: differences.length === 0, differences };
}

/**
 * When `plan`'s load ends, in seconds after its load started: the phases one after the other (a phase's pause
 * before it, then records / rate), the first phase's pause excluded. Unlimited throughput is taken as the
 * prediction takes it (`unlimitedRate` records/s).
 */
export function planLoadEnd(load: ReadonlyArray<{ records: number; throughput: number; after: number }>, unlimitedRate = 1_000_000): number | null {
  if (!load.length) return null;
  let t = 0;
  load.forEach((ph, i) => {
    if (i > 0) t += ph.after;
    t += ph.records / (ph.throughput > 0 ? ph.throughput : unlimitedRate);
  });
  return r1(t);
}

/**
 * How long a timeline must stay unchanged (replicas and lag) before a run that never gets back to its floor with
 * the lag drained (paused replicas, a persistent lag, a case that never activates) counts as settled: one
 * cooldownPeriod and one pollingInterval (KEDA's scale to zero), two HPA syncs, and the longer of the scale-down
 * stabilization window and the scale-down policies' periods (the HPA's next step down).
 */
export function quietSeconds(
  s: {
    cooldownPeriod: number;
    pollingInterval: number;
    behavior: { scaleDown?: { stabilizationWindowSeconds?: number; policies?: Array<{ periodSeconds: number }> } } | null;
  },
  hpaSyncSeconds: number,
  defaultDownscaleWindowSeconds: number,
): number {
  const down = s.behavior?.scaleDown;
  const window = down?.stabilizationWindowSeconds ?? defaultDownscaleWindowSeconds;
  const period = Math.max(0, ...(down?.policies ?? []).map((p) => p.periodSeconds));
  return r1(s.cooldownPeriod + s.pollingInterval + 2 * hpaSyncSeconds + Math.max(window, period));
}
