/**
 * `cma-demo plan`: the scaling timeline predicted in virtual time with the same pure rules the emulator uses
 * (kedaLag.ts → kedaLoop.ts + hpa.ts through emulator.ts), and no Kafka. A fluid model of the topic stands in
 * for the broker: production follows the load phases, each ready consumer takes R records/s (at most one
 * consumer per partition), partitions share load and consumption evenly and commits are instant. The
 * observations KEDA and the HPA read are the offsets of that model, never their own decisions.
 *
 * Pure: no I/O, no clock.
 */
import { usageError } from '../errors.js';
import { parseIntList, readDuration, readNumber } from '../util/numbers.js';
import type { Warning } from '../errors.js';
import { computeKedaView, type PartitionOffsets } from './kedaLag.js';
import {
  createEmulatorState,
  emulatorHpaSync,
  emulatorKedaPoll,
  hpaSyncNeedsObservation,
  type EmulatorConfig,
  type EmulatorState,
} from './emulator.js';
import { fillBehavior, type Boundary } from './hpa.js';
import type { CooldownEdge } from './kedaLoop.js';
import type { ScaledObjectSettings } from './settings.js';

/**
 * A load phase: `records` at `rate` records/s (Infinity = all at once), optionally only on some partitions;
 * or a pause.
 */
export type LoadPhase = { records: number; rate: number; partitions?: number[] } | { pauseS: number };

export interface PlanInput {
  settings: ScaledObjectSettings;
  /** Partitions of the topic (P). */
  partitions: number;
  /** Load phases, one after the other from t = 0. */
  load: LoadPhase[];
  /** Records/s one consumer replica processes (R). */
  consumerRate: number;
  /** Seconds from a replica being requested to its consumer taking records (default 10). */
  podStartDelayS?: number;
  /** The group committed offsets before the run (default true). */
  committedOffsets?: boolean;
  /** Window/period boundary (default exclusive). */
  boundary?: Boundary;
  /** A poll exactly one cooldown after the last active one (default hold). */
  cooldownEdge?: CooldownEdge;
  /** HPA sync period (15). */
  hpaSyncSeconds?: number;
  /** HPA tolerance (0.1). */
  tolerance?: number;
  /** The controller's default downscale window (300). */
  defaultDownscaleWindowSeconds?: number;
  /** First KEDA poll (default pollingInterval / 2). */
  firstPollS?: number;
  /** First HPA sync (default 5). */
  firstHpaSyncS?: number;
  /**
   * How long before t = 0 the ScaledObject (and its HPA) was created. Default: long before (the HPA's initial
   * recommendation is out of every window). A small value lets the initial-recommendation rule bite.
   */
  scaledObjectAgeS?: number | null;
  /** Replicas at t = 0 (default idleReplicaCount ?? minReplicaCount), consuming from t = 0. */
  startReplicas?: number;
  /** autoscaling.keda.sh/paused-replicas. */
  pausedReplicas?: number | null;
  /** Partitions the consumers never advance (persistent lag); implies the per-partition model. */
  stalledPartitions?: number[];
  /** The consumer's auto.offset.reset when the group has no commit (default: the ScaledObject's offsetResetPolicy). */
  consumerOffsetReset?: 'latest' | 'earliest';
  /** fluid (default): one pool of lag; per-partition: round-robin assignment, each consumer splits R over its partitions. */
  model?: 'fluid' | 'per-partition';
  /** Timeline resolution in seconds (default 1). */
  stepS?: number;
  /** Stop after this many seconds whatever happens (default load end + 4 h). */
  maxDurationS?: number;
}

export interface TimelinePoint {
  t: number;
  /** Spec replicas. */
  replicas: number;
  /** The HPA's status.desiredReplicas (null before its first sync). */
  desiredReplicas: number | null;
  /** KEDA's activity at its last poll. */
  active: boolean;
  /** Total lag (log end − committed), records. */
  lag: number;
  /** The metric KEDA would report now (after the partition cap). */
  metric: number;
}

export interface PlanStep {
  t: number;
  from: number;
  to: number;
  by: 'keda' | 'hpa';
  note: string;
}

