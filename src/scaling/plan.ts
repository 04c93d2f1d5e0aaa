/**
 * `cma-demo plan`: the scaling timeline predicted in virtual time with the same pure rules the emulator uses
 * (kedaLag.ts → kedaLoop.ts + hpa.ts through emulator.ts), and no Kafka. A model of the topic stands in for the
 * broker (topicModel.ts); the observations KEDA and the HPA read are the offsets of that model, never their own
 * decisions. The run is an event loop: it jumps from event to event, so its cost grows with the events (polls,
 * syncs, pods, load changes), not with the virtual seconds.
 *
 * Pure: no I/O, no clock.
 */
import { usageError } from '../errors.js';
import { parseIntList, readDuration, readNumber } from '../util/numbers.js';
import type { Warning } from '../errors.js';
import { computeKedaView, memoryKey } from './kedaLag.js';
import {
  createEmulatorState,
  defaultScaledObjectAgeSeconds,
  emulatorHpaSync,
  emulatorKedaPoll,
  hpaHistory,
  hpaSyncNeedsObservation,
  type EmulatorConfig,
  type EmulatorState,
} from './emulator.js';
import { fillBehavior, type Boundary } from './hpa.js';
import { storedTime, type CooldownEdge } from './kedaLoop.js';
import type { ScaledObjectSettings } from './settings.js';
import { loadEndOf, segmentsOf, TopicModel, type LoadPhase, type TopicTotals } from './topicModel.js';

export type { LoadPhase } from './topicModel.js';

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
   * How long before t = 0 the ScaledObject (and its HPA) was created; the HPA has reconciled the idle topic on
   * every sync since (proposals of 0 at replicas ≥ its min, which hold the first scale-up for the up window).
   * Default: long enough to fill every window and period (defaultScaledObjectAgeSeconds). A small value lets the
   * initial-recommendation rule bite.
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
  /** Timeline resolution in seconds (default 1 s up to 2000 s of load, then coarser: ≈ 1000–2000 samples). */
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
  /** When the replicas first came back to 0 after leaving it (null if they never left it or never came back). */
  returnToZeroS: number | null;
  /** How many times they came back to 0. */
  returnsToZero: number;
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
  /** Virtual seconds skipped by repeating a cycle instead of stepping through it (same result). */
  fastForwardedS: number;
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
  /** When the replicas first came back to 0 after leaving it. */
  returnToZeroS: number | null;
  /** How many times they came back to 0 (a load that the replicas outpace can make them cycle). */
  returnsToZero: number;
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

// ───────────────────────────────────────── the event loop ─────────────────────────────────────────

const EPS = 1e-6;
const r3 = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * The longest load `plan` simulates: 30 days of virtual time. The loop costs one step per event (a KEDA poll,
 * an HPA sync, a pod ready, a phase boundary, a drain); a load far beyond this would take minutes of polls and
 * syncs and say nothing a shorter one does not.
 */
export const MAX_LOAD_SECONDS = 30 * 24 * 3600;

/** The most KEDA polls and HPA syncs one run may meet (30 days with 1 s polls and 0.15 s syncs is about that). */
const MAX_TICKS = 20_000_000;

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

