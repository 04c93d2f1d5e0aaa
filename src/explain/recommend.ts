/**
 * `cma-demo recommend`, pure: searches lagThreshold, maxReplicaCount (= partitions) and the HPA's scale-up policy
 * with plan's model (scaling/plan.ts) for the settings that drain the backlog within the goal at the fewest
 * replica-seconds, and renders the best one as a whole ScaledObject that `plan --scaledobject` replays.
 *
 * Why partitions = maxReplicaCount: in plan's model a replica beyond the partition count has nothing to read, and a
 * partition beyond maxReplicaCount only raises the cap on the metric above what maxReplicaCount allows anyway; so
 * for a given maxReplicaCount the fewest partitions that let every replica work is the same number.
 *
 * The search: for each lagThreshold and scale-up policy, the smallest maxReplicaCount that meets the goal (binary
 * search; more replicas never drain later in the model) and the two above it; then the cheapest candidates are
 * replayed with `plan` itself, knife-edge variants included, and kept only when every variant meets the goal too.
 */
import { usageError, type Warning } from '../errors.js';
import { plan, simulate, type LoadPhase, type PlanInput, type PlanRun } from '../scaling/plan.js';
import { PARTITIONS_ANNOTATION, type HpaRules, type ScaledObjectSettings } from '../scaling/settings.js';
import { DEFAULT_KEDA_VERSION } from '../scaling/kedaVersion.js';

export interface RecommendInput {
  /** The settings kept as they are (pollingInterval, cooldownPeriod, activation, scale-down behaviour, …). */
  base: ScaledObjectSettings;
  load: LoadPhase[];
  /** Records/s one replica processes. */
  consumerRate: number;
  /** The backlog must be drained this many seconds after the load's end. */
  drainWithinS: number;
  /** At most this many replicas (and partitions). */
  maxReplicas?: number | null;
  /** plan's pod start delay (default 10, as plan). */
  podStartDelayS?: number;
  /** lagThreshold values to try (default 100 … 10000 and the base's). */
  lagThresholds?: number[];
  /** How many candidates to return (default 3). */
  top?: number;
}

export interface ScaleUpOption {
  name: string;
  rules: HpaRules;
}

export interface Candidate {
  partitions: number;
  maxReplicaCount: number;
  lagThreshold: number;
  scaleUp: ScaleUpOption;
  settings: ScaledObjectSettings;
  peak: number;
  loadEndS: number;
  drainedS: number | null;
  /** drainedS − loadEndS. */
  drainDelayS: number | null;
  returnToZeroS: number | null;
  /** ∫ replicas dt over the prediction. */
  replicaSeconds: number;
  steps: Array<{ t: number; replicas: number }>;
  /** Every knife-edge variant of plan meets the goal too. */
  robust: boolean;
}

export interface RecommendDocument {
  goal: { load: LoadPhase[]; consumerRate: number; drainWithinS: number; maxReplicas: number | null };
  /** The KEDA release plan's model followed. */
  versions: { kedaModel: string };
  loadText: string;
  /** The assumptions shared with `plan` (pod start delay, committed offsets, fluid model). */
  assumptions: { podStartDelayS: number; model: string; committedOffsets: boolean; keptSettings: string };
  searched: number;
  meeting: number;
  candidates: Candidate[];
  best: Candidate | null;
  /** When nothing meets the goal: the nearest miss in words. */
  closest: string | null;
  /** The plan flags (after --scaledobject and --partitions) that replay the prediction. */
  replayFlags: string;
  warnings: Warning[];
}

const fmt = (n: number): string => n.toLocaleString('en-US');

export function loadText(load: LoadPhase[]): string {
  return load.map((p) => ('pauseS' in p ? `pause ${p.pauseS} s` : `${fmt(p.records)} records at ${fmt(p.rate)}/s`)).join(', then ');
}

const loadFlag = (load: LoadPhase[]): string =>
  load.map((p) => `--load ${'pauseS' in p ? `${p.pauseS}s` : `${p.records}@${p.rate}${p.partitions?.length ? `:${p.partitions.join(',')}` : ''}`}`).join(' ');