export interface PlanRun {
  timeline: TimelinePoint[];
  steps: PlanStep[];
  peak: number;
  /** When the replicas last came back to 0 (null if they never left it or never came back). */
  returnToZeroS: number | null;
  /** When the backlog was last drained (null if lag is left at the end). */
  drainedS: number | null;
  loadEndS: number;
  endS: number;
  finalLag: number;
  /** Records skipped because a consumer without a committed offset started at `latest`. */
  skippedRecords: number;
  /** Knife edges met: a window/period sample exactly on the boundary, a poll exactly one cooldown later. */
  edges: { window: number; cooldown: number };
  /** The simulation stopped at maxDurationS. */
  truncated: boolean;
}

export interface PlanVariant {
  name: string;
  description: string;
  boundary: Boundary;
  cooldownEdge: CooldownEdge;
  peak: number;
  returnToZeroS: number | null;
  drainedS: number | null;
  steps: Array<{ t: number; replicas: number }>;
}

export interface PlanDocument {
  settings: ScaledObjectSettings;
  assumptions: Record<string, unknown>;
  peak: number;
  returnToZeroS: number | null;
  drainedS: number | null;
  loadEndS: number;
  steps: PlanStep[];
  timeline: TimelinePoint[];
  variants: PlanVariant[];
  warnings: Warning[];
}

// ───────────────────────────────────────── parsing ─────────────────────────────────────────

/** RECORDS or RATE in the number grammar of src/util/numbers.ts (1000000, 1M, 10k, 1_000). */
function parseAmount(s: string, what: string, spec: string): number {
  const n = readNumber(s);
  if (n === null) throw usageError(`--load "${spec}": ${what} "${s}" is not a number`, LOAD_HINT);
  return n;
}

const LOAD_HINT = 'write RECORDS@RATE, e.g. --load 1000000@10000 or --load 1M@10k (k = ×1,000, M = ×1,000,000), or a pause like --load 30s or --load 2m';

/** Parses one `--load` value: RECORDS@RATE[:PARTITIONS] (records, records/s, e.g. `:0,3`) or a pause `Ns`. */
export function parseLoad(spec: string): LoadPhase {
  let v = spec.trim();
  let partitions: number[] | undefined;
  const colon = v.indexOf(':');
  if (colon >= 0) {
    partitions = parseIntList(v.slice(colon + 1), `--load "${spec}": partitions`);
    v = v.slice(0, colon);
  }
  const pauseMs = /[a-z]$/.test(v) ? readDuration(v, 's') : null; // a unit is required: "10" is no pause
  if (pauseMs !== null && partitions === undefined) return { pauseS: pauseMs / 1000 };
  const parts = v.split('@');
  if (parts.length !== 2) {
    throw usageError(`--load "${spec}" is not RECORDS@RATE`, LOAD_HINT);
  }
  const records = parseAmount(parts[0]!, 'RECORDS', spec);
  const rate = parseAmount(parts[1]!, 'RATE', spec);
  if (!Number.isInteger(records)) throw usageError(`--load "${spec}": RECORDS must be a whole number`);
  if (rate <= 0) throw usageError(`--load "${spec}": RATE must be > 0 records/s`);
  return partitions ? { records, rate, partitions } : { records, rate };
}

// ───────────────────────────────────────── the fluid model ─────────────────────────────────────────

interface Segment {
  start: number;
  end: number;
  rate: number;
  /** Records produced at `start` at once (rate Infinity). */
  burst: number;
  /** Partitions the phase writes to (null = all). */
  targets: number[] | null;
}

function segmentsOf(load: LoadPhase[]): Segment[] {
  const out: Segment[] = [];
  let t = 0;
  for (const p of load) {
    if ('pauseS' in p) {
      out.push({ start: t, end: t + p.pauseS, rate: 0, burst: 0, targets: null });
      t += p.pauseS;
      continue;
    }
    const burst = !Number.isFinite(p.rate);
    const d = burst ? 0 : p.records / p.rate;
    out.push({ start: t, end: t + d, rate: burst ? 0 : p.rate, burst: burst ? p.records : 0, targets: p.partitions?.length ? [...p.partitions] : null });
    t += d;
  }
  return out;
}

