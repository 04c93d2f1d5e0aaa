/**
 * KEDA's Kafka lag maths (keda-kafka-semantics.md §2), pure: one call = one `GetMetricsAndActivity` of the
 * `kafka` trigger. The persistent-lag memory that KEDA keeps inside the scaler instance is passed in and
 * handed back, so callers (lag --watch, the emulator) decide how long it lives.
 */
import type { ScaledObjectSettings } from './settings.js';

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** null (or -1) = the group has no commit for the partition. */
  committedOffset: number | null;
  /** Log-end offset (high watermark). */
  logEndOffset: number;
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
  /** KEDA's lag for the partition (§2 step 3, after excludePersistentLag). */
  kedaLag: number;
  /** The "lagWithPersistent" half of the pair (what activation uses). */
  kedaLagWithPersistent: number;
  /** Excluded as persistent lag in this read: excludePersistentLag is on, the commit did not move since the
   *  previous read, and there is lag to exclude (e−c ≠ 0). */
  persistent: boolean;
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
  /** What KEDA reports to the HPA: totalLag after ensureEvenDistribution and the partition cap. */
  metric: number;
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
>;

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

/** One partition's (lag, lagWithPersistent) pair, and whether it was excluded as persistent. */
function partitionLag(
  p: PartitionOffsets,
  s: LagSettings,
  prev: PersistentMemory,
  next: Map<string, number>,
): { lag: number; withPersistent: number; persistent: boolean } {
  const c = p.committedOffset;
  const e = p.logEndOffset;
  if (c === null || c < 0) {
    // No commit: returns early, never excluded as persistent and never remembered (#5906).
    if (s.scaleToZeroOnInvalidOffset) return { lag: 0, withPersistent: 0, persistent: false };
    const v = s.offsetResetPolicy === 'latest' ? 1 : e;
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

/** KEDA's view of one read of the offsets (§2 steps 3–6). */
export function computeKedaView(parts: PartitionOffsets[], settings: ScaledObjectSettings, memory?: PersistentMemory): KedaView {
  const s = settings as LagSettings;
  const prev: PersistentMemory = memory ?? new Map();
  // The scaler keeps its map across calls; entries are only added or overwritten.
  const next = new Map<string, number>(prev);
  const partitions: KedaPartitionLag[] = [];
  let totalLag = 0;
  let totalLagWithPersistent = 0;
  let partitionsWithLag = 0;
  for (const p of parts) {
    const committed = p.committedOffset === null || p.committedOffset < 0 ? null : p.committedOffset;
    const r = partitionLag(p, s, prev, next);
    totalLag += r.lag;
    totalLagWithPersistent += r.withPersistent;
    if (r.lag > 0) partitionsWithLag++;
    partitions.push({
      topic: p.topic,
      partition: p.partition,
      committedOffset: committed,
      logEndOffset: p.logEndOffset,
      lag: committed === null ? null : p.logEndOffset - committed,
      kedaLag: r.lag,
      kedaLagWithPersistent: r.withPersistent,
      persistent: r.persistent,
    });
  }
  const P = parts.length;
  const T = s.lagThreshold;
  let metric = totalLag;
  if (!s.allowIdleConsumers || s.limitToPartitionsWithLag || s.ensureEvenDistributionOfPartitions) {
    if (s.ensureEvenDistributionOfPartitions) metric = nextBalancingFactor(metric, P, T) * T;
    const upper = s.limitToPartitionsWithLag ? partitionsWithLag : P;
    // Integer division: a total in (upper·T, (upper+1)·T) is not capped.
    if (idiv(metric, T) > upper) metric = upper * T;
  }
  const active = totalLagWithPersistent > s.activationLagThreshold;
  return {
    partitions,
    totalLag,
    totalLagWithPersistent,
    partitionsWithLag,
    partitionCount: P,
    metric,
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