/** The scale-up behaviours tried: the base's own, doubling every 15 s, and everything at once. */
export function scaleUpOptions(base: ScaledObjectSettings, max: number): ScaleUpOption[] {
  const own = base.behavior?.scaleUp;
  const name = (r: HpaRules): string =>
    `${(r.policies ?? []).map((p) => `${p.type} ${p.value}/${p.periodSeconds}s`).join('+') || 'default'}, window ${r.stabilizationWindowSeconds ?? 0}s`;
  const opts: ScaleUpOption[] = [];
  if (own) opts.push({ name: name(own), rules: own });
  const doubling: HpaRules = { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
  const allAtOnce: HpaRules = { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: max, periodSeconds: 15 }] };
  for (const r of [doubling, allAtOnce]) if (!opts.some((o) => o.name === name(r))) opts.push({ name: name(r), rules: r });
  return opts;
}

function replicaSeconds(run: PlanRun, start: number): number {
  let t = 0;
  let r = start;
  let sum = 0;
  for (const st of run.steps) {
    sum += r * (st.t - t);
    t = st.t;
    r = st.to;
  }
  sum += r * Math.max(0, run.endS - t);
  return Math.round(sum);
}

const meets = (drainedS: number | null, loadEndS: number, goal: number): boolean => drainedS !== null && drainedS - loadEndS <= goal + 1e-6;