/** The ScaledObject's age before the load: as given, else long enough to fill every window. */
export function scaledObjectAgeOf(input: PlanInput): number {
  return input.scaledObjectAgeS ?? defaultScaledObjectAgeSeconds(emulatorConfig(input));
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

function validate(input: PlanInput): void {
  if (!Number.isInteger(input.partitions) || input.partitions < 1) throw usageError(`--partitions must be a whole number ≥ 1, got ${input.partitions}`);
  if (!(input.consumerRate > 0)) throw usageError(`--consumer-rate must be > 0 records/s per replica, got ${input.consumerRate}`);
  if ((input.podStartDelayS ?? 10) < 0) throw usageError('--pod-start-delay must be ≥ 0 seconds');
  if ((input.scaledObjectAgeS ?? 0) < 0) throw usageError(`--scaledobject-age must be ≥ 0 seconds, got ${input.scaledObjectAgeS}`);
  const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < input.partitions;
  for (const p of input.load) {
    if ('pauseS' in p) {
      if (!(p.pauseS >= 0)) throw usageError(`a load pause must be ≥ 0 seconds, got ${p.pauseS}`);
      continue;
    }
    if (!(p.rate > 0)) throw usageError(`a load rate must be > 0 records/s, got ${p.rate}`);
    if (!(p.records >= 0)) throw usageError(`a load phase must have ≥ 0 records, got ${p.records}`);
    if (p.partitions?.some((i) => !inRange(i)))
      throw usageError(
        `load partitions ${p.partitions.join(',')} are not all in 0..${input.partitions - 1}`,
        `the topic has ${input.partitions} partitions (--partitions); name partitions below that`,
      );
  }
  if (input.stalledPartitions?.some((i) => !inRange(i)))
    throw usageError(`stalled partitions ${input.stalledPartitions.join(',')} are not all in 0..${input.partitions - 1}`);
  const loadS = loadEndOf(segmentsOf(input.load));
  if (loadS > MAX_LOAD_SECONDS) {
    throw usageError(
      `--load lasts ${fmtInt(loadS)} virtual seconds (${(loadS / 86_400).toFixed(1)} days); plan simulates at most ${fmtInt(MAX_LOAD_SECONDS)} s (30 days)`,
      'send fewer RECORDS or raise the RATE (RECORDS@RATE lasts RECORDS / RATE seconds), or shorten the pauses',
    );
  }
  const poll = input.settings.pollingInterval;
  const sync = input.hpaSyncSeconds ?? 15;
  if (!(poll > 0)) throw usageError(`pollingInterval must be > 0 seconds, got ${poll}`);
  if (!(sync > 0)) throw usageError(`--hpa-sync-period must be > 0 seconds, got ${sync}`);
  // Every poll and sync is an event; a run that cannot repeat a cycle steps through all of them.
  const horizon = input.maxDurationS ?? loadS + 4 * 3600;
  const ticks = horizon / poll + horizon / sync;
  if (ticks > MAX_TICKS) {
    throw usageError(
      `${fmtInt(horizon)} virtual seconds at pollingInterval ${poll} s and HPA sync ${sync} s are ${fmtInt(ticks)} polls and syncs; plan steps through at most ${fmtInt(MAX_TICKS)}`,
      'use a shorter load or longer pollingInterval / --hpa-sync-period',
    );
  }
}

/** Timeline resolution: 1 s for up to 2000 s of load, then coarser so that ≈ 1000–2000 samples cover it. */
function autoStep(loadEnd: number): number {
  if (loadEnd <= 2000) return 1;
  const raw = loadEnd / 1000;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) ?? 10 * p;
}

/** The state at a KEDA poll, kept to recognise the same state one cycle later. */
interface Anchor {
  t: number;
  steps: number;
  timeline: number;
  edges: { window: number; cooldown: number };
  totals: TopicTotals;
  committed: Array<number | null>;
}

/** The Deployment's pods, as the times they become ready (a pod that existed at t = 0 is ready at −1). */
class Pods {
  private readyAt: number[];
  constructor(n: number) {
    this.readyAt = Array.from({ length: n }, () => -1);
  }
  get count(): number {
    return this.readyAt.length;
  }
  ready(t: number): number {
    let n = 0;
    for (const r of this.readyAt) if (r <= t + EPS) n++;
    return n;
  }
  /** The next time a pod becomes ready, after t. */
  nextReady(t: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const r of this.readyAt) if (r > t + EPS && r < next) next = r;
    return next;
  }
  settled(t: number): boolean {
    return this.nextReady(t) === Number.POSITIVE_INFINITY;
  }
  /** Pending pods: seconds from t until each is ready (sorted), for the cycle signature. */
  pendingAfter(t: number): number[] {
    return this.readyAt
      .filter((r) => r > t + EPS)
      .map((r) => r - t)
      .sort((a, b) => a - b);
  }
  /** Moves the pending pods' ready times by d (a fast-forward). */
  shift(t: number, d: number): void {
    this.readyAt = this.readyAt.map((r) => (r > t + EPS ? r + d : r));
  }
  /** New pods are ready `delay` after t; a scale-down removes the pods that would be ready last. */
  scaleTo(n: number, t: number, delay: number): void {
    if (n > this.readyAt.length) this.readyAt = [...this.readyAt, ...Array.from({ length: n - this.readyAt.length }, () => t + delay)];
    else if (n < this.readyAt.length) this.readyAt = [...this.readyAt].sort((a, b) => b - a).slice(this.readyAt.length - n);
  }
}