/** The share of `total` records that partition i of P holds (integer, monotone in total). */
const share = (total: number, P: number, i: number): number => {
  const n = Math.floor(total + 1e-6);
  return Math.floor(n / P) + (i < n % P ? 1 : 0);
};

const EPS = 1e-6;
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

function emulatorConfig(input: PlanInput): EmulatorConfig {
  return {
    settings: input.settings,
    hpaSyncSeconds: input.hpaSyncSeconds ?? 15,
    tolerance: input.tolerance ?? 0.1,
    defaultDownscaleWindowSeconds: input.defaultDownscaleWindowSeconds ?? 300,
    boundary: input.boundary ?? 'exclusive',
    cooldownEdge: input.cooldownEdge ?? 'hold',
    pausedReplicas: input.pausedReplicas ?? null,
  };
}

function validate(input: PlanInput): void {
  if (!Number.isInteger(input.partitions) || input.partitions < 1) throw usageError(`--partitions must be a whole number ≥ 1, got ${input.partitions}`);
  if (!(input.consumerRate > 0)) throw usageError(`--consumer-rate must be > 0 records/s per replica, got ${input.consumerRate}`);
  if ((input.podStartDelayS ?? 10) < 0) throw usageError('--pod-start-delay must be ≥ 0 seconds');
  const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < input.partitions;
  for (const p of input.load) {
    if ('pauseS' in p) {
      if (!(p.pauseS >= 0)) throw usageError(`a load pause must be ≥ 0 seconds, got ${p.pauseS}`);
      continue;
    }
    if (!(p.rate > 0)) throw usageError(`a load rate must be > 0 records/s, got ${p.rate}`);
    if (!(p.records >= 0)) throw usageError(`a load phase must have ≥ 0 records, got ${p.records}`);
    if (p.partitions?.some((i) => !inRange(i))) throw usageError(`load partitions ${p.partitions.join(',')} are not all in 0..${input.partitions - 1}`, `the topic has ${input.partitions} partitions (--partitions); name partitions below that`);
  }
  if (input.stalledPartitions?.some((i) => !inRange(i))) throw usageError(`stalled partitions ${input.stalledPartitions.join(',')} are not all in 0..${input.partitions - 1}`);
}