/** Searches the settings; pure and deterministic. */
export function recommend(input: RecommendInput): RecommendDocument {
  const { base, load, consumerRate: R, drainWithinS } = input;
  if (!(R > 0)) throw usageError(`--consumer-rate must be > 0 records/s per replica, got ${R}`, 'e.g. --consumer-rate 2000');
  if (!(drainWithinS > 0)) throw usageError(`--drain-within must be > 0 seconds, got ${drainWithinS}`, 'e.g. --drain-within 120s');
  const records = load.reduce((a, p) => a + ('records' in p ? p.records : 0), 0);
  if (records <= 0) throw usageError('the load has no records', 'give a load with records, e.g. --load 1000000@10000');
  const peakRate = load.reduce((m, p) => Math.max(m, 'rate' in p && Number.isFinite(p.rate) ? p.rate : 0), 0);
  const needed = Math.max(1, Math.ceil(peakRate / R));
  const cap = input.maxReplicas ?? Math.min(100, Math.max(3 * needed, 10));
  if (!Number.isInteger(cap) || cap < 1) throw usageError(`--max-replicas must be a whole number ≥ 1, got ${input.maxReplicas}`);
  const podStartDelayS = input.podStartDelayS ?? 10;
  const thresholds = [...new Set(input.lagThresholds ?? [100, 200, 500, 1000, 2000, 5000, 10000, base.lagThreshold])].sort((a, b) => a - b);

  const settingsFor = (M: number, T: number, up: ScaleUpOption): ScaledObjectSettings => ({
    ...base,
    lagThreshold: T,
    maxReplicaCount: M,
    minReplicaCount: Math.min(base.minReplicaCount, M),
    allowIdleConsumers: false,
    limitToPartitionsWithLag: false,
    behavior: { ...(base.behavior ?? {}), scaleUp: up.rules },
  });
  const inputFor = (settings: ScaledObjectSettings, M: number, stepS?: number): PlanInput => ({
    settings,
    partitions: M,
    load,
    consumerRate: R,
    podStartDelayS,
    ...(stepS ? { stepS } : {}),
  });
  const start = base.idleReplicaCount ?? base.minReplicaCount;

  let searched = 0;
  const seen = new Map<string, Candidate>();
  const evaluate = (M: number, T: number, up: ScaleUpOption): Candidate => {
    const k = `${M}/${T}/${up.name}`;
    const hit = seen.get(k);
    if (hit) return hit;
    searched++;
    const settings = settingsFor(M, T, up);
    // A coarse timeline is enough to rank: the drain time comes from the model's events, not from the samples.
    const run = simulate(inputFor(settings, M, 5));
    const c: Candidate = {
      partitions: M,
      maxReplicaCount: M,
      lagThreshold: T,
      scaleUp: up,
      settings,
      peak: run.peak,
      loadEndS: run.loadEndS,
      drainedS: run.drainedS,
      drainDelayS: run.drainedS === null ? null : Math.round((run.drainedS - run.loadEndS) * 1000) / 1000,
      returnToZeroS: run.returnToZeroS,
      replicaSeconds: replicaSeconds(run, start),
      steps: run.steps.map((s) => ({ t: s.t, replicas: s.to })),
      robust: false,
    };
    seen.set(k, c);
    return c;
  };

  const pool: Candidate[] = [];
  for (const T of thresholds) {
    for (const up of scaleUpOptions(base, cap)) {
      // Smallest M in [1, cap] that meets the goal.
      if (!meets(evaluate(cap, T, up).drainedS, evaluate(cap, T, up).loadEndS, drainWithinS)) continue;
      let lo = 1;
      let hi = cap;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const c = evaluate(mid, T, up);
        if (meets(c.drainedS, c.loadEndS, drainWithinS)) hi = mid;
        else lo = mid + 1;
      }
      for (const M of [lo, lo + 1, lo + 2]) {
        if (M > cap) break;
        const c = evaluate(M, T, up);
        if (meets(c.drainedS, c.loadEndS, drainWithinS)) pool.push(c);
      }
    }
  }
  // Cheapest first; among equals the fewest partitions, then the base's own scale-up policy and the lagThreshold
  // nearest the base's (the smallest change to what the user has).
  const options = scaleUpOptions(base, cap).map((o) => o.name);
  const distance = (T: number): number => Math.abs(Math.log(T / base.lagThreshold));
  const byCost = (a: Candidate, b: Candidate): number =>
    a.replicaSeconds - b.replicaSeconds ||
    a.peak - b.peak ||
    a.partitions - b.partitions ||
    (a.drainDelayS ?? 0) - (b.drainDelayS ?? 0) ||
    options.indexOf(a.scaleUp.name) - options.indexOf(b.scaleUp.name) ||
    distance(a.lagThreshold) - distance(b.lagThreshold);
  // One candidate per predicted timeline: settings that behave the same are one choice, not three.
  const byTimeline = new Map<string, Candidate>();
  for (const c of [...new Set(pool)].sort(byCost)) {
    const k = `${c.partitions}|${JSON.stringify(c.steps)}`;
    if (!byTimeline.has(k)) byTimeline.set(k, c);
  }
  const ranked = [...byTimeline.values()];

  // Replay the cheapest with plan itself (full resolution, every knife-edge variant).
  const top = input.top ?? 3;
  const chosen: Candidate[] = [];
  const fallback: Candidate[] = [];
  for (const c of ranked.slice(0, 12)) {
    const doc = plan(inputFor(c.settings, c.partitions));
    const ok = meets(doc.drainedS, doc.loadEndS, drainWithinS);
    const robust = ok && doc.variants.every((v) => meets(v.drainedS, doc.loadEndS, drainWithinS));
    const replayed: Candidate = {
      ...c,
      drainedS: doc.drainedS,
      drainDelayS: doc.drainedS === null ? null : Math.round((doc.drainedS - doc.loadEndS) * 1000) / 1000,
      peak: doc.peak,
      returnToZeroS: doc.returnToZeroS,
      steps: doc.steps.map((s) => ({ t: s.t, replicas: s.to })),
      robust,
    };
    if (robust) chosen.push(replayed);
    else if (ok) fallback.push(replayed);
    if (chosen.length >= top) break;
  }
  const candidates = (chosen.length ? chosen : fallback).slice(0, top);
  const warnings: Warning[] = [];
  if (!chosen.length && fallback.length) {
    warnings.push({
      code: 'GOAL_ON_A_KNIFE_EDGE',
      message: 'the candidates meet the goal only when every window boundary and cooldown edge falls the favourable way (plan lists the variants)',
    });
  }
  let closest: string | null = null;
  if (!candidates.length) {
    const all = [...seen.values()].filter((c) => c.drainDelayS !== null).sort((a, b) => a.drainDelayS! - b.drainDelayS!);
    const c = all[0];
    closest = c
      ? `maxReplicaCount ${c.maxReplicaCount} (= partitions), lagThreshold ${c.lagThreshold}, scale-up ${c.scaleUp.name}: drained ${c.drainDelayS} s after the load`
      : 'no combination drains the backlog at all';
    warnings.push({
      code: 'GOAL_UNREACHABLE',
      message: `no combination within ${cap} replicas drains within ${drainWithinS} s of the load's end (${closest}); raise --max-replicas, --drain-within or the consumer rate`,
    });
  }
  return {
    goal: { load, consumerRate: R, drainWithinS, maxReplicas: input.maxReplicas ?? null },
    versions: { kedaModel: base.kedaVersion },
    loadText: loadText(load),
    assumptions: {
      podStartDelayS,
      model: "plan's fluid model: partitions share load and consumption evenly, one consumer per partition at most, commits are instant",
      committedOffsets: true,
      keptSettings: `pollingInterval ${base.pollingInterval} s, cooldownPeriod ${base.cooldownPeriod} s, minReplicaCount ${base.minReplicaCount}, activationLagThreshold ${base.activationLagThreshold}, offsetResetPolicy ${base.offsetResetPolicy}, the scale-down behaviour`,
    },
    searched,
    meeting: ranked.length,
    candidates,
    best: candidates[0] ?? null,
    closest,
    replayFlags: `${loadFlag(load)} --consumer-rate ${R}${podStartDelayS !== 10 ? ` --pod-start-delay ${podStartDelayS}` : ''}${base.kedaVersion !== DEFAULT_KEDA_VERSION ? ` --keda-version ${base.kedaVersion}` : ''}`,
    warnings,
  };
}

