/**
 * The KEDA + HPA emulator: a deterministic state machine built from the pure rules (kedaLoop.ts, hpa.ts,
 * kedaLag.ts), and the real-time EmulatorDriver that LocalTarget runs (docs/design.md §8.5).
 *
 * KEDA polls every pollingInterval; the HPA (minReplicas = max(1, minReplicaCount)) syncs every
 * hpaSyncSeconds and acts only when replicas ≥ 1. Both read lag from observations of the broker
 * (PartitionOffsets[]), never from their own decisions; the persistent-lag memory is shared by both paths, as
 * KEDA's scaler instance is, and dropped after a read error (the scaler is rebuilt).
 */
import { computeKedaView, type KedaView, type PartitionOffsets } from './kedaLag.js';
import { fillBehavior, hpaNeedsMetric, hpaReconcile, initialHpaState, type Boundary, type HpaConfig, type HpaState } from './hpa.js';
import { initialKedaState, kedaPoll, type CooldownEdge, type KedaAction, type KedaState } from './kedaLoop.js';
import type { ScaledObjectSettings } from './settings.js';
import { fallbackRead, pollLoopUsesFallback } from './fallback.js';

export interface EmulatorConfig {
  settings: ScaledObjectSettings;
  /** HPA sync period (15 s, divided by --fast). */
  hpaSyncSeconds: number;
  /** HPA tolerance (0.1). */
  tolerance: number;
  /** The controller's default downscale stabilization window (300 s, divided by --fast). */
  defaultDownscaleWindowSeconds: number;
  boundary: Boundary;
  /** autoscaling.keda.sh/paused-replicas: KEDA holds this count and there is no HPA. */
  pausedReplicas?: number | null;
  /** A poll exactly one cooldown after lastActiveTime: 'hold' (default, KEDA's strict test) or 'expire'. */
  cooldownEdge?: CooldownEdge;
  /** Seconds from start() to the first HPA sync (driver only; default hpaSyncSeconds / 3). */
  hpaFirstSyncSeconds?: number;
  /**
   * How long the ScaledObject (and the HPA KEDA made for it) existed before start() (driver) or the load
   * (plan), reconciling an idle topic all along. null/undefined = long enough to fill every window
   * (defaultScaledObjectAgeSeconds); 0 = created at that moment.
   */
  scaledObjectAgeSeconds?: number | null;
  /** Precision of the times KEDA stores, in seconds of this clock (default 1; 1/F under --fast=F). */
  timestampPrecision?: number;
}

/** What one read of the broker gave: offsets, or the error that made the read fail. */
export type Observation = { offsets: PartitionOffsets[] } | { error: string };

export interface EmulatorState {
  keda: KedaState;
  hpa: HpaState;
  /** Persistent-lag memory of the (one) scaler instance. */
  memory: Map<string, number>;
  /** KEDA's activity at the last poll (null before the first poll). */
  active: boolean | null;
  /** The metric of the last successful read (either path), null before any. */
  metric: number | null;
  /** The HPA's status.desiredReplicas (null before its first reconcile). */
  desiredReplicas: number | null;
  lastError: string | null;
  /** status.health numberOfFailures of the trigger's metric (fallback.ts); 0 without a fallback. */
  fallbackFailures?: number;
}

export function hpaConfigFor(cfg: EmulatorConfig): HpaConfig {
  return {
    minReplicas: Math.max(1, cfg.settings.minReplicaCount),
    maxReplicas: cfg.settings.maxReplicaCount,
    targetAverageValue: cfg.settings.lagThreshold,
    behavior: cfg.settings.behavior,
    tolerance: cfg.tolerance,
    defaultDownscaleWindowSeconds: cfg.defaultDownscaleWindowSeconds,
    boundary: cfg.boundary,
  };
}

/**
 * A fresh emulator. `createdAt` is the ScaledObject's creation time. `hpa` is the HPA's memory so far (see
 * hpaHistory); `hpaInitialRecommendation` seeds it as if it had reconciled once (its initial proposal). Leave
 * both out and the first sync stores the initial proposal.
 */
export function createEmulatorState(
  createdAt: number,
  opts: { hpa?: HpaState; hpaInitialRecommendation?: { replicas: number; t: number } } = {},
): EmulatorState {
  const hpa = opts.hpa ? { ...opts.hpa, desiredReplicas: null } : initialHpaState();
  if (opts.hpaInitialRecommendation) hpa.recommendations = [{ ...opts.hpaInitialRecommendation }];
  return { keda: initialKedaState(createdAt), hpa, memory: new Map(), active: null, metric: null, desiredReplicas: null, lastError: null };
}

