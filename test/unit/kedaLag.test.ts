import { describe, expect, it } from 'vitest';
import { computeKedaView, factors, nextBalancingFactor, rawDesiredReplicas, type PartitionOffsets } from '../../src/scaling/kedaLag.js';
import { DEFAULT_SETTINGS, type ScaledObjectSettings } from '../../src/scaling/settings.js';

// Defaults of the reference's worked examples: T = 200, P = 10, activation = 10, latest, max 10, min 0.
const S = (o: Partial<ScaledObjectSettings> = {}): ScaledObjectSettings => ({ ...DEFAULT_SETTINGS, ...o });

/** P partitions of topic t; c/e per partition from arrays or one value for all. */
function parts(c: (number | null)[] | number | null, e: number[] | number, P = 10, topic = 't'): PartitionOffsets[] {
  return Array.from({ length: P }, (_, i) => ({
    topic,
    partition: i,
    committedOffset: Array.isArray(c) ? (c[i] ?? null) : c,
    logEndOffset: Array.isArray(e) ? (e[i] ?? 0) : e,
  }));
}
/** Committed 0 everywhere, log-end = the given lag per partition. */
const lags = (ls: number[], P = 10) =>
  parts(
    0,
    Array.from({ length: P }, (_, i) => ls[i] ?? 0),
    P,
  );