/** Runs the model once. */
export function simulate(input: PlanInput): PlanRun {
  validate(input);
  const s = input.settings;
  const cfg = emulatorConfig(input);
  const P = input.partitions;
  const R = input.consumerRate;
  const delay = input.podStartDelayS ?? 10;
  const sync = cfg.hpaSyncSeconds;
  const poll = s.pollingInterval;
  const step = input.stepS ?? 1;
  const segs = segmentsOf(input.load);
  const loadEnd = segs.length ? segs[segs.length - 1]!.end : 0;
  const maxT = input.maxDurationS ?? loadEnd + 4 * 3600;

  // How long nothing may change before the run is over: the longest rule that could still act, plus a poll and two syncs.
  const b = s.behavior ? fillBehavior(s.behavior, cfg.defaultDownscaleWindowSeconds) : null;
  const longest = Math.max(
    s.cooldownPeriod,
    s.initialCooldownPeriod,
    b ? Math.max(b.scaleDown.stabilizationWindowSeconds, b.scaleUp.stabilizationWindowSeconds, ...b.scaleDown.policies.map((p) => p.periodSeconds), ...b.scaleUp.policies.map((p) => p.periodSeconds)) : cfg.defaultDownscaleWindowSeconds,
  );
  const quietS = longest + poll + 2 * sync;

  const start = input.startReplicas ?? s.idleReplicaCount ?? s.minReplicaCount;
  const age = input.scaledObjectAgeS;
  const createdAt = age === undefined || age === null ? -1e9 : -age;
  let st: EmulatorState = createEmulatorState(createdAt, { hpaInitialRecommendation: { replicas: start, t: createdAt } });

  // Pods: the time each becomes ready. Existing pods are ready from the start.
  let pods: number[] = Array.from({ length: start }, () => -1);
  let produced = 0;
  let consumed = 0;
  const stalled = new Set(input.stalledPartitions ?? []);
  const perPartition = (input.model ?? 'fluid') === 'per-partition' || stalled.size > 0 || segs.some((g) => g.targets !== null);
  const prodP: number[] = Array.from({ length: P }, () => 0);
  let consP: number[] = Array.from({ length: P }, () => 0);
  let committed = input.committedOffsets ?? true;
  let skipped = 0;
  let drainedS: number | null = null;
  let t = 0;

  const readyAt = (at: number): number => pods.filter((r) => r <= at + EPS).length;
  const segAt = (at: number): Segment | undefined => segs.find((g) => at >= g.start - EPS && at < g.end - EPS);
  const rateAt = (at: number): number => segAt(at)?.rate ?? 0;
  const bursts = segs.filter((g) => g.burst > 0);
  let burstIdx = 0;
  /** Phases with rate Infinity land all at once when their time comes. */
  const applyBursts = (): void => {
    while (burstIdx < bursts.length && bursts[burstIdx]!.start <= t + EPS) {
      const g = bursts[burstIdx++]!;
      const targets = g.targets ?? Array.from({ length: P }, (_, i) => i);
      for (const i of targets) prodP[i]! += g.burst / targets.length;
      produced += g.burst;
    }
  };
  const offsets = (): PartitionOffsets[] =>
    Array.from({ length: P }, (_, i) => ({
      topic: s.topic ?? 'topic',
      partition: i,
      committedOffset: committed ? (perPartition ? Math.floor(consP[i]! + 1e-6) : share(consumed, P, i)) : null,
      logEndOffset: perPartition ? Math.floor(prodP[i]! + 1e-6) : share(produced, P, i),
    }));

  /** Moves the fluid from t to t1 (rates are constant in between: every change is an event). */
  const advance = (t1: number): void => {
    const dt = t1 - t;
    if (dt <= 0) return;
    if (perPartition) return advancePerPartition(t1);
    const p = rateAt(t + dt / 2);
    const consumers = committed ? Math.min(readyAt(t + dt / 2), P) : 0;
    const c = consumers * R;
    const lag0 = produced - consumed;
    if (lag0 + (p - c) * dt >= -EPS || c <= p) {
      consumed += c * dt;
      if (lag0 > EPS && produced + p * dt - consumed <= EPS) drainedS = t1;
    } else {
      const tau = lag0 / (c - p);
      consumed += c * tau + p * (dt - tau);
      if (lag0 > EPS) drainedS = t + tau;
    }
    produced += p * dt;
    if (consumed > produced) consumed = produced;
    if (produced - consumed > EPS) drainedS = null;
    t = t1;
  };

  /**
   * Per-partition model: round-robin assignment (partition i → consumer i mod n), each consumer splits R over
   * its partitions (water-filling, so a drained partition's share goes to the others). Small fixed steps.
   */
  const advancePerPartition = (t1: number): void => {
    const n = committed ? Math.min(readyAt(t + (t1 - t) / 2), P) : 0;
    const seg = segAt(t + (t1 - t) / 2);
    const pp = Array.from({ length: P }, (_, i) => (seg === undefined ? 0 : seg.targets === null ? seg.rate / P : seg.targets.includes(i) ? seg.rate / seg.targets.length : 0));
    let prevLag = produced - consumed;
    let tt = t;
    while (tt < t1 - 1e-9) {
      const h = Math.min(0.02, t1 - tt);
      for (let i = 0; i < P; i++) prodP[i]! += pp[i]! * h;
      for (let j = 0; j < n; j++) {
        const mine: number[] = [];
        for (let i = j; i < P; i += n) if (!stalled.has(i)) mine.push(i);
        mine.sort((a, b2) => prodP[a]! - consP[a]! - (prodP[b2]! - consP[b2]!));
        let cap = R * h;
        for (let k = 0; k < mine.length; k++) {
          const i = mine[k]!;
          const give = Math.min(prodP[i]! - consP[i]!, cap / (mine.length - k));
          consP[i]! += give;
          cap -= give;
        }
      }
      tt += h;
      const lag = prodP.reduce((a, x) => a + x, 0) - consP.reduce((a, x) => a + x, 0);
      if (prevLag > EPS && lag <= EPS) drainedS = tt;
      if (lag > EPS) drainedS = null;
      prevLag = lag;
    }
    produced = prodP.reduce((a, x) => a + x, 0);
    consumed = consP.reduce((a, x) => a + x, 0);
    if (produced - consumed > EPS) drainedS = null;
    t = t1;
  };

  /** A consumer with no committed offset starts: latest skips to the log end, earliest reads from 0. */
  const maybeStartConsuming = (): void => {
    if (committed || readyAt(t) === 0) return;
    committed = true;
    if ((input.consumerOffsetReset ?? s.offsetResetPolicy) === 'latest') {
      skipped += produced - consumed;
      consumed = produced;
      consP = [...prodP];
    }
  };

  const setReplicas = (n: number): void => {
    if (n > pods.length) pods = [...pods, ...Array.from({ length: n - pods.length }, () => t + delay)];
    else if (n < pods.length) pods = [...pods].sort((a, b2) => b2 - a).slice(pods.length - n);
  };

  const timeline: TimelinePoint[] = [];
  const steps: PlanStep[] = [];
  const edges = { window: 0, cooldown: 0 };
  let lastChange = Number.NEGATIVE_INFINITY;
  // The run is over once nothing moves: no replica change, no pending pod and a constant lag for quietS.
  let lastLag = 0;
  let lastLagChange = 0;
  let truncated = false;

  const point = (): TimelinePoint => {
    const view = computeKedaView(offsets(), s, st.memory);
    return {
      t: r3(t),
      replicas: pods.length,
      desiredReplicas: st.desiredReplicas,
      active: st.active ?? false,
      lag: Math.round(Math.max(0, produced - consumed)),
      metric: Math.max(0, view.metric),
    };
  };

  let nextPoll = input.firstPollS ?? poll / 2;
  let nextSync = input.firstHpaSyncS ?? 5;
  let nextSample = 0;
  const segEnds = segs.map((g) => g.end);

  for (;;) {
    const pending = pods.filter((r) => r > t + EPS);
    const candidates = [nextPoll, nextSync, nextSample, ...pending, ...segEnds.filter((e) => e > t + EPS), ...bursts.slice(burstIdx).map((g) => g.start)];
    const next = Math.min(...candidates);
    if (next > maxT) {
      truncated = true;
      break;
    }
    advance(next);
    applyBursts();
    maybeStartConsuming();
    const before = pods.length;
    let changed = false;
    if (Math.abs(nextPoll - t) < EPS) {
      const r = emulatorKedaPoll(cfg, st, t, pods.length, { offsets: offsets() });
      st = r.state;
      if (r.edges.includes('cooldown')) edges.cooldown++;
      if (r.setReplicas !== null) {
        steps.push({ t: r3(t), from: pods.length, to: r.setReplicas, by: 'keda', note: r.events[0] ?? '' });
        setReplicas(r.setReplicas);
        changed = true;
      }
      nextPoll += poll;
    }
    if (Math.abs(nextSync - t) < EPS) {
      const obs = hpaSyncNeedsObservation(cfg, pods.length) ? { offsets: offsets() } : null;
      const r = emulatorHpaSync(cfg, st, t, pods.length, pods.length, obs);
      st = r.state;
      if (r.edges.includes('window')) edges.window++;
      if (r.setReplicas !== null) {
        steps.push({ t: r3(t), from: pods.length, to: r.setReplicas, by: 'hpa', note: r.events[0] ?? '' });
        setReplicas(r.setReplicas);
        changed = true;
      }
      nextSync += sync;
    }
    maybeStartConsuming();
    if (changed && pods.length !== before) lastChange = t;
    const sampleNow = Math.abs(nextSample - t) < EPS;
    if (sampleNow || changed) {
      const pt = point();
      if (timeline.length && timeline[timeline.length - 1]!.t === pt.t) timeline[timeline.length - 1] = pt;
      else timeline.push(pt);
    }
    if (sampleNow) {
      nextSample += step;
      const lag = produced - consumed;
      if (Math.abs(lag - lastLag) > 1e-3) lastLagChange = t;
      lastLag = lag;
      const settled = pods.every((r) => r <= t + EPS);
      if (t >= loadEnd - EPS && settled && t - Math.max(lastChange, lastLagChange, loadEnd) >= quietS) break;
    }
  }

  const peak = timeline.reduce((m, p) => Math.max(m, p.replicas), 0);
  const finalReplicas = pods.length;
  let returnToZeroS: number | null = null;
  if (peak > 0 && finalReplicas === 0) {
    const last = [...steps].reverse().find((x) => x.to === 0);
    returnToZeroS = last ? last.t : null;
  }
  const finalLag = Math.max(0, produced - consumed);
  return {
    timeline: thin(timeline),
    steps,
    peak,
    returnToZeroS,
    drainedS: finalLag <= EPS && drainedS !== null ? r3(drainedS) : null,
    loadEndS: r3(loadEnd),
    endS: r3(t),
    finalLag: Math.round(finalLag),
    skippedRecords: Math.round(skipped),
    edges,
    truncated,
  };
}

