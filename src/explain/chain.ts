/**
 * The decision chain of `cma-demo explain`, pure: from one read of the offsets (and, when there is one, an earlier
 * read) to the replica count, step by step, each step with the number it produced and the setting that decided it
 * (docs/design.md §8.1–§8.3):
 *
 *   1. per partition: the rule KEDA's kafka scaler applied (getLagForPartition) and the lag that counts;
 *   2. total → cap (getTotalLag: partitions × lagThreshold unless allowIdleConsumers, limitToPartitionsWithLag,
 *      ensureEvenDistributionOfPartitions) → the metric sent to the HPA;
 *   3. activation against activationLagThreshold (lag with persistent lag included);
 *   4. KEDA's poll loop (0 ↔ 1, cooldown, idle, paused) and the HPA (proposal, tolerance, min/max, the scale-up and
 *      scale-down policies and windows, fallback);
 *   5. the replica count that results: the next one and the one the rules head for while the lag stays as read.
 *
 * All numbers come from the shared models (scaling/kedaLag.ts, scaling/hpa.ts); this module only lays them out and
 * names the settings. The verdict is chosen in verdict.ts.
 */
import { computeKedaView, nextBalancingFactor, type KedaView, type PartitionOffsets, type PersistentMemory } from '../scaling/kedaLag.js';
import { fillBehavior, hpaReconcile, rawProposal, tolerancesOf, type HpaConfig, type HpaState } from '../scaling/hpa.js';
import { kedaPoll } from '../scaling/kedaLoop.js';
import type { ScaledObjectSettings } from '../scaling/settings.js';

/** The rule KEDA's scaler applied to one partition (docs/design.md §8.1 step 3). */
export type PartitionRule =
  'committed' | 'no-commit-latest' | 'no-commit-earliest' | 'no-commit-zero' | 'persistent-excluded' | 'commit-past-end' | 'outside-partition-limitation';

export interface PartitionStep {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logStartOffset: number | null;
  logEndOffset: number;
  rule: PartitionRule;
  /** The ScaledObject setting behind the rule (null for a plain e − c). */
  setting: string | null;
  /** What counts in the metric (KEDA's lag). */
  lag: number;
  /** What counts for activation (persistent lag included). */
  lagWithPersistent: number;
  /**
   * The commit did not move between the two reads while the partition had lag and a consumer ran: lag the consumer
   * never reduces (null when there was no earlier read to compare with).
   */
  stuck: boolean | null;
  text: string;
}

export type StepId =
  | 'total'
  | 'cap'
  | 'metric'
  | 'activation'
  | 'keda'
  | 'hpa-proposal'
  | 'hpa-tolerance'
  | 'hpa-min-max'
  | 'hpa-scale-up'
  | 'hpa-scale-down'
  | 'fallback'
  | 'replicas';

export interface ChainStep {
  id: StepId;
  /** The number (or yes/no) the step produced; null when it does not apply. */
  value: number | boolean | null;
  /** The setting that decided the step (null when none did). */
  setting: string | null;
  /** False when the step was not consulted (e.g. the HPA at 0 replicas, or while paused). */
  applies: boolean;
  text: string;
}

export interface ReplicaFigures {
  /** spec.replicas now (C). */
  current: number;
  /** Where the count came from: the cluster, the group's members, a flag, the emulator. */
  currentSource: string;
  /** After KEDA's next poll and the HPA's next sync, with no scale event in the policy periods. */
  next: number;
  /** Where the rules head while the lag stays as read. */
  target: number;
}