/** A periodic tick (KEDA polls, HPA syncs, timeline samples): first + k·period, without drift. */
class Ticks {
  private k = 0;
  constructor(
    private readonly first: number,
    private readonly period: number,
  ) {}
  get next(): number {
    return this.first + this.k * this.period;
  }
  /** The first tick at or after x. */
  atOrAfter(x: number): number {
    return this.first + Math.ceil((x - this.first - EPS) / this.period) * this.period;
  }
  /** Skips `n` periods (a fast-forward). */
  skip(n: number): void {
    this.k += n;
  }
  /** True (and moves on) when the tick is due at t. */
  due(t: number): boolean {
    if (Math.abs(this.next - t) >= EPS) return false;
    this.k++;
    return true;
  }
}

/**
 * One run of the model as an event loop: from event to event (the next KEDA poll, HPA sync, pod ready, load
 * change, drain, timeline sample), the topic moves in one piece; at each event the rules act on what the topic
 * shows. The run ends once nothing moves: the load is over, no pod is pending, and neither the replicas nor the
 * lag changed for the longest rule that could still act (plus a poll and two syncs).
 */
class PlanSimulation {
  private readonly s: ScaledObjectSettings;
  private readonly cfg: EmulatorConfig;
  private readonly topic: TopicModel;
  private readonly topicName: string;
  private readonly pods: Pods;
  private readonly delay: number;
  private readonly polls: Ticks;
  private readonly syncs: Ticks;
  private samples: Ticks;
  private step: number;
  /** The step was chosen here (not by the caller), so a cycle may adjust it (once). */
  private readonly autoStep: boolean;
  private stepFitted = false;
  private readonly maxT: number;
  private readonly quietS: number;
  private st: EmulatorState;
  private t = 0;
  private lastChange = Number.NEGATIVE_INFINITY;
  private truncated = false;
  private readonly timeline: TimelinePoint[] = [];
  private readonly steps: PlanStep[] = [];
  private readonly edges = { window: 0, cooldown: 0 };
  /** Cycle detection: the state's signature at each KEDA poll of the current phase (see cycle()). */
  private readonly anchors = new Map<string, Anchor>();
  private anchorsEnd = Number.NaN;
  private readonly hpaWindow: number;
  private readonly hpaPeriod: number;
  fastForwardedS = 0;