export interface RecommendedObjectContext {
  name: string;
  namespace?: string;
  topic: string;
  group: string;
  bootstrapServers: string;
  /** Extra trigger metadata kept from a base ScaledObject (sasl, tls). */
  triggerExtras?: Record<string, string>;
  authenticationRef?: string | null;
  scaleTargetName: string;
  goal: RecommendDocument['goal'];
  /** RecommendDocument.replayFlags. */
  replayFlags: string;
}

/** The candidate as a whole ScaledObject (every field written out, so KEDA's defaults cannot differ from the prediction). */
export function recommendedScaledObject(c: Candidate, ctx: RecommendedObjectContext): Record<string, unknown> {
  const s = c.settings;
  const g = ctx.goal;
  const trigger: Record<string, unknown> = {
    type: 'kafka',
    ...(ctx.authenticationRef ? { authenticationRef: { name: ctx.authenticationRef } } : {}),
    metadata: {
      bootstrapServers: ctx.bootstrapServers,
      ...(ctx.triggerExtras ?? {}),
      topic: ctx.topic,
      consumerGroup: ctx.group,
      lagThreshold: String(s.lagThreshold),
      activationLagThreshold: String(s.activationLagThreshold),
      offsetResetPolicy: s.offsetResetPolicy,
      ...(s.scaleToZeroOnInvalidOffset ? { scaleToZeroOnInvalidOffset: 'true' } : {}),
      ...(s.excludePersistentLag ? { excludePersistentLag: 'true' } : {}),
      ...(s.ensureEvenDistributionOfPartitions ? { ensureEvenDistributionOfPartitions: 'true' } : {}),
    },
  };
  const spec: Record<string, unknown> = {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: ctx.scaleTargetName },
    pollingInterval: s.pollingInterval,
    cooldownPeriod: s.cooldownPeriod,
    ...(s.initialCooldownPeriod ? { initialCooldownPeriod: s.initialCooldownPeriod } : {}),
    minReplicaCount: s.minReplicaCount,
    maxReplicaCount: s.maxReplicaCount,
    ...(s.idleReplicaCount !== null ? { idleReplicaCount: s.idleReplicaCount } : {}),
    ...(s.fallback ? { fallback: s.fallback } : {}),
    advanced: { horizontalPodAutoscalerConfig: { behavior: s.behavior } },
    triggers: [trigger],
  };
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: ctx.name,
      ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
      annotations: {
        [PARTITIONS_ANNOTATION]: String(c.partitions),
        'cma-demo/recommended-for': `load ${loadText(g.load)}; ${g.consumerRate} records/s per replica; drain within ${g.drainWithinS} s of the load's end`,
        'cma-demo/prediction': `peak ${c.peak} replicas; drained ${c.drainDelayS} s after the load; ${c.replicaSeconds} replica-seconds (cma-demo plan --scaledobject FILE --partitions ${c.partitions} ${ctx.replayFlags})`,
      },
    },
    spec,
  };
}