/** Keeps long timelines readable: at most ~2000 points, always keeping the points where something changed. */
function thin(points: TimelinePoint[]): TimelinePoint[] {
  if (points.length <= 2000) return points;
  const k = Math.ceil(points.length / 2000);
  return points.filter((p, i) => {
    if (i % k === 0 || i === points.length - 1) return true;
    const prev = points[i - 1]!;
    return p.replicas !== prev.replicas || p.active !== prev.active || p.desiredReplicas !== prev.desiredReplicas;
  });
}

/** The predicted timeline for the input (what the scenarios' report draws beside the observation). */
export function predictTimeline(input: PlanInput): TimelinePoint[] {
  return simulate(input).timeline;
}

const stepsOf = (run: PlanRun): Array<{ t: number; replicas: number }> => run.steps.map((x) => ({ t: x.t, replicas: x.to }));
const sameSteps = (a: PlanRun, b: PlanRun): boolean => JSON.stringify(stepsOf(a)) === JSON.stringify(stepsOf(b));

export function assumptionsOf(input: PlanInput): Record<string, unknown> {
  const s = input.settings;
  return {
    model:
      (input.model ?? 'fluid') === 'fluid'
        ? 'fluid: partitions share load and consumption evenly, at most one consumer per partition, commits are instant'
        : 'per-partition: round-robin assignment, each consumer splits its rate over its partitions, commits are instant',
    partitions: input.partitions,
    load: input.load,
    stalledPartitions: input.stalledPartitions ?? [],
    consumerRate: input.consumerRate,
    podStartDelayS: input.podStartDelayS ?? 10,
    committedOffsets: input.committedOffsets ?? true,
    startReplicas: input.startReplicas ?? s.idleReplicaCount ?? s.minReplicaCount,
    firstKedaPollS: input.firstPollS ?? s.pollingInterval / 2,
    firstHpaSyncS: input.firstHpaSyncS ?? 5,
    hpaSyncSeconds: input.hpaSyncSeconds ?? 15,
    hpaTolerance: input.tolerance ?? 0.1,
    hpaDefaultDownscaleWindowSeconds: input.defaultDownscaleWindowSeconds ?? 300,
    hpaMinReplicas: Math.max(1, s.minReplicaCount),
    hpaBehavior: s.behavior === null ? 'none (legacy path: 300 s downscale window, at most max(2·C, 4) per sync)' : fillBehavior(s.behavior, input.defaultDownscaleWindowSeconds ?? 300),
    boundary: input.boundary ?? 'exclusive',
    cooldownEdge: input.cooldownEdge ?? 'hold',
    scaledObjectAgeS: input.scaledObjectAgeS ?? 'created long before the load',
    pausedReplicas: input.pausedReplicas ?? null,
    notModelled: 'rebalance pauses, per-partition assignment skew, commit intervals',
  };
}