  constructor(
    input: PlanInput,
    private readonly fastForward = true,
  ) {
    const s = input.settings;
    this.s = s;
    this.cfg = emulatorConfig(input);
    const segs = segmentsOf(input.load);
    const loadEnd = loadEndOf(segs);
    const stalled = input.stalledPartitions ?? [];
    this.topic = new TopicModel({
      partitions: input.partitions,
      load: input.load,
      consumerRate: input.consumerRate,
      perPartition: (input.model ?? 'fluid') === 'per-partition' || stalled.length > 0 || segs.some((g) => g.targets !== null),
      stalled,
      committed: input.committedOffsets ?? true,
      resetTo: input.consumerOffsetReset ?? s.offsetResetPolicy,
    });
    this.topicName = s.topic ?? 'topic';
    this.delay = input.podStartDelayS ?? 10;
    this.step = input.stepS ?? autoStep(loadEnd);
    this.autoStep = input.stepS === undefined;
    this.maxT = input.maxDurationS ?? loadEnd + 4 * 3600;
    this.polls = new Ticks(input.firstPollS ?? s.pollingInterval / 2, s.pollingInterval);
    const firstSync = input.firstHpaSyncS ?? 5;
    this.syncs = new Ticks(firstSync, this.cfg.hpaSyncSeconds);
    this.samples = new Ticks(0, this.step);

    // How long nothing may change before the run is over: the longest rule that could still act, plus a poll and two syncs.
    const b = s.behavior ? fillBehavior(s.behavior, this.cfg.defaultDownscaleWindowSeconds) : null;
    const longest = Math.max(
      s.cooldownPeriod,
      s.initialCooldownPeriod,
      b
        ? Math.max(
            b.scaleDown.stabilizationWindowSeconds,
            b.scaleUp.stabilizationWindowSeconds,
            ...b.scaleDown.policies.map((p) => p.periodSeconds),
            ...b.scaleUp.policies.map((p) => p.periodSeconds),
          )
        : this.cfg.defaultDownscaleWindowSeconds,
    );
    this.quietS = longest + s.pollingInterval + 2 * this.cfg.hpaSyncSeconds;
    this.hpaWindow = b ? Math.max(b.scaleUp.stabilizationWindowSeconds, b.scaleDown.stabilizationWindowSeconds) : this.cfg.defaultDownscaleWindowSeconds;
    this.hpaPeriod = b ? Math.max(...b.scaleUp.policies.map((p) => p.periodSeconds), ...b.scaleDown.policies.map((p) => p.periodSeconds)) : 0;

    // Before the load the ScaledObject and its HPA have existed for `age` seconds over an idle topic: the HPA
    // has been storing its proposals on every sync since then (hpaHistory), as on a cluster set up earlier.
    const start = input.startReplicas ?? s.idleReplicaCount ?? s.minReplicaCount;
    const createdAt = -scaledObjectAgeOf(input);
    this.pods = new Pods(start);
    const hpa = hpaHistory(this.cfg, { createdAt, until: 0, replicas: start, gridTick: firstSync });
    this.st = createEmulatorState(createdAt, { hpa });
  }

  run(): PlanRun {
    for (;;) {
      const next = Math.min(this.polls.next, this.syncs.next, this.samples.next, this.pods.nextReady(this.t), this.topic.nextChange(this.pods.ready(this.t)));
      if (next > this.maxT) {
        this.truncated = true;
        break;
      }
      if (this.at(next)) break;
    }
    return this.result();
  }

  /** Everything that happens at time t; true when the run is over. */
  private at(t: number): boolean {
    this.topic.advance(t, this.pods.ready(this.t));
    this.t = t;
    this.startConsuming();
    const before = this.pods.count;
    let changed = false;
    const polled = this.polls.due(t);
    if (polled) changed = this.kedaPoll() || changed;
    if (this.syncs.due(t)) changed = this.hpaSync() || changed;
    this.startConsuming();
    if (changed && this.pods.count !== before) this.lastChange = t;
    const sampleNow = this.samples.due(t);
    if (sampleNow || changed) this.record();
    if (sampleNow && this.settled()) return true;
    if (polled && this.fastForward) this.cycle();
    return false;
  }

  /**
   * Fast-forward over cycles. Within one load phase the inputs do not change, so once the whole state seen
   * from now (topic, pods, KEDA's and the HPA's memory, at the same phase of the poll, sync and sample ticks)
   * repeats, what happens next repeats too: the steps and timeline points of that period are copied as many
   * whole periods as fit before the phase ends, and the state moves on by as many periods. A steady phase is
   * a cycle with no steps; a workload that the replicas outpace cycles 0 → 1 → 0. So a long load costs its
   * distinct events, not its virtual seconds.
   */
  private cycle(): void {
    const t = this.t;
    const phaseEnd = this.topic.segmentEnd();
    if (!Number.isFinite(phaseEnd)) return; // after the load the run settles by itself
    const end = Math.min(phaseEnd, this.maxT);
    if (end !== this.anchorsEnd || this.anchors.size > 20_000) {
      this.anchors.clear();
      this.anchorsEnd = end;
    }
    const key = this.signature();
    const then = this.anchors.get(key);
    if (!then) {
      this.anchors.set(key, {
        t,
        steps: this.steps.length,
        timeline: this.timeline.length,
        edges: { ...this.edges },
        totals: this.topic.totals(),
        committed: this.committedOffsets(),
      });
      return;
    }
    const period = t - then.t;
    const whole = (x: number): boolean => Math.abs(x - Math.round(x)) < 1e-9;
    // Whole seconds keep KEDA's whole-second timestamps in step; whole ticks keep the ticks' phase.
    if (!whole(period) || !whole(period / this.s.pollingInterval) || !whole(period / this.cfg.hpaSyncSeconds)) return;
    if (!whole(period / this.step)) {
      // A cycle shorter than a coarse sample step would repeat only every lcm(cycle, step): sample every whole
      // number of cycles instead (about the same resolution), from the next sample on.
      if (this.autoStep && !this.stepFitted && period < this.step && !whole(this.step / period)) {
        this.stepFitted = true; // once: every later repeat of this cycle then falls on a whole number of steps
        this.step = period * Math.max(1, Math.round(this.step / period));
        this.samples = new Ticks(this.samples.next, this.step);
        this.anchors.clear();
      }
      return;
    }
    const n = Math.floor((end - EPS - t) / period);
    if (n >= 1) this.repeat(then, n, period);
    this.anchors.clear();
  }

