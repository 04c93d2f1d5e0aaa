/**
 * KEDA's Kafka lag maths (docs/design.md §8.1), pure: one call = one `GetMetricsAndActivity` of the
 * `kafka` trigger. The persistent-lag memory that KEDA keeps inside the scaler instance is passed in and
 * handed back, so callers (lag --watch, the emulator) decide how long it lives.
 *
 * Mirrors pkg/scalers/kafka_scaler.go (read at v2.18.3, v2.19.0, v2.20.2 and main 8b4f083):
 * - `getTopicPartitions` + `isActivePartition`: with a topic, only the partitions partitionLimitation names count;
 *   a topic left with none is an error; without a topic the limitation is ignored.
 * - `getLagForPartition`: only the committed offset −1 means "no commit" (−2 or any other value is used as it is);
 *   no commit counts 1 under latest, the log-end offset under earliest (main after #7937: log end − log start),
 *   0 with scaleToZeroOnInvalidOffset; excludePersistentLag returns (0, e − c) for a commit that did not move.
 * - `getTotalLag`: sums, then ensureEvenDistributionOfPartitions and the partition cap (integer division).
 * - `GenerateMetricInMili` / `quantityFromFloat64` (scaler.go): from v2.20.2 a negative total is sent as 0.
 * The release comes from `settings.kedaVersion` (kedaVersion.ts).
 */
import { usageError } from '../errors.js';
import { kedaBehaviour } from './kedaVersion.js';
import type { ScaledObjectSettings } from './settings.js';
import { parsePartitionLimitation } from './validate.js';

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** null (or -1, what the broker answers) = the group has no commit for the partition. */
  committedOffset: number | null;
  /** Log-end offset (high watermark). */
  logEndOffset: number;
  /** Log-start offset (records below it were deleted); unknown when left out. */
  logStartOffset?: number;
}

/** key `${topic}/${partition}` → committed offset seen at the previous read. */
export type PersistentMemory = ReadonlyMap<string, number>;

export interface KedaPartitionLag {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logEndOffset: number;
  /** Raw e−c, null when nothing is committed (like kafka-consumer-groups). */
  lag: number | null;
  /** KEDA's lag for the partition (docs/design.md §8.1 step 3, after excludePersistentLag). */
  kedaLag: number;
  /** The "lagWithPersistent" half of the pair (what activation uses). */
  kedaLagWithPersistent: number;
  /** Excluded as persistent lag in this read: excludePersistentLag is on, the commit did not move since the
   *  previous read, and there is lag to exclude (e−c ≠ 0). */
  persistent: boolean;
  /** False when partitionLimitation leaves the partition out: KEDA does not read it (kedaLag 0). */
  counted: boolean;
  logStartOffset?: number;
}

export interface KedaView {
  partitions: KedaPartitionLag[];
  /** Σ kedaLag, before the cap. */
  totalLag: number;
  totalLagWithPersistent: number;
  /** Partitions with kedaLag > 0. */
  partitionsWithLag: number;
  /** P: partitions counted. */
  partitionCount: number;
  /**
   * What KEDA reports to the HPA: totalLag after ensureEvenDistribution and the partition cap, and — from
   * KEDA 2.20.2 — a negative value sent as 0.
   */
  metric: number;
  /** The metric was negative and this KEDA release sent 0 instead. */
  negativeSentAsZero: boolean;
  /** The KEDA release modelled (settings.kedaVersion). */
  kedaVersion: string;
  /** totalLagWithPersistent > activationLagThreshold (strictly). */
  active: boolean;
  /** rawDesiredReplicas(metric, active, settings). */
  desiredReplicas: number;
  /** Persistent-lag memory to pass to the next call. */
  memory: Map<string, number>;
}

type LagSettings = Pick<
  ScaledObjectSettings,
  | 'lagThreshold'
  | 'activationLagThreshold'
  | 'offsetResetPolicy'
  | 'scaleToZeroOnInvalidOffset'
  | 'excludePersistentLag'
  | 'allowIdleConsumers'
  | 'limitToPartitionsWithLag'
  | 'ensureEvenDistributionOfPartitions'
  | 'minReplicaCount'
  | 'maxReplicaCount'
  | 'idleReplicaCount'
  | 'partitionLimitation'
  | 'kedaVersion'