describe("computeKedaView: worked examples of KEDA's lag maths (docs/design.md §8.1) and their neighbours", () => {
  const table: Array<{
    name: string;
    parts: PartitionOffsets[];
    settings?: Partial<ScaledObjectSettings>;
    totalLag: number;
    metric: number;
    active: boolean;
    desired: number;
  }> = [
    // Demo backlog: 1 000 000 → capped at P·T = 2000.
    { name: 'demo backlog is capped at P·T', parts: parts(0, 100_000), totalLag: 1_000_000, metric: 2000, active: true, desired: 10 },
    {
      name: 'neighbour: allowIdleConsumers removes the cap',
      parts: parts(0, 100_000),
      settings: { allowIdleConsumers: true, maxReplicaCount: 100_000 },
      totalLag: 1_000_000,
      metric: 1_000_000,
      active: true,
      desired: 5000,
    },
    {
      name: 'neighbour: allowIdleConsumers, desired clamped to max',
      parts: parts(0, 100_000),
      settings: { allowIdleConsumers: true },
      totalLag: 1_000_000,
      metric: 1_000_000,
      active: true,
      desired: 10,
    },
    // Lag on 3 partitions.
    { name: 'lag on 3 partitions is under the cap', parts: lags([500, 500, 500]), totalLag: 1500, metric: 1500, active: true, desired: 8 },
    {
      name: 'neighbour: limitToPartitionsWithLag caps at 3·T',
      parts: lags([500, 500, 500]),
      settings: { limitToPartitionsWithLag: true },
      totalLag: 1500,
      metric: 600,
      active: true,
      desired: 3,
    },
    {
      name: 'limitToPartitionsWithLag boundary: 799/200 = 3, not > 3',
      parts: lags([300, 300, 199]),
      settings: { limitToPartitionsWithLag: true },
      totalLag: 799,
      metric: 799,
      active: true,
      desired: 4,
    },
    {
      name: 'limitToPartitionsWithLag boundary: 800/200 = 4 > 3',
      parts: lags([300, 300, 200]),
      settings: { limitToPartitionsWithLag: true },
      totalLag: 800,
      metric: 600,
      active: true,
      desired: 3,
    },
    // Integer-division gap.
    {
      name: 'integer-division gap: 2150 is not capped',
      parts: lags([2150]),
      settings: { maxReplicaCount: 20 },
      totalLag: 2150,
      metric: 2150,
      active: true,
      desired: 11,
    },
    { name: 'gap: 2199 is still not capped', parts: lags([2199]), settings: { maxReplicaCount: 20 }, totalLag: 2199, metric: 2199, active: true, desired: 11 },
    {
      name: 'neighbour: 2200/200 = 11 > 10 is capped',
      parts: lags([2200]),
      settings: { maxReplicaCount: 20 },
      totalLag: 2200,
      metric: 2000,
      active: true,
      desired: 10,
    },
    { name: 'gap: desired clamped by maxReplicaCount 10', parts: lags([2150]), totalLag: 2150, metric: 2150, active: true, desired: 10 },
    // Never-committed group.
    { name: 'never committed, latest: 1 per partition, 10 > 10 is false', parts: parts(null, 0), totalLag: 10, metric: 10, active: false, desired: 0 },
    {
      name: 'neighbour: activation 9 activates',
      parts: parts(null, 0),
      settings: { activationLagThreshold: 9 },
      totalLag: 10,
      metric: 10,
      active: true,
      desired: 1,
    },
    { name: 'neighbour: 11 partitions activate at 10', parts: parts(null, 0, 11), totalLag: 11, metric: 11, active: true, desired: 1 },
    { name: 'committed -1 is "no commit" too', parts: parts(-1, 500), totalLag: 10, metric: 10, active: false, desired: 0 },
    // KEDA checks only −1 (invalidOffset): −2 is a commit, lag e − (−2).
    {
      name: 'committed -2 is a commit: e + 2',
      parts: parts(-2, 500, 1),
      settings: { activationLagThreshold: 0, allowIdleConsumers: true },
      totalLag: 502,
      metric: 502,
      active: true,
      desired: 3,
    },
    // earliest.
    {
      name: 'never committed, earliest: log-end counts (incl. deleted records)',
      parts: parts(null, 50),
      settings: { offsetResetPolicy: 'earliest' },
      totalLag: 500,
      metric: 500,
      active: true,
      desired: 3,
    },
    {
      name: 'neighbour: same offsets under latest count 1 each',
      parts: parts(null, 50),
      settings: { offsetResetPolicy: 'latest' },
      totalLag: 10,
      metric: 10,
      active: false,
      desired: 0,
    },
    // scaleToZeroOnInvalidOffset.
    {
      name: 'scaleToZeroOnInvalidOffset, latest: 0',
      parts: parts(null, 50),
      settings: { scaleToZeroOnInvalidOffset: true, activationLagThreshold: 0 },
      totalLag: 0,
      metric: 0,
      active: false,
      desired: 0,
    },
    {
      name: 'scaleToZeroOnInvalidOffset, earliest: 0',
      parts: parts(null, 50),
      settings: { scaleToZeroOnInvalidOffset: true, offsetResetPolicy: 'earliest' },
      totalLag: 0,
      metric: 0,
      active: false,
      desired: 0,
    },
    {
      name: 'neighbour: without the flag, latest, activation 0 → active',
      parts: parts(null, 50, 1),
      settings: { activationLagThreshold: 0 },
      totalLag: 1,
      metric: 1,
      active: true,
      desired: 1,
    },
    {
      name: 'scaleToZeroOnInvalidOffset leaves committed partitions alone',
      parts: parts([5, null], [50, 50], 2),
      settings: { scaleToZeroOnInvalidOffset: true },
      totalLag: 45,
      metric: 45,
      active: true,
      desired: 1,
    },
    // ensureEvenDistributionOfPartitions.
    {
      name: 'ensureEven: 700 → next divisor 5 → 1000',
      parts: lags([700]),
      settings: { ensureEvenDistributionOfPartitions: true },
      totalLag: 700,
      metric: 1000,
      active: true,
      desired: 5,
    },
    {
      name: 'ensureEven: 1000 stays at divisor 5',
      parts: lags([1000]),
      settings: { ensureEvenDistributionOfPartitions: true },
      totalLag: 1000,
      metric: 1000,
      active: true,
      desired: 5,
    },
    {
      name: 'neighbour: ensureEven 1001 → divisor 10 → 2000',
      parts: lags([1001]),
      settings: { ensureEvenDistributionOfPartitions: true },
      totalLag: 1001,
      metric: 2000,
      active: true,
      desired: 10,
    },
    {
      name: 'ensureEven: total 0 → 200 and inactive',
      parts: lags([]),
      settings: { ensureEvenDistributionOfPartitions: true },
      totalLag: 0,
      metric: 200,
      active: false,
      desired: 0,
    },
    {
      name: 'ensureEven applies even with allowIdleConsumers',
      parts: lags([300]),
      settings: { ensureEvenDistributionOfPartitions: true, allowIdleConsumers: true },
      totalLag: 300,
      metric: 400,
      active: true,
      desired: 2,
    },
    {
      name: 'ensureEven beyond P·T → P·T',
      parts: lags([5000]),
      settings: { ensureEvenDistributionOfPartitions: true },
      totalLag: 5000,
      metric: 2000,
      active: true,
      desired: 10,
    },
    // Activation strictly greater.
    { name: 'activation at equality: 10 > 10 is false', parts: lags([10]), totalLag: 10, metric: 10, active: false, desired: 0 },
    { name: 'neighbour: 11 > 10 is active', parts: lags([11]), totalLag: 11, metric: 11, active: true, desired: 1 },
    { name: 'activation 0: lag 0 is inactive', parts: lags([]), settings: { activationLagThreshold: 0 }, totalLag: 0, metric: 0, active: false, desired: 0 },
    { name: 'activation 0: lag 1 is active', parts: lags([1]), settings: { activationLagThreshold: 0 }, totalLag: 1, metric: 1, active: true, desired: 1 },
    // Cap at the P boundary.
    { name: 'cap boundary: 2000 = P·T is not capped (10 > 10 false)', parts: lags([2000]), totalLag: 2000, metric: 2000, active: true, desired: 10 },
    // Negative lag (commit read after the end offset).
    {
      name: 'negative raw lag is summed as is',
      parts: parts([105, 0], [100, 50], 2),
      settings: { activationLagThreshold: 0 },
      totalLag: 45,
      metric: 45,
      active: true,
      desired: 1,
    },
    {
      name: 'negative total, KEDA 2.18: the metric stays negative',
      parts: parts([105], [100], 1),
      settings: { activationLagThreshold: 0, kedaVersion: '2.18' },
      totalLag: -5,
      metric: -5,
      active: false,
      desired: 0,
    },
    {
      name: 'neighbour: negative total, KEDA 2.20 (2.20.2): sent as 0',
      parts: parts([105], [100], 1),
      settings: { activationLagThreshold: 0, kedaVersion: '2.20' },
      totalLag: -5,
      metric: 0,
      active: false,
      desired: 0,
    },
    {
      name: 'neighbour: KEDA 2.20.1 still passes it on',
      parts: parts([105], [100], 1),
      settings: { activationLagThreshold: 0, kedaVersion: '2.20.1' },
      totalLag: -5,
      metric: -5,
      active: false,
      desired: 0,
    },
    {
      name: 'ensureEven with a negative total: factor 1 → T (every release)',
      parts: parts([105], [100], 1),
      settings: { ensureEvenDistributionOfPartitions: true, kedaVersion: '2.18' },
      totalLag: -5,
      metric: 200,
      active: false,
      desired: 0,
    },
    // Multiple topics: P summed over topics.
    { name: 'P is summed over topics', parts: [...parts(0, 1000, 2, 'a'), ...parts(0, 1000, 1, 'b')], totalLag: 3000, metric: 600, active: true, desired: 3 },
  ];
  for (const row of table) {
    it(row.name, () => {
      const v = computeKedaView(row.parts, S(row.settings));
      expect({ totalLag: v.totalLag, metric: v.metric, active: v.active, desired: v.desiredReplicas }).toEqual({
        totalLag: row.totalLag,
        metric: row.metric,
        active: row.active,
        desired: row.desired,
      });
      expect(v.partitionCount).toBe(row.parts.length);
    });
  }
});