/** The longest time anything the HPA or KEDA remembers can still matter: windows, policy periods, (initial) cooldown. */
function memorySpanSeconds(cfg: EmulatorConfig): number {
  const s = cfg.settings;
  const b = s.behavior ? fillBehavior(s.behavior, cfg.defaultDownscaleWindowSeconds) : null;
  const hpa = b
    ? Math.max(
        b.scaleUp.stabilizationWindowSeconds,
        b.scaleDown.stabilizationWindowSeconds,
        ...b.scaleUp.policies.map((p) => p.periodSeconds),
        ...b.scaleDown.policies.map((p) => p.periodSeconds),
      )
    : cfg.defaultDownscaleWindowSeconds;
  return Math.max(hpa, s.cooldownPeriod, s.initialCooldownPeriod);
}

/**
 * The default age of the ScaledObject before the load: long enough that every stabilization window and policy
 * period is full of reconciles and the initial cooldown is over — the state of an HPA that has run since setup.
 */
export function defaultScaledObjectAgeSeconds(cfg: EmulatorConfig): number {
  return memorySpanSeconds(cfg) + 2 * cfg.hpaSyncSeconds + cfg.settings.pollingInterval;
}

/**
 * The HPA's memory at `until` after reconciling an idle topic (metric 0) at `replicas` since the ScaledObject
 * was created at `createdAt`: the first reconcile at creation (KEDA creates the HPA with the ScaledObject and
 * the controller reconciles a new HPA at once; it stores the initial recommendation), then one on every tick
 * of the sync grid (`gridTick` + k·hpaSyncSeconds) before `until`. Each reconcile stores its proposal the way
 * hpaReconcile does — at replicas ≥ the HPA's min a proposal of 0 (lag 0), at 0 replicas nothing
 * (ScalingDisabled). The replica count is held at `replicas` (a history, not a simulation: its scale writes and
 * status are dropped). Only the part that can still matter at `until` is replayed, so the cost is bounded by
 * the longest window, not by the age.
 */
export function hpaHistory(cfg: EmulatorConfig, o: { createdAt: number; until: number; replicas: number; gridTick: number }): HpaState {
  const hpaCfg = hpaConfigFor(cfg);
  const sync = cfg.hpaSyncSeconds;
  const from = o.until - memorySpanSeconds(cfg) - 2 * sync;
  let st = initialHpaState();
  const reconcile = (t: number): void => {
    const needs = hpaNeedsMetric(hpaCfg, o.replicas);
    st = hpaReconcile(hpaCfg, st, { now: t, specReplicas: o.replicas, statusReplicas: o.replicas, metric: needs ? 0 : null }).state;
  };
  let first: number;
  if (o.createdAt >= from) {
    if (o.createdAt > o.until) return st;
    reconcile(o.createdAt);
    first = o.createdAt;
  } else {
    st = { ...st, recommendations: [] }; // created long ago: its initial recommendation is out of every window
    first = from;
  }
  const k0 = Math.floor((first - o.gridTick) / sync) + 1; // ticks strictly after `first` (creation reconciled already)
  for (let k = k0; ; k++) {
    const t = o.gridTick + k * sync;
    if (t >= o.until - 1e-9) break;
    if (t > first + 1e-9) reconcile(t);
  }
  return { ...st, scaleUpEvents: [], scaleDownEvents: [], desiredReplicas: null };
}

const isError = (o: Observation): o is { error: string } => 'error' in o;

/**
 * The metric KEDA sends: computeKedaView already applies settings.kedaVersion's rule for a negative total (a commit
 * read after the log end gives e − c < 0): sent as 0 from KEDA 2.20.2, passed on as it is before.
 */
const metricOf = (v: KedaView): number => v.metric;

export interface StepResult {
  state: EmulatorState;
  /** The replica count to write, or null. */
  setReplicas: number | null;
  view: KedaView | null;
  /** Log lines. */
  events: string[];
  /** A knife edge was hit: 'window' (HPA) or 'cooldown' (KEDA). */
  edges: Array<'window' | 'cooldown'>;
  action?: KedaAction;
}