>;

/** How the trigger names its topics. */
export interface KedaViewOptions {
  /**
   * True when the trigger has no topic (KEDA reads every topic the group committed to, and ignores
   * partitionLimitation). Default false: one topic (lag --topic, plan, run).
   */
  allTopics?: boolean;
}

export const memoryKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** Go's int64 division truncates toward zero. */
const idiv = (a: number, b: number): number => Math.trunc(a / b);

/** Divisors of n in ascending order (KEDA's FindFactors; none for n < 1). */
export function factors(n: number): number[] {
  if (!Number.isInteger(n) || n < 1) return [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let i = 1; i * i <= n; i++) {
    if (n % i === 0) {
      lo.push(i);
      if (i !== n / i) hi.unshift(n / i);
    }
  }
  return [...lo, ...hi];
}

/** The smallest divisor f of P with f·T ≥ totalLag, or P when none (ensureEvenDistributionOfPartitions). */
export function nextBalancingFactor(totalLag: number, partitionCount: number, lagThreshold: number): number {
  for (const f of factors(partitionCount)) if (f * lagThreshold >= totalLag) return f;
  return partitionCount;
}

/** KEDA's "no commit": the broker's −1 (OffsetFetch's invalid offset), or null from our client. Only −1. */
const noCommit = (c: number | null): c is null | -1 => c === null || c === -1;

/** One partition's (lag, lagWithPersistent) pair, and whether it was excluded as persistent. */
function partitionLag(
  p: PartitionOffsets,
  s: LagSettings,
  prev: PersistentMemory,
  next: Map<string, number>,
  earliestFromLogStart: boolean,
): { lag: number; withPersistent: number; persistent: boolean } {
  const c = p.committedOffset;
  const e = p.logEndOffset;
  if (noCommit(c)) {
    // No commit: returns early, never excluded as persistent and never remembered (#5906).
    if (s.scaleToZeroOnInvalidOffset) return { lag: 0, withPersistent: 0, persistent: false };
    if (s.offsetResetPolicy === 'latest') return { lag: 1, withPersistent: 1, persistent: false };
    // earliest: the log-end offset; on main (#7937) what is still in the log, when the log start is known
    // (KEDA falls back to the log end when its read of the oldest offset fails).
    const v = earliestFromLogStart && p.logStartOffset !== undefined ? e - p.logStartOffset : e;
    return { lag: v, withPersistent: v, persistent: false };
  }
  const raw = e - c;
  if (s.excludePersistentLag) {
    const key = memoryKey(p.topic, p.partition);
    const seen = prev.get(key);
    if (seen !== undefined && seen === c) {
      return { lag: 0, withPersistent: raw, persistent: raw !== 0 };
    }
    next.set(key, c);
  }
  return { lag: raw, withPersistent: raw, persistent: false };
}

/**
 * Which partitions KEDA reads: all, or those partitionLimitation names (per topic: a topic left with none is
 * KEDA's "expected at least one active partition" error on every read, here an exit-2 error).
 */
function countedPartitions(parts: PartitionOffsets[], s: LagSettings, allTopics: boolean): (p: PartitionOffsets) => boolean {
  const pl = parsePartitionLimitation(s.partitionLimitation, s.kedaVersion, !allTopics);
  if (pl.kind === 'all') return () => true;
  if (pl.kind === 'error') {
    throw usageError(
      `partitionLimitation "${s.partitionLimitation}": ${pl.reason}`,
      'write partitionLimitation as ids and start-end ranges separated by commas, e.g. 0,2-3,7',
    );
  }
  const ids = new Set(pl.partitions);
  for (const topic of new Set(parts.map((p) => p.topic))) {
    if (!parts.some((p) => p.topic === topic && ids.has(p.partition))) {
      const have = parts.filter((p) => p.topic === topic).map((p) => p.partition);
      throw usageError(
        `partitionLimitation "${s.partitionLimitation}" names no partition of topic ${topic} (it has ${have.length ? `partitions ${have[0]}–${have[have.length - 1]}` : 'no partitions'}): KEDA finds no active partition and every metric read fails`,
        'name partitions the topic has',
        'PARTITION_LIMITATION_EMPTY',
      );
    }
  }
  return (p) => ids.has(p.partition);
}