describe('computeKedaView: partitionLimitation (getTopicPartitions + isActivePartition)', () => {
  // The example: p0 300/1000, p1 200/1000, p2 1000/1000, p3 never committed; T 200, latest.
  const example = parts([300, 200, 1000, null], [1000, 1000, 1000, 0], 4);
  it('"0,2-3": only p0, p2, p3 count → totalLag 701, metric 701 (3 partitions: 701/200 = 3, not > 3)', () => {
    const v = computeKedaView(example, S({ partitionLimitation: '0,2-3' }));
    expect([v.totalLag, v.metric, v.partitionCount]).toEqual([701, 701, 3]);
    expect(v.partitions.map((p) => [p.partition, p.counted, p.kedaLag])).toEqual([
      [0, true, 700],
      [1, false, 0],
      [2, true, 0],
      [3, true, 1],
    ]);
  });
  it('neighbour: no limitation → every partition counts (1501, capped at 4·200 = 800)', () => {
    const v = computeKedaView(example, S());
    expect([v.totalLag, v.metric, v.partitionCount]).toEqual([1501, 800, 4]);
  });
  it('a trigger without a topic ignores the limitation', () => {
    const v = computeKedaView(example, S({ partitionLimitation: '0,2-3' }), undefined, { allTopics: true });
    expect(v.totalLag).toBe(1501);
  });
  it('the cap uses the limited count: 3 partitions → 600', () => {
    const v = computeKedaView(parts(0, [1000, 1000, 1000, 1000], 4), S({ partitionLimitation: '0-2' }));
    expect([v.totalLag, v.metric]).toEqual([3000, 600]);
  });
  it('a limitation naming none of the topic\'s partitions is KEDA\'s "no active partition" error (exit 2)', () => {
    expect(() => computeKedaView(example, S({ partitionLimitation: '7-9' }))).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining('names no partition of topic t') }),
    );
  });
  it('an inverted range: 2.20 reads it as an empty list (error), 2.18 as no limitation', () => {
    expect(() => computeKedaView(example, S({ partitionLimitation: '3-1', kedaVersion: '2.20' }))).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(computeKedaView(example, S({ partitionLimitation: '3-1', kedaVersion: '2.18' })).totalLag).toBe(1501);
  });
  it('spaces: 2.20 trims them, 2.18 refuses " 2"', () => {
    expect(computeKedaView(example, S({ partitionLimitation: '0, 2-3', kedaVersion: '2.20' })).totalLag).toBe(701);
    expect(() => computeKedaView(example, S({ partitionLimitation: '0, 2-3', kedaVersion: '2.18' }))).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('computeKedaView: earliest and records deleted by retention (#7936)', () => {
  const deleted = [{ topic: 't', partition: 0, committedOffset: null, logEndOffset: 500, logStartOffset: 480 }];
  const earliest = (kedaVersion: string) => S({ offsetResetPolicy: 'earliest', activationLagThreshold: 0, kedaVersion });
  it('KEDA 2.18–2.20 count the log-end offset, deleted records included', () => {
    for (const v of ['2.18', '2.19', '2.20']) expect(computeKedaView(deleted, earliest(v)).totalLag).toBe(500);
  });
  it('KEDA main counts log end − log start (#7937)', () => {
    expect(computeKedaView(deleted, earliest('main')).totalLag).toBe(20);
  });
  it('main with an unknown log start falls back to the log end, as KEDA does when the read fails', () => {
    expect(computeKedaView([{ topic: 't', partition: 0, committedOffset: null, logEndOffset: 500 }], earliest('main')).totalLag).toBe(500);
  });
  it('an emptied partition: main counts 0 (inactive), 2.18 counts 500', () => {
    const empty = [{ ...deleted[0]!, logStartOffset: 500 }];
    expect(computeKedaView(empty, earliest('main')).active).toBe(false);
    expect(computeKedaView(empty, earliest('2.18')).active).toBe(true);
  });
  it('a committed partition is unaffected by the version', () => {
    const committed = [{ ...deleted[0]!, committedOffset: 100 }];
    expect(computeKedaView(committed, earliest('main')).totalLag).toBe(400);
  });
});

describe('computeKedaView: per-partition fields', () => {
  it('raw lag is null without a commit, kedaLag follows the policy', () => {
    const v = computeKedaView(parts([null, 3], [40, 10], 2), S({ offsetResetPolicy: 'earliest' }));
    expect(v.partitions).toEqual([
      {
        topic: 't',
        partition: 0,
        committedOffset: null,
        logEndOffset: 40,
        lag: null,
        kedaLag: 40,
        kedaLagWithPersistent: 40,
        persistent: false,
        counted: true,
      },
      { topic: 't', partition: 1, committedOffset: 3, logEndOffset: 10, lag: 7, kedaLag: 7, kedaLagWithPersistent: 7, persistent: false, counted: true },
    ]);
  });
  it('partitionsWithLag counts kedaLag > 0 only (not 0, not negative)', () => {
    const v = computeKedaView(parts([0, 5, 10, null], [3, 5, 8, 0], 4), S());
    expect(v.partitionsWithLag).toBe(2); // p0 (3) and p3 (1 under latest); p1 0, p2 −2
  });
});

describe('computeKedaView: excludePersistentLag across polls', () => {
  const stuck = (c: number) => [
    { topic: 't', partition: 0, committedOffset: c, logEndOffset: 800 },
    ...parts(0, 0, 9).map((p, i) => ({ ...p, partition: i + 1 })),
  ];
  const on = S({ excludePersistentLag: true });

  it('first poll counts the lag and remembers the commit', () => {
    const v1 = computeKedaView(stuck(500), on);
    expect(v1.metric).toBe(300);
    expect(v1.partitions[0]!.persistent).toBe(false);
    expect(v1.memory.get('t/0')).toBe(500);
  });
  it('second poll with the same commit: metric 0 but still active (300 > 10), desired 1', () => {
    const v1 = computeKedaView(stuck(500), on);
    const v2 = computeKedaView(stuck(500), on, v1.memory);
    expect(v2.metric).toBe(0);
    expect(v2.totalLag).toBe(0);
    expect(v2.totalLagWithPersistent).toBe(300);
    expect(v2.active).toBe(true);
    expect(v2.desiredReplicas).toBe(1);
    expect(v2.partitions[0]).toMatchObject({ lag: 300, kedaLag: 0, kedaLagWithPersistent: 300, persistent: true });
    // Partitions with no lag and an unchanged commit are excluded too, but carry no lag to exclude.
    expect(v2.partitions[1]).toMatchObject({ kedaLag: 0, persistent: false });
  });
  it('neighbour: the commit moved → counted again and remembered', () => {
    const v1 = computeKedaView(stuck(500), on);
    const v2 = computeKedaView(stuck(600), on, v1.memory);
    expect(v2.metric).toBe(200);
    expect(v2.partitions[0]!.persistent).toBe(false);
    expect(v2.memory.get('t/0')).toBe(600);
    const v3 = computeKedaView(stuck(600), on, v2.memory);
    expect(v3.metric).toBe(0);
  });
  it('neighbour: without the flag the same two polls count the lag both times', () => {
    const v1 = computeKedaView(stuck(500), S());
    const v2 = computeKedaView(stuck(500), S(), v1.memory);
    expect(v2.metric).toBe(300);
    expect(v2.partitions[0]!.persistent).toBe(false);
  });
  it('neighbour: without memory (scaler rebuilt) the lag counts again', () => {
    const v2 = computeKedaView(stuck(500), on, new Map());
    expect(v2.metric).toBe(300);
  });
  it('partitions with no commit are never excluded (#5906)', () => {
    const v1 = computeKedaView(parts(null, 0), on);
    const v2 = computeKedaView(parts(null, 0), on, v1.memory);
    expect(v2.totalLag).toBe(10);
    expect(v1.memory.size).toBe(0);
  });
  it('memory survives a read where the partition is absent and is not mutated in place', () => {
    const v1 = computeKedaView(stuck(500), on);
    const before = new Map(v1.memory);
    const v2 = computeKedaView(parts(0, 0, 1, 'other'), on, v1.memory);
    expect(v1.memory).toEqual(before);
    const v3 = computeKedaView(stuck(500), on, v2.memory);
    expect(v3.metric).toBe(0);
  });
});

describe('balancing factors', () => {
  it('factors are the sorted divisors', () => {
    expect(factors(10)).toEqual([1, 2, 5, 10]);
    expect(factors(16)).toEqual([1, 2, 4, 8, 16]);
    expect(factors(1)).toEqual([1]);
    expect(factors(0)).toEqual([]);
  });
  it('next factor: smallest f with f·T ≥ lag, else P', () => {
    expect(nextBalancingFactor(700, 10, 200)).toBe(5);
    expect(nextBalancingFactor(400, 10, 200)).toBe(2);
    expect(nextBalancingFactor(401, 10, 200)).toBe(5);
    expect(nextBalancingFactor(5000, 10, 200)).toBe(10);
  });
});

describe('rawDesiredReplicas', () => {
  it('inactive → minReplicaCount (0 by default)', () => {
    expect(rawDesiredReplicas(5000, false, S())).toBe(0);
    expect(rawDesiredReplicas(5000, false, S({ minReplicaCount: 2 }))).toBe(2);
  });
  it('inactive with idleReplicaCount → idle', () => {
    expect(rawDesiredReplicas(5000, false, S({ minReplicaCount: 2, idleReplicaCount: 0 }))).toBe(0);
  });
  it('active → at least max(1, min)', () => {
    expect(rawDesiredReplicas(0, true, S())).toBe(1);
    expect(rawDesiredReplicas(0, true, S({ minReplicaCount: 3 }))).toBe(3);
    expect(rawDesiredReplicas(-50, true, S())).toBe(1);
  });
  it('active → ceil(metric/T), boundary at multiples of T', () => {
    expect(rawDesiredReplicas(200, true, S())).toBe(1);
    expect(rawDesiredReplicas(201, true, S())).toBe(2);
    expect(rawDesiredReplicas(1500, true, S())).toBe(8);
  });
  it('active → at most maxReplicaCount', () => {
    expect(rawDesiredReplicas(2000, true, S({ maxReplicaCount: 5 }))).toBe(5);
    expect(rawDesiredReplicas(2000, true, S({ maxReplicaCount: 10 }))).toBe(10);
  });
});