/** One KEDA poll at `now` with the current spec replicas and the observation read for it. */
export function emulatorKedaPoll(cfg: EmulatorConfig, state: EmulatorState, now: number, replicas: number, obs: Observation): StepResult {
  let memory = state.memory;
  let view: KedaView | null = null;
  let active = false;
  let error: string | null = null;
  // From v2.19 the loop reads through the fallback: once it answers for a failed read, the trigger is active.
  const fb = pollLoopUsesFallback(cfg.settings) ? fallbackRead(cfg.settings, state.fallbackFailures ?? 0, isError(obs)) : null;
  if (isError(obs)) {
    error = fb?.metric != null ? null : obs.error;
    active = fb?.metric != null;
    memory = new Map(); // the scaler cache is cleared: persistent-lag memory is lost
  } else {
    view = computeKedaView(obs.offsets, cfg.settings, memory);
    memory = view.memory;
    active = view.active;
  }
  const r = kedaPoll(cfg.settings, state.keda, {
    now,
    replicas,
    active,
    isError: error !== null,
    pausedReplicas: cfg.pausedReplicas ?? null,
    cooldownEdge: cfg.cooldownEdge ?? 'hold',
    timestampPrecision: cfg.timestampPrecision ?? 1,
  });
  const events: string[] = [];
  if (r.scaleTo !== null || error !== null || r.action === 'scale-to-idle') events.push(r.message + (error ? ` (${error})` : ''));
  const fallbackMetric = fb?.metric ?? null;
  if (fallbackMetric !== null) events.push(`KEDA: scaler error answered by fallback (${cfg.settings.fallback!.replicas} replicas): metric ${fallbackMetric}`);
  return {
    state: {
      ...state,
      keda: r.state,
      memory,
      active: error !== null ? state.active : active,
      metric: view ? metricOf(view) : (fallbackMetric ?? state.metric),
      lastError: error ?? (fallbackMetric !== null && isError(obs) ? `${obs.error} (fallback)` : null),
      ...(fb ? { fallbackFailures: fb.failures } : {}),
    },
    setReplicas: r.scaleTo,
    view,
    events,
    edges: r.cooldownEdge ? ['cooldown'] : [],
    action: r.action,
  };
}

/** Whether the HPA sync at this replica count reads the metric (it does not when paused or at 0). */
export function hpaSyncNeedsObservation(cfg: EmulatorConfig, replicas: number): boolean {
  if (cfg.pausedReplicas !== undefined && cfg.pausedReplicas !== null) return false;
  return hpaNeedsMetric(hpaConfigFor(cfg), replicas);
}

/**
 * One HPA sync. `obs` is required when hpaSyncNeedsObservation() says so (a live read, like the HPA's
 * external-metrics call that KEDA answers by querying the scaler); otherwise pass null.
 */
export function emulatorHpaSync(
  cfg: EmulatorConfig,
  state: EmulatorState,
  now: number,
  specReplicas: number,
  statusReplicas: number,
  obs: Observation | null,
): StepResult {
  if (cfg.pausedReplicas !== undefined && cfg.pausedReplicas !== null) {
    return { state, setReplicas: null, view: null, events: [], edges: [] };
  }
  let memory = state.memory;
  let view: KedaView | null = null;
  let metric: number | null = null;
  let error: string | null = state.lastError;
  let fallbackFailures = state.fallbackFailures;
  if (obs !== null) {
    // The HPA's metric request reads through the fallback in every release (GetScaledObjectMetrics).
    const fb = fallbackRead(cfg.settings, state.fallbackFailures ?? 0, isError(obs));
    if (cfg.settings.fallback) fallbackFailures = fb.failures;
    if (isError(obs)) {
      error = fb.metric !== null ? `${obs.error} (fallback: metric ${fb.metric})` : obs.error;
      metric = fb.metric;
      memory = new Map();
    } else {
      view = computeKedaView(obs.offsets, cfg.settings, memory);
      memory = view.memory;
      metric = metricOf(view);
      error = null;
    }
  }
  const r = hpaReconcile(hpaConfigFor(cfg), state.hpa, { now, specReplicas, statusReplicas, metric });
  return {
    state: {
      ...state,
      hpa: r.state,
      memory,
      metric: view || metric !== null ? metric : state.metric,
      desiredReplicas: r.desiredReplicas,
      lastError: error,
      ...(fallbackFailures !== undefined ? { fallbackFailures } : {}),
    },
    setReplicas: r.rescale ? r.desiredReplicas : null,
    view,
    events: r.events,
    edges: r.edge ? ['window'] : [],
  };
}

// ───────────────────────────────────────── real-time driver ─────────────────────────────────────────

export interface EmulatorIO {
  /** Reads the group's committed offsets and the log-end offsets from the broker. */
  readOffsets(): Promise<PartitionOffsets[]>;
  /** Applies a replica count (starts or stops consumer processes). */
  setReplicas(n: number): Promise<void>;
  /** The current spec replica count. */
  getReplicas(): number;
  /** Pods that exist (status.replicas); defaults to getReplicas(). */
  getStatusReplicas?(): number;
  /** Clock in milliseconds (default Date.now). */
  now?(): number;
  /** Log lines (decisions, errors). */
  log?(line: string): void;
}

export interface EmulatorSnapshot {
  replicas: number;
  desiredReplicas: number | null;
  active: boolean | null;
  metric: number | null;
  lastError: string | null;
}