function warningsOf(input: PlanInput, run: PlanRun): Warning[] {
  const s = input.settings;
  const w: Warning[] = [];
  const records = input.load.reduce((n, p) => n + ('records' in p ? p.records : 0), 0);
  const P = input.partitions;
  if (records > 0 && run.peak === 0 && (input.pausedReplicas ?? null) === null) {
    const committed = input.committedOffsets ?? true;
    let why: string;
    if (!committed && !s.scaleToZeroOnInvalidOffset && s.offsetResetPolicy === 'latest') {
      why =
        `the group has no committed offsets, so under offsetResetPolicy latest each of the ${P} partitions counts 1: ` +
        `lag = ${P} × 1 = ${P}, and ${P} > activationLagThreshold ${s.activationLagThreshold} is false. ` +
        'Commit offsets before producing (e.g. reset the group to earliest) or lower activationLagThreshold below the partition count';
    } else if (!committed && s.scaleToZeroOnInvalidOffset) {
      why = 'the group has no committed offsets and scaleToZeroOnInvalidOffset counts each partition as 0';
    } else {
      why = `the lag never exceeds activationLagThreshold ${s.activationLagThreshold} at a KEDA poll`;
    }
    w.push({ code: 'NEVER_ACTIVATES', message: `the deployment never activates: ${why}` });
  }
  if (run.skippedRecords > 0) {
    w.push({
      code: 'RECORDS_SKIPPED',
      message: `${run.skippedRecords} records are skipped: the first consumer had no committed offset and started at the log end (offsetResetPolicy latest)`,
    });
  }
  if (run.finalLag > 0 && run.peak > 0) {
    w.push({ code: 'LAG_LEFT', message: `${run.finalLag} records of lag are left when the prediction ends at ${run.endS} s` });
  }
  const maxRate = input.load.reduce((m, p) => Math.max(m, 'rate' in p && Number.isFinite(p.rate) ? p.rate : 0), 0);
  const maxConsumers = Math.min(s.maxReplicaCount, P);
  if (maxRate > maxConsumers * input.consumerRate) {
    w.push({
      code: 'CONSUMERS_TOO_SLOW',
      message: `even ${maxConsumers} consumers (min(maxReplicaCount ${s.maxReplicaCount}, ${P} partitions)) take only ${maxConsumers * input.consumerRate} records/s, below the load's ${maxRate} records/s`,
    });
  }
  if (run.truncated) w.push({ code: 'PREDICTION_TRUNCATED', message: `the prediction stopped at ${run.endS} s before the replicas settled` });
  return w;
}