/** KEDA's view of one read of the offsets (docs/design.md §8.1 steps 3–6). */
export function computeKedaView(parts: PartitionOffsets[], settings: ScaledObjectSettings, memory?: PersistentMemory, opts: KedaViewOptions = {}): KedaView {
  const s = settings as LagSettings;
  const b = kedaBehaviour(s.kedaVersion);
  const prev: PersistentMemory = memory ?? new Map();
  // The scaler keeps its map across calls; entries are only added or overwritten.
  const next = new Map<string, number>(prev);
  const counted = countedPartitions(parts, s, opts.allTopics ?? false);
  const partitions: KedaPartitionLag[] = [];
  let totalLag = 0;
  let totalLagWithPersistent = 0;
  let partitionsWithLag = 0;
  let P = 0;
  for (const p of parts) {
    const committed = noCommit(p.committedOffset) ? null : p.committedOffset;
    const row = {
      topic: p.topic,
      partition: p.partition,
      committedOffset: committed,
      logEndOffset: p.logEndOffset,
      lag: committed === null ? null : p.logEndOffset - committed,
      ...(p.logStartOffset !== undefined ? { logStartOffset: p.logStartOffset } : {}),
    };
    if (!counted(p)) {
      partitions.push({ ...row, kedaLag: 0, kedaLagWithPersistent: 0, persistent: false, counted: false });
      continue;
    }
    P++;
    const r = partitionLag(p, s, prev, next, b.earliestCountsFromLogStart);
    totalLag += r.lag;
    totalLagWithPersistent += r.withPersistent;
    if (r.lag > 0) partitionsWithLag++;
    partitions.push({ ...row, kedaLag: r.lag, kedaLagWithPersistent: r.withPersistent, persistent: r.persistent, counted: true });
  }
  const T = s.lagThreshold;
  let metric = totalLag;
  if (!s.allowIdleConsumers || s.limitToPartitionsWithLag || s.ensureEvenDistributionOfPartitions) {
    if (s.ensureEvenDistributionOfPartitions) metric = nextBalancingFactor(metric, P, T) * T;
    const upper = s.limitToPartitionsWithLag ? partitionsWithLag : P;
    // Integer division: a total in (upper·T, (upper+1)·T) is not capped.
    if (idiv(metric, T) > upper) metric = upper * T;
  }
  const negativeSentAsZero = metric < 0 && b.negativeMetricAsZero;
  if (negativeSentAsZero) metric = 0;
  const active = totalLagWithPersistent > s.activationLagThreshold;
  return {
    partitions,
    totalLag,
    totalLagWithPersistent,
    partitionsWithLag,
    partitionCount: P,
    metric,
    negativeSentAsZero,
    kedaVersion: s.kedaVersion,
    active,
    desiredReplicas: rawDesiredReplicas(metric, active, settings),
    memory: next,
  };
}

/**
 * The HPA's raw proposal before tolerance, stabilization and policies: when inactive, KEDA holds the
 * workload at idleReplicaCount when set, else minReplicaCount (0 by default); when active,
 * clamp(ceil(metric / lagThreshold), max(1, min), max).
 */
export function rawDesiredReplicas(metric: number, active: boolean, settings: ScaledObjectSettings): number {
  if (!active) return settings.idleReplicaCount ?? settings.minReplicaCount;
  const lo = Math.max(1, settings.minReplicaCount);
  const want = Math.ceil(metric / settings.lagThreshold);
  return Math.min(settings.maxReplicaCount, Math.max(lo, want));
}