/**
 * Runs the state machine on timers: a KEDA poll at start() and every pollingInterval after (no drift), an HPA
 * sync hpaFirstSyncSeconds after start() and every hpaSyncSeconds after. Work is serialized (one read or
 * write at a time); a tick that comes due while the previous one of its kind is still queued is skipped.
 */
export class EmulatorDriver {
  private state: EmulatorState;
  private readonly clock: () => number;
  private timers: NodeJS.Timeout[] = [];
  private chain: Promise<void> = Promise.resolve();
  private running = false;
  private pending = { keda: false, hpa: false };
  private t0 = 0;

  constructor(
    private readonly cfg: EmulatorConfig,
    private readonly io: EmulatorIO,
  ) {
    this.clock = io.now ? () => io.now!() : () => Date.now();
    this.state = createEmulatorState(this.clock() / 1000);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = this.clock();
    const pollMs = this.cfg.settings.pollingInterval * 1000;
    const syncMs = this.cfg.hpaSyncSeconds * 1000;
    const firstSyncMs = (this.cfg.hpaFirstSyncSeconds ?? this.cfg.hpaSyncSeconds / 3) * 1000;
    // The ScaledObject (and its HPA) existed scaledObjectAgeSeconds before start(), reconciling on the same
    // sync grid as the ticks below, as plan assumes before its load. Age 0: the HPA's first reconcile at
    // start() stores the current count as its initial recommendation, so a scale-up within the up window is
    // held as on a freshly created ScaledObject.
    const start = this.t0 / 1000;
    const age = this.cfg.scaledObjectAgeSeconds ?? defaultScaledObjectAgeSeconds(this.cfg);
    const hpa = hpaHistory(this.cfg, { createdAt: start - age, until: start, replicas: this.io.getReplicas(), gridTick: start + firstSyncMs / 1000 });
    this.state = createEmulatorState(start - age, { hpa });
    this.schedule('keda', 0, pollMs);
    this.schedule('hpa', firstSyncMs, syncMs);
  }

  /** Stops the timers and waits for the work in flight. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.chain;
  }

  snapshot(): EmulatorSnapshot {
    return {
      replicas: this.io.getReplicas(),
      desiredReplicas: this.state.desiredReplicas,
      active: this.state.active,
      metric: this.state.metric,
      lastError: this.state.lastError,
    };
  }

  private schedule(kind: 'keda' | 'hpa', offsetMs: number, periodMs: number): void {
    let k = 0;
    const arm = (): void => {
      if (!this.running) return;
      const due = this.t0 + offsetMs + k * periodMs;
      const delay = Math.max(0, due - this.clock());
      const timer = setTimeout(() => {
        this.timers = this.timers.filter((t) => t !== timer);
        if (!this.running) return;
        k++;
        if (!this.pending[kind]) {
          this.pending[kind] = true;
          this.chain = this.chain.then(() => this.tick(kind, due)).finally(() => (this.pending[kind] = false));
        }
        arm();
      }, delay);
      timer.unref?.();
      this.timers.push(timer);
    };
    arm();
  }

  private async read(): Promise<Observation> {
    try {
      return { offsets: await this.io.readOffsets() };
    } catch (err) {
      return { error: (err as Error)?.message ?? String(err) };
    }
  }

  /**
   * One tick. The rules see the tick's scheduled time, not the moment its read returned: the intervals
   * between ticks are then exact, and a sample exactly one window (or one cooldown) old is decided by
   * `boundary` / `cooldownEdge` as in `plan`, not by timer jitter.
   */
  private async tick(kind: 'keda' | 'hpa', dueMs: number): Promise<void> {
    if (!this.running) return;
    try {
      const replicas = this.io.getReplicas();
      let r: StepResult;
      if (kind === 'keda') {
        const obs = await this.read();
        if (!this.running) return;
        r = emulatorKedaPoll(this.cfg, this.state, dueMs / 1000, replicas, obs);
      } else {
        const obs = hpaSyncNeedsObservation(this.cfg, replicas) ? await this.read() : null;
        if (!this.running) return;
        const status = this.io.getStatusReplicas ? this.io.getStatusReplicas() : replicas;
        r = emulatorHpaSync(this.cfg, this.state, dueMs / 1000, replicas, status, obs);
      }
      this.state = r.state;
      for (const e of r.events) this.io.log?.(e);
      if (r.setReplicas !== null && this.running) {
        try {
          await this.io.setReplicas(r.setReplicas);
        } catch (err) {
          this.state = { ...this.state, lastError: `setReplicas(${r.setReplicas}) failed: ${(err as Error)?.message ?? String(err)}` };
          this.io.log?.(this.state.lastError!);
        }
      }
    } catch (err) {
      this.state = { ...this.state, lastError: (err as Error)?.message ?? String(err) };
      this.io.log?.(`emulator: ${this.state.lastError}`);
    }
  }
}