export interface ExplainInput {
  settings: ScaledObjectSettings;
  group: string;
  /** The trigger's topic; undefined = every topic the group committed to. */
  topic?: string;
  /** The latest read (log-start offsets when known). */
  offsets: Array<PartitionOffsets & { logStartOffset?: number }>;
  /** An earlier read of the same partitions: shows which commits move (KEDA's persistent-lag memory, stuck partitions). */
  previous?: PartitionOffsets[] | null;
  /** Seconds between the two reads. */
  intervalS?: number | null;
  /** Persistent-lag memory carried over from an earlier explain (--watch). */
  memory?: PersistentMemory;
  /** spec.replicas (C) and status.replicas (S, default C). */
  replicas: { spec: number; status?: number; source: string };
  /** Members of the consumer group (a running consumer), when known. */
  members?: number | null;
  /** autoscaling.keda.sh/paused-replicas (a number) or autoscaling.keda.sh/paused: "true" (current count held). */
  paused?: { replicas: number | null } | null;
  /** The ScaledObject's Fallback condition is True (cluster only). */
  fallbackActive?: boolean;
  /** HPA controller figures (defaults: the settings' hpaTolerance and hpaDownscaleStabilizationSeconds). */
  hpa?: { tolerance?: number; defaultDownscaleWindowSeconds?: number };
}

export interface Chain {
  group: string;
  topic: string | null;
  /** The HPA's external metric name (s0-kafka-<topic>). */
  metricName: string;
  reads: number;
  intervalS: number | null;
  partitions: PartitionStep[];
  steps: ChainStep[];
  keda: {
    totalLag: number;
    totalLagWithPersistent: number;
    partitionCount: number;
    partitionsWithLag: number;
    /** Σ lag before the cap (after ensureEvenDistributionOfPartitions: rounded). */
    beforeCap: number;
    metric: number;
    active: boolean;
    /** The upper bound of the cap: partitions (or partitions with lag); null when no cap applies. */
    capUpper: number | null;
    capped: boolean;
  };
  hpa: {
    /** Whether the HPA acts on this decision (replicas ≥ 1 after KEDA, not paused). */
    runs: boolean;
    minReplicas: number;
    maxReplicas: number;
    /** ceil(metric / lagThreshold). */
    proposal: number;
    /** metric / (lagThreshold × S); null when S is 0. */
    ratio: number | null;
    withinTolerance: boolean;
    /** The proposal after tolerance and min/max. */
    clamped: number;
    /** The most one sync may add / the fewest it may leave (no recent scale events). */
    upLimit: number | null;
    downLimit: number | null;
    reason: string | null;
  };
  /** Partitions that keep lag the consumer never reduces (stuck), with the lag they hold. */
  stuck: Array<{ topic: string; partition: number; lag: number }>;
  replicas: ReplicaFigures;
  /** Persistent-lag memory after this read (pass to the next explain in --watch). */
  memory: Map<string, number>;
}

const key = (topic: string, partition: number): string => `${topic}/${partition}`;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** KEDA's metric name for trigger 0 (GetMetricSpecForScaling + NormalizeString: `/ . : % ( )` become `-`). */
export function kafkaMetricName(topic: string | undefined, group: string): string {
  const raw = topic ? `s0-kafka-${topic}` : `s0-kafka-${group}-topics`;
  return raw.replace(/[/.:%()]/g, '-');
}