const VARIANT_TEXT: Record<string, string> = {
  'inclusive-boundary': 'a proposal or scale event exactly one window/period old still counts (sub-second timing decides which happens)',
  'cooldown-expires-at-edge': 'the poll exactly one cooldown after the last active poll already scales to zero (lastActiveTime is stored in whole seconds)',
  'inclusive-boundary+cooldown-expires-at-edge': 'both knife edges fall the other way',
};

/** The full prediction: primary outcome plus the variants where a knife edge changes the result. */
export function plan(input: PlanInput): PlanDocument {
  const primary = simulate(input);
  const boundary = input.boundary ?? 'exclusive';
  const cooldownEdge = input.cooldownEdge ?? 'hold';
  const otherB: Boundary = boundary === 'exclusive' ? 'inclusive' : 'exclusive';
  const otherC: CooldownEdge = cooldownEdge === 'hold' ? 'expire' : 'hold';
  const combos: Array<{ b: Boundary; c: CooldownEdge }> = [
    { b: otherB, c: cooldownEdge },
    { b: boundary, c: otherC },
    { b: otherB, c: otherC },
  ];
  const variants: PlanVariant[] = [];
  const seen: PlanRun[] = [primary];
  for (const { b, c } of combos) {
    const run = simulate({ ...input, boundary: b, cooldownEdge: c });
    if (seen.some((r) => sameSteps(r, run))) continue;
    seen.push(run);
    const parts: string[] = [];
    if (b !== boundary) parts.push(b === 'inclusive' ? 'inclusive-boundary' : 'exclusive-boundary');
    if (c !== cooldownEdge) parts.push(c === 'expire' ? 'cooldown-expires-at-edge' : 'cooldown-holds-at-edge');
    const name = parts.join('+');
    variants.push({
      name,
      description: VARIANT_TEXT[name] ?? name,
      boundary: b,
      cooldownEdge: c,
      peak: run.peak,
      returnToZeroS: run.returnToZeroS,
      drainedS: run.drainedS,
      steps: stepsOf(run),
    });
  }
  return {
    settings: input.settings,
    assumptions: assumptionsOf(input),
    peak: primary.peak,
    returnToZeroS: primary.returnToZeroS,
    drainedS: primary.drainedS,
    loadEndS: primary.loadEndS,
    steps: primary.steps,
    timeline: primary.timeline,
    variants,
    warnings: warningsOf(input, primary),
  };
}