  /** What the future depends on, relative to now (times as offsets from now, memories only while they can matter). */
  private signature(): string {
    const t = this.t;
    const q = (x: number): number => Math.round(x * 1e6);
    const { keda, hpa, active, desiredReplicas, memory } = this.st;
    const parts: Array<string | number> = [
      this.topic.signature(),
      'p',
      this.pods.ready(t),
      ...this.pods.pendingAfter(t).map(q),
      's',
      String(active),
      String(desiredReplicas),
    ];
    if (keda.lastActiveTime === null) {
      const since = storedTime(keda.createdAt);
      parts.push(since + this.s.initialCooldownPeriod < t - EPS ? 'c-' : `c${q(since - t)}`);
    } else {
      parts.push(keda.lastActiveTime + this.s.cooldownPeriod < t - EPS ? 'l-' : `l${q(keda.lastActiveTime - t)}`);
    }
    const recent = <T extends { t: number }>(xs: T[], span: number): T[] => xs.filter((x) => x.t >= t - span - EPS).sort((a, b) => a.t - b.t);
    if (hpa.recommendations === null) parts.push('r-');
    else for (const r of recent(hpa.recommendations, this.hpaWindow)) parts.push(`r${q(r.t - t)}:${r.replicas}`);
    for (const e of recent(hpa.scaleUpEvents, this.hpaPeriod)) parts.push(`u${q(e.t - t)}:${e.change}`);
    for (const e of recent(hpa.scaleDownEvents, this.hpaPeriod)) parts.push(`d${q(e.t - t)}:${e.change}`);
    if (this.s.excludePersistentLag) {
      // Commits only grow, so a remembered commit either equals the current one or will never again.
      for (const o of this.topic.offsets(this.topicName)) {
        const m = memory.get(memoryKey(o.topic, o.partition));
        parts.push(m === undefined ? 'm-' : m === o.committedOffset ? 'm=' : 'm<');
      }
    }
    return parts.join(',');
  }

  private committedOffsets(): Array<number | null> {
    return this.topic.offsets(this.topicName).map((o) => o.committedOffset);
  }