function partitionSteps(input: ExplainInput, view: KedaView, consumerRuns: boolean): PartitionStep[] {
  const s = input.settings;
  const starts = new Map(input.offsets.map((o) => [key(o.topic, o.partition), o.logStartOffset]));
  const before = new Map((input.previous ?? []).map((p) => [key(p.topic, p.partition), p]));
  const out: PartitionStep[] = [];
  for (const p of view.partitions) {
    const k = key(p.topic, p.partition);
    const logStartOffset = starts.get(k) ?? null;
    const base = { topic: p.topic, partition: p.partition, logStartOffset, logEndOffset: p.logEndOffset };
    if (p.counted === false) {
      out.push({
        ...base,
        committedOffset: p.committedOffset,
        rule: 'outside-partition-limitation',
        setting: 'partitionLimitation',
        lag: 0,
        lagWithPersistent: 0,
        stuck: null,
        text: `outside partitionLimitation "${s.partitionLimitation}": not counted`,
      });
      continue;
    }
    const c = p.committedOffset;
    const e = p.logEndOffset;
    let stuck: boolean | null = null;
    const prev = before.get(k);
    if (prev) {
      const pc = prev.committedOffset === null || prev.committedOffset < 0 ? null : prev.committedOffset;
      stuck = c !== null && pc === c && e - c > 0 && consumerRuns;
    }
    let rule: PartitionRule;
    let setting: string | null;
    let text: string;
    if (c === null) {
      if (s.scaleToZeroOnInvalidOffset) {
        rule = 'no-commit-zero';
        setting = 'scaleToZeroOnInvalidOffset';
        text = `no commit → scaleToZeroOnInvalidOffset counts ${p.kedaLag}`;
      } else if (s.offsetResetPolicy === 'latest') {
        rule = 'no-commit-latest';
        setting = 'offsetResetPolicy';
        text = `no commit → offsetResetPolicy latest counts ${p.kedaLag}, whatever the partition holds`;
      } else {
        rule = 'no-commit-earliest';
        setting = 'offsetResetPolicy';
        const fromZero = p.kedaLag === e;
        const deleted = fromZero && logStartOffset !== null && logStartOffset > 0 ? `, including ${logStartOffset} records already removed by retention` : '';
        text = `no commit → offsetResetPolicy earliest counts ${p.kedaLag} (from ${fromZero ? 'offset 0' : 'the log start'} to the log end${deleted})`;
      }
    } else if (p.persistent) {
      rule = 'persistent-excluded';
      setting = 'excludePersistentLag';
      text = `commit ${c} did not move since the previous read → excludePersistentLag leaves its lag ${p.kedaLagWithPersistent} out of the metric (activation still counts it)`;
    } else if (e - c < 0) {
      rule = 'commit-past-end';
      setting = null;
      text = `commit ${c} is past the log end ${e} → ${e - c} (read after a later commit, or the topic was recreated)`;
    } else {
      rule = 'committed';
      setting = null;
      text = `log end ${e} − commit ${c} = ${e - c}`;
    }
    if (stuck) text += `; the commit did not move${input.intervalS ? ` in ${input.intervalS} s` : ''} while a consumer runs: lag the consumer never reduces`;
    out.push({ ...base, committedOffset: c, rule, setting, lag: p.kedaLag, lagWithPersistent: p.kedaLagWithPersistent, stuck, text });
  }
  return out;
}

/**
 * The HPA as KEDA creates it for the ScaledObject (controllers/keda/hpa.go newHPAForScaledObject with
 * GetHPAMinReplicas/GetHPAMaxReplicas: min = max(1, minReplicaCount), max = maxReplicaCount, one External metric with
 * target AverageValue = lagThreshold), and the controller's tolerance and default downscale window from the settings.
 */
export function hpaConfigOf(s: ScaledObjectSettings, o: ExplainInput['hpa'] = {}): HpaConfig {
  return {
    minReplicas: Math.max(1, s.minReplicaCount),
    maxReplicas: s.maxReplicaCount,
    targetAverageValue: s.lagThreshold,
    behavior: s.behavior,
    tolerance: o?.tolerance ?? s.hpaTolerance,
    defaultDownscaleWindowSeconds: o?.defaultDownscaleWindowSeconds ?? s.hpaDownscaleStabilizationSeconds,
    boundary: 'exclusive',
  };
}

/** An HPA whose only stored proposal is long out of every window and which has no recent scale event. */
const quietHpa = (c: number): HpaState => ({ recommendations: [{ replicas: c, t: -1e9 }], scaleUpEvents: [], scaleDownEvents: [], desiredReplicas: c });

/** One reconcile of that quiet HPA (hpa.ts is the model; nothing is re-derived here). */
function reconcileOnce(cfg: HpaConfig, c: number, statusReplicas: number, metric: number) {
  return hpaReconcile(cfg, quietHpa(c), { now: 0, specReplicas: c, statusReplicas, metric });
}