  /** Copies the period since `then` n times and moves every clock and memory on by n periods. */
  private repeat(then: Anchor, n: number, period: number): void {
    const d = n * period;
    const t = this.t;
    const steps = this.steps.slice(then.steps);
    const points = this.timeline.slice(then.timeline);
    for (let k = 1; k <= n; k++) {
      for (const x of steps) this.steps.push({ ...x, t: r3(x.t + k * period) });
      for (const p of points) this.timeline.push({ ...p, t: r3(p.t + k * period) });
    }
    this.edges.window += n * (this.edges.window - then.edges.window);
    this.edges.cooldown += n * (this.edges.cooldown - then.edges.cooldown);
    if (this.lastChange > then.t + EPS) this.lastChange += d;
    // Remembered commits move with the commits (whole records per period).
    const before = then.committed;
    const now = this.committedOffsets();
    const memory = new Map(this.st.memory);
    this.topic.offsets(this.topicName).forEach((o, i) => {
      const key = memoryKey(o.topic, o.partition);
      const m = memory.get(key);
      if (m !== undefined && now[i] !== null && before[i] !== null) memory.set(key, m + n * (now[i]! - before[i]!));
    });
    const { keda, hpa } = this.st;
    const later = <T extends { t: number }>(x: T): T => ({ ...x, t: x.t + d });
    this.st = {
      ...this.st,
      keda: { ...keda, lastActiveTime: keda.lastActiveTime === null ? null : keda.lastActiveTime + d },
      hpa: {
        ...hpa,
        recommendations: hpa.recommendations?.map(later) ?? null,
        scaleUpEvents: hpa.scaleUpEvents.map(later),
        scaleDownEvents: hpa.scaleDownEvents.map(later),
      },
      memory,
    };
    this.pods.shift(t, d);
    this.polls.skip(Math.round(d / this.s.pollingInterval));
    this.syncs.skip(Math.round(d / this.cfg.hpaSyncSeconds));
    this.samples.skip(Math.round(d / this.step));
    this.topic.repeat(then.totals, n, period);
    this.t = t + d;
    this.fastForwardedS += d;
  }

  /** A consumer with no committed offset starts once a pod is ready. */
  private startConsuming(): void {
    if (!this.topic.committed && this.pods.ready(this.t) > 0) this.topic.startConsuming();
  }

  private kedaPoll(): boolean {
    const r = emulatorKedaPoll(this.cfg, this.st, this.t, this.pods.count, { offsets: this.topic.offsets(this.topicName) });
    this.st = r.state;
    if (r.edges.includes('cooldown')) this.edges.cooldown++;
    return this.apply(r.setReplicas, 'keda', r.events[0]);
  }

  private hpaSync(): boolean {
    const n = this.pods.count;
    const obs = hpaSyncNeedsObservation(this.cfg, n) ? { offsets: this.topic.offsets(this.topicName) } : null;
    const r = emulatorHpaSync(this.cfg, this.st, this.t, n, n, obs);
    this.st = r.state;
    if (r.edges.includes('window')) this.edges.window++;
    return this.apply(r.setReplicas, 'hpa', r.events[0]);
  }

  private apply(to: number | null, by: 'keda' | 'hpa', note: string | undefined): boolean {
    if (to === null) return false;
    this.steps.push({ t: r3(this.t), from: this.pods.count, to, by, note: note ?? '' });
    this.pods.scaleTo(to, this.t, this.delay);
    return true;
  }

  private record(): void {
    const view = computeKedaView(this.topic.offsets(this.topicName), this.s, this.st.memory);
    const pt: TimelinePoint = {
      t: r3(this.t),
      replicas: this.pods.count,
      desiredReplicas: this.st.desiredReplicas,
      active: this.st.active ?? false,
      // + 1e-6: a lag on a half record rounds the same whatever float noise it carries.
      lag: Math.round(Math.max(0, this.topic.lag()) + 1e-6),
      metric: Math.max(0, view.metric),
    };
    const last = this.timeline[this.timeline.length - 1];
    if (last && last.t === pt.t) this.timeline[this.timeline.length - 1] = pt;
    else this.timeline.push(pt);
  }

  /** At a sample: the load is over, no pod is pending, and neither replicas nor lag moved for quietS. */
  private settled(): boolean {
    const t = this.t;
    const loadEnd = this.topic.loadEnd;
    if (t < loadEnd - EPS || !this.pods.settled(t)) return false;
    // The lag is compared sample to sample: it last changed at the first sample after it became steady.
    const lagChange = this.samples.atOrAfter(this.topic.lagSteadySince);
    return t - Math.max(this.lastChange, lagChange, loadEnd) >= this.quietS;
  }