function policyText(dir: 'scaleUp' | 'scaleDown', s: ScaledObjectSettings, defaultDown: number): string {
  if (s.behavior === null) {
    return dir === 'scaleUp'
      ? 'no behavior (legacy path): at most max(2 × current, 4) per sync'
      : `no behavior (legacy path): down only after ${defaultDown} s of lower proposals`;
  }
  const r = fillBehavior(s.behavior, defaultDown)[dir];
  const pols = r.policies.map((p) => `${p.type} ${p.value} per ${p.periodSeconds} s`).join(', ');
  return `${dir} ${r.selectPolicy === 'Disabled' ? 'disabled' : `${pols}${r.policies.length > 1 ? ` (select ${r.selectPolicy})` : ''}`}, stabilization window ${r.stabilizationWindowSeconds} s`;
}

/** Builds the chain for one read (and the earlier read when given). */
export function explainChain(input: ExplainInput): Chain {
  const s = input.settings;
  const T = s.lagThreshold;
  const C = input.replicas.spec;
  const S = input.replicas.status ?? C;
  const members = input.members ?? null;
  const consumerRuns = (members ?? 0) > 0 || C > 0;

  // KEDA polls at the earlier read and now: the persistent-lag memory of the first feeds the second.
  const opts = { allTopics: !input.topic };
  const first = input.previous?.length ? computeKedaView(input.previous, s, input.memory, opts) : null;
  const view = computeKedaView(input.offsets, s, first ? first.memory : input.memory, opts);
  const partitions = partitionSteps(input, view, consumerRuns);
  const stuck = partitions.filter((p) => p.stuck).map((p) => ({ topic: p.topic, partition: p.partition, lag: p.lagWithPersistent }));

  const steps: ChainStep[] = [];
  const P = view.partitionCount;

  // 2. Total.
  const uncommitted = partitions.filter((p) => p.rule.startsWith('no-commit'));
  const fromUncommitted = uncommitted.reduce((a, p) => a + p.lag, 0);
  const parts: string[] = [];
  if (uncommitted.length) {
    const each = uncommitted.every((p) => p.lag === uncommitted[0]!.lag) ? ` × ${uncommitted[0]!.lag}` : '';
    parts.push(`${plural(uncommitted.length, 'uncommitted partition')}${each} = ${fromUncommitted}`);
  }
  if (P - uncommitted.length > 0) parts.push(`${plural(P - uncommitted.length, 'committed partition')}: ${view.totalLag - fromUncommitted}`);
  const excluded = partitions.filter((p) => p.rule === 'persistent-excluded');
  if (excluded.length)
    parts.push(`${plural(excluded.length, 'partition')} with persistent lag ${excluded.reduce((a, p) => a + p.lagWithPersistent, 0)} left out`);
  steps.push({
    id: 'total',
    value: view.totalLag,
    setting: uncommitted.length
      ? s.scaleToZeroOnInvalidOffset
        ? 'scaleToZeroOnInvalidOffset'
        : 'offsetResetPolicy'
      : excluded.length
        ? 'excludePersistentLag'
        : null,
    applies: true,
    text:
      P === 0
        ? `no partition to measure${input.topic ? '' : ' (the group committed on no topic and the trigger names none)'}`
        : `Σ over ${plural(P, 'partition')} = ${view.totalLag}${parts.length ? ` (${parts.join('; ')})` : ''}`,
  });

  // Cap (getTotalLag).
  const capApplies = !s.allowIdleConsumers || s.limitToPartitionsWithLag || s.ensureEvenDistributionOfPartitions;
  const beforeCap = s.ensureEvenDistributionOfPartitions ? nextBalancingFactor(view.totalLag, P, T) * T : view.totalLag;
  const capUpper = capApplies ? (s.limitToPartitionsWithLag ? view.partitionsWithLag : P) : null;
  const capped = capUpper !== null && view.metric < beforeCap;
  let capText: string;
  let capSetting: string;
  if (!capApplies) {
    capSetting = 'allowIdleConsumers';
    capText = 'no cap: allowIdleConsumers is on, so replicas may exceed the partitions';
  } else {
    const what = s.limitToPartitionsWithLag
      ? `${plural(capUpper!, 'partition')} with lag (limitToPartitionsWithLag)`
      : `${plural(capUpper!, 'partition')} (allowIdleConsumers off)`;
    capSetting = s.limitToPartitionsWithLag ? 'limitToPartitionsWithLag' : 'allowIdleConsumers';
    const even = s.ensureEvenDistributionOfPartitions
      ? `ensureEvenDistributionOfPartitions rounds ${view.totalLag} up to ${beforeCap / T} × ${T} = ${beforeCap}; `
      : '';
    const q = Math.trunc(beforeCap / T);
    if (capped) capText = `${even}${beforeCap} / ${T} = ${q} > ${what} → capped at ${capUpper} × ${T} = ${view.metric}`;
    else {
      capText = `${even}${beforeCap} / ${T} = ${q} (integer division), not above ${what}: not capped`;
      if (beforeCap > capUpper! * T) capText += ` — in the integer-division gap, so the HPA asks for ${capUpper! + 1}, one more than ${capUpper}`;
    }
    if (s.ensureEvenDistributionOfPartitions && !capped) capSetting = 'ensureEvenDistributionOfPartitions';
  }
  steps.push({ id: 'cap', value: view.metric, setting: capSetting, applies: capApplies, text: capText });

  const metricName = kafkaMetricName(input.topic, input.group);
  steps.push({
    id: 'metric',
    value: view.metric,
    setting: 'lagThreshold',
    applies: true,
    text:
      `KEDA reports ${view.metric} as ${metricName}; the HPA divides it by the target lagThreshold ${T}` +
      (view.negativeSentAsZero
        ? ` (the total is negative; KEDA ${s.kedaVersion} sends 0)`
        : view.metric < 0
          ? ` (negative: KEDA ${s.kedaVersion} sends it as it is; 2.20 and later send 0)`
          : ''),
  });

  // 3. Activation.
  const A = s.activationLagThreshold;
  const withP = view.totalLagWithPersistent;
  const persistentNote = withP !== view.totalLag ? ` (persistent lag included: the metric has ${view.totalLag})` : '';
  steps.push({
    id: 'activation',
    value: view.active,
    setting: 'activationLagThreshold',
    applies: true,
    text: view.active
      ? `${withP}${persistentNote} > activationLagThreshold ${A} → active`
      : `${withP}${persistentNote} is not above activationLagThreshold ${A} → not active`,
  });

  // 4. KEDA's poll loop (kedaLoop.ts decides; long after the last active poll, so a cooldown has run out).
  const min = s.minReplicaCount;
  const idle = s.idleReplicaCount;
  const hpaMin = Math.max(1, min);
  const pausedAt = input.paused ? (input.paused.replicas ?? C) : null;
  const poll = kedaPoll(s, { lastActiveTime: null, createdAt: -1e9 }, { now: 0, replicas: C, active: view.active, isError: false, pausedReplicas: pausedAt });
  const afterKeda = poll.scaleTo ?? C;
  let kedaText: string;
  let kedaSetting: string | null;
  let hpaRuns: boolean;
  switch (poll.action) {
    case 'paused':
      hpaRuns = false;
      kedaSetting = input.paused!.replicas !== null ? 'autoscaling.keda.sh/paused-replicas' : 'autoscaling.keda.sh/paused';
      kedaText = `paused: KEDA holds ${afterKeda} replicas and removes its HPA (${kedaSetting})`;
      break;
    case 'scale-from-zero':
      hpaRuns = true;
      kedaSetting = 'pollingInterval';
      kedaText = `active at ${C}: KEDA scales ${C} → ${afterKeda} at its next poll (every pollingInterval ${s.pollingInterval} s), then the HPA decides`;
      break;
    case 'scale-to-idle':
      hpaRuns = false;
      kedaSetting = 'cooldownPeriod';
      kedaText = `not active: KEDA scales ${C} → ${afterKeda}${idle !== null ? ' (idleReplicaCount)' : ''} once cooldownPeriod ${s.cooldownPeriod} s have passed since the last active poll`;
      break;
    case 'scale-to-min':
      hpaRuns = true;
      kedaSetting = 'minReplicaCount';
      kedaText = `not active, below minReplicaCount: KEDA scales ${C} → ${afterKeda}`;
      break;
    default:
      if (view.active) {
        hpaRuns = C >= 1;
        kedaSetting = null;
        kedaText = 'active: KEDA refreshes lastActiveTime; the HPA decides';
      } else if (C >= 1 && C >= hpaMin && idle === null) {
        hpaRuns = true;
        kedaSetting = 'minReplicaCount';
        kedaText = `not active, but minReplicaCount ${min} ≥ 1: activation changes nothing, the HPA decides`;
      } else {
        hpaRuns = false;
        kedaSetting = 'activationLagThreshold';
        kedaText = `not active at ${C}: KEDA leaves it there until the lag exceeds activationLagThreshold ${A}`;
      }
  }
  steps.push({ id: 'keda', value: afterKeda, setting: kedaSetting, applies: true, text: kedaText });

  // The HPA.
  const cfg = hpaConfigOf(s, input.hpa);
  const defaultDown = cfg.defaultDownscaleWindowSeconds;
  const hC = afterKeda;
  const hS = afterKeda === C ? S : afterKeda;
  const metric = Math.max(0, view.metric);
  const proposal = Math.ceil(metric / T);
  const ratio = hS > 0 ? metric / (T * hS) : null;
  const tol = hS > 0 ? rawProposal(metric, T, hS, tolerancesOf(cfg)) : { raw: proposal, within: false };
  const clamped = Math.min(cfg.maxReplicas, Math.max(cfg.minReplicas, tol.raw));
  let next = afterKeda;
  let upLimit: number | null = null;
  let downLimit: number | null = null;
  let reason: string | null = null;
  if (hpaRuns && hC >= 1) {
    const r = reconcileOnce(cfg, hC, hS, metric);
    next = r.desiredReplicas;
    reason = r.reason;
    // The widest step one sync allows each way, from the same model (no max/min in the way).
    upLimit = reconcileOnce({ ...cfg, maxReplicas: Number.MAX_SAFE_INTEGER }, hC, hC, Number.MAX_SAFE_INTEGER / 4).desiredReplicas;
    downLimit = reconcileOnce({ ...cfg, minReplicas: 0 }, hC, hC, 0).desiredReplicas;
  }
  const na = (why: string) => `not consulted: ${why}`;
  const hpaWhy = pausedAt !== null ? 'paused' : `KEDA decides ${C} → ${afterKeda}`;
  steps.push({
    id: 'hpa-proposal',
    value: proposal,
    setting: 'lagThreshold',
    applies: hpaRuns,
    text: `${hpaRuns ? '' : `${na(hpaWhy)}; `}metric ${metric} / lagThreshold ${T} (AverageValue target) = ${(metric / T).toFixed(2)} → ceil ${proposal}`,
  });
  const tols = tolerancesOf(cfg);
  const band =
    tols.scaleUp === tols.scaleDown ? `1 ± ${tols.scaleUp} (tolerance)` : `[1 − ${tols.scaleDown}, 1 + ${tols.scaleUp}] (scale-down, scale-up tolerance)`;
  steps.push({
    id: 'hpa-tolerance',
    value: tol.raw,
    setting: 'tolerance',
    applies: hpaRuns && ratio !== null,
    text:
      ratio === null
        ? 'no current replicas: no tolerance test'
        : tol.within
          ? `ratio ${metric} / (${T} × ${hS}) = ${ratio.toFixed(2)} is within ${band} → keeps ${hS}`
          : `ratio ${metric} / (${T} × ${hS}) = ${ratio.toFixed(2)} is outside ${band} → ${tol.raw}`,
  });
  const mm = tol.raw > cfg.maxReplicas ? 'maxReplicaCount' : tol.raw < cfg.minReplicas ? 'minReplicaCount' : null;
  steps.push({
    id: 'hpa-min-max',
    value: clamped,
    setting: mm,
    applies: hpaRuns,
    text: `HPA range [${cfg.minReplicas} (max(1, minReplicaCount ${min})), ${cfg.maxReplicas} (maxReplicaCount)]${mm ? ` → ${clamped} (${mm})` : `: ${clamped} stays`}`,
  });
  steps.push({
    id: 'hpa-scale-up',
    value: upLimit,
    setting: s.behavior === null ? null : 'behavior.scaleUp',
    applies: hpaRuns && clamped > hC,
    text: `${policyText('scaleUp', s, defaultDown)}${upLimit !== null ? ` → at most ${upLimit} after this sync from ${hC}` : ''}`,
  });
  steps.push({
    id: 'hpa-scale-down',
    value: downLimit,
    setting: s.behavior === null ? null : 'behavior.scaleDown',
    applies: hpaRuns && clamped < hC,
    text: `${policyText('scaleDown', s, defaultDown)}${downLimit !== null ? ` → at least ${downLimit} after this sync from ${hC}` : ''}`,
  });
  const fb = s.fallback;
  steps.push({
    id: 'fallback',
    value: input.fallbackActive && fb ? fb.replicas : null,
    setting: fb ? 'fallback' : null,
    applies: Boolean(input.fallbackActive && fb),
    text: fb
      ? input.fallbackActive
        ? `in force: KEDA failed to read the metric more than ${fb.failureThreshold} times, so the HPA is fed ${fb.replicas} × lagThreshold (fallback.replicas ${fb.replicas})`
        : `fallback.replicas ${fb.replicas} after ${fb.failureThreshold} failed reads: not in force (the metric reads)`
      : 'no fallback: while the scaler errors, the HPA keeps its size and KEDA does not scale to 0',
  });

  // 5. Replicas: the next count and where the rules head.
  let target: number;
  if (pausedAt !== null) target = pausedAt;
  else if (input.fallbackActive && fb) target = fb.replicas;
  else if (hpaRuns) target = hS > 0 && tol.within && afterKeda === C ? clamped : Math.min(cfg.maxReplicas, Math.max(cfg.minReplicas, proposal));
  else target = afterKeda;
  if (input.fallbackActive && fb) next = fb.replicas;
  steps.push({
    id: 'replicas',
    value: target,
    setting: null,
    applies: true,
    text: `now ${C} (${input.replicas.source}) → ${next} next${next !== target ? `, heading for ${target}` : ''}`,
  });

  return {
    group: input.group,
    topic: input.topic ?? null,
    metricName,
    reads: first ? 2 : 1,
    intervalS: first ? (input.intervalS ?? null) : null,
    partitions,
    steps,
    keda: {
      totalLag: view.totalLag,
      totalLagWithPersistent: view.totalLagWithPersistent,
      partitionCount: P,
      partitionsWithLag: view.partitionsWithLag,
      beforeCap,
      metric: view.metric,
      active: view.active,
      capUpper,
      capped,
    },
    hpa: {
      runs: hpaRuns,
      minReplicas: cfg.minReplicas,
      maxReplicas: cfg.maxReplicas,
      proposal,
      ratio,
      withinTolerance: tol.within,
      clamped,
      upLimit,
      downLimit,
      reason,
    },
    stuck,
    replicas: { current: C, currentSource: input.replicas.source, next, target },
    memory: view.memory,
  };
}