  private result(): PlanRun {
    const peak = this.timeline.reduce((m, p) => Math.max(m, p.replicas), 0);
    const returns = this.steps.filter((x) => x.to === 0 && x.from > 0);
    const finalLag = Math.max(0, this.topic.lag());
    const drained = this.topic.drainedS;
    return {
      timeline: thin(this.timeline),
      steps: this.steps,
      peak,
      returnToZeroS: returns[0]?.t ?? null,
      returnsToZero: returns.length,
      drainedS: finalLag <= EPS && drained !== null ? r3(drained) : null,
      loadEndS: r3(this.topic.loadEnd),
      endS: r3(this.t),
      finalLag: Math.round(finalLag),
      skippedRecords: Math.round(this.topic.skipped),
      edges: this.edges,
      truncated: this.truncated,
      fastForwardedS: this.fastForwardedS,
    };
  }
}

/** Runs the model once. `fastForward: false` steps through every event (tests compare the two). */
export function simulate(input: PlanInput, opts: { fastForward?: boolean } = {}): PlanRun {
  validate(input);
  return new PlanSimulation(input, opts.fastForward ?? true).run();
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
const sameSteps = (a: PlanRun, b: PlanRun): boolean =>
  a.steps.length === b.steps.length && a.steps.every((x, i) => x.t === b.steps[i]!.t && x.to === b.steps[i]!.to);

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
    hpaBehavior:
      s.behavior === null
        ? 'none (legacy path: 300 s downscale window, at most max(2·C, 4) per sync)'
        : fillBehavior(s.behavior, input.defaultDownscaleWindowSeconds ?? 300),
    boundary: input.boundary ?? 'exclusive',
    cooldownEdge: input.cooldownEdge ?? 'hold',
    timestamps: 'KEDA stores lastActiveTime and creationTimestamp in whole seconds; t = 0 falls on a whole second',
    scaledObjectAgeS: scaledObjectAgeOf(input),
    hpaHistory: 'the HPA reconciled the idle topic on every sync since the ScaledObject was created (proposals of 0 at replicas ≥ its min)',
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
  'cooldown-expires-at-edge':
    'a poll on a whole second exactly one cooldown after lastActiveTime already scales to zero (a real poll runs a few ms after its tick, past the whole-second lastActiveTime)',
  'inclusive-boundary+cooldown-expires-at-edge': 'both knife edges fall the other way',
};

/**
 * The full prediction: primary outcome plus the variants where a knife edge changes the result. A variant is
 * run only when the run it differs from met that kind of edge where it decided something (a run that met no
 * such edge is the same under the other rule), so a long run with no edges costs one simulation.
 */
export function plan(input: PlanInput): PlanDocument {
  const primary = simulate(input);
  const boundary = input.boundary ?? 'exclusive';
  const cooldownEdge = input.cooldownEdge ?? 'hold';
  const otherB: Boundary = boundary === 'exclusive' ? 'inclusive' : 'exclusive';
  const otherC: CooldownEdge = cooldownEdge === 'hold' ? 'expire' : 'hold';
  const flipB = primary.edges.window > 0 ? simulate({ ...input, boundary: otherB }) : primary;
  const flipC = primary.edges.cooldown > 0 ? simulate({ ...input, cooldownEdge: otherC }) : primary;
  let flipBoth: PlanRun;
  if (flipC !== primary && flipC.edges.window === 0) flipBoth = flipC;
  else if (flipB !== primary && flipB.edges.cooldown === 0) flipBoth = flipB;
  else if (flipB === primary && flipC === primary) flipBoth = primary;
  else flipBoth = simulate({ ...input, boundary: otherB, cooldownEdge: otherC });
  const combos: Array<{ b: Boundary; c: CooldownEdge; run: PlanRun }> = [
    { b: otherB, c: cooldownEdge, run: flipB },
    { b: boundary, c: otherC, run: flipC },
    { b: otherB, c: otherC, run: flipBoth },
  ];
  const variants: PlanVariant[] = [];
  const seen: PlanRun[] = [primary];
  for (const { b, c, run } of combos) {
    if (seen.some((r) => r === run || sameSteps(r, run))) continue;
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
    returnsToZero: primary.returnsToZero,
    drainedS: primary.drainedS,
    loadEndS: primary.loadEndS,
    steps: primary.steps,
    timeline: primary.timeline,
    variants,
    warnings: warningsOf(input, primary),
  };
}
