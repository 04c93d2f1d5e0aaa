import { describe, expect, it } from 'vitest';
import { analyzeLag, renderLagProm, renderLagText, type LagInput } from '../../src/kafka/lagView.js';
import { DEFAULT_SETTINGS, type ScaledObjectSettings } from '../../src/scaling/settings.js';

const S = (o: Partial<ScaledObjectSettings> = {}): ScaledObjectSettings => ({ ...DEFAULT_SETTINGS, ...o });
type Off = LagInput['offsets'][number];
const P = (partition: number, committedOffset: number | null, logEndOffset: number, logStartOffset = 0, topic = 't1'): Off => ({
  topic,
  partition,
  committedOffset,
  logEndOffset,
  logStartOffset,
});
const input = (offsets: Off[], settings = S(), extra: Partial<LagInput> = {}): LagInput => ({ group: 'g1', topic: 't1', settings, offsets, ...extra });
const codes = (i: LagInput) => analyzeLag(i).doc.warnings.map((w) => w.code);
const uncommitted = (n: number, e = 2000, start = 0) => Array.from({ length: n }, (_, i) => P(i, null, e, start));

describe('lag document', () => {
  it("has exactly the issue's shape", () => {
    const { doc } = analyzeLag(input([P(0, 5, 20), P(1, null, 7)], S({ offsetResetPolicy: 'earliest' })));
    expect(Object.keys(doc).sort()).toEqual(['group', 'keda', 'partitions', 'settings', 'totalLag', 'versions', 'warnings']);
    expect(doc.partitions).toEqual([
      { topic: 't1', partition: 0, committedOffset: 5, logStartOffset: 0, logEndOffset: 20, lag: 15, kedaLag: 15, persistentIncludedLag: 15, counted: true },
      { topic: 't1', partition: 1, committedOffset: null, logStartOffset: 0, logEndOffset: 7, lag: null, kedaLag: 7, persistentIncludedLag: 7, counted: true },
    ]);
    expect(doc.totalLag).toBe(22);
    expect(doc.keda).toEqual({ metric: 22, active: true, desiredReplicas: 1, persistentIncludedLag: 22 });
    expect(doc.settings.offsetResetPolicy).toBe('earliest');
    expect(doc.versions).toEqual({ kedaModel: '2.18' });
  });

  it('the Must-show case: 20000 records never consumed, earliest → totalLag 20000, raw lags null, metric capped', () => {
    const { doc } = analyzeLag(input(uncommitted(10), S({ offsetResetPolicy: 'earliest' })));
    expect(doc.totalLag).toBe(20_000);
    expect(doc.partitions.every((p) => p.lag === null)).toBe(true);
    expect(doc.keda).toMatchObject({ metric: 2000, active: true, desiredReplicas: 10 });
    expect(doc.warnings.map((w) => w.code)).toEqual(['METRIC_CAPPED']);
  });
});

describe('trap warnings', () => {
  it("never committed, latest, activation ≥ partitions → can never activate (the seed's own settings)", () => {
    expect(codes(input(uncommitted(10)))).toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');
    expect(codes(input(uncommitted(10), S({ activationLagThreshold: 20 })))).toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');
  });
  it('neighbour: activation below the partition count → only "counts one"', () => {
    const c = codes(input(uncommitted(10), S({ activationLagThreshold: 9 })));
    expect(c).not.toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');
    expect(c).toContain('UNCOMMITTED_COUNTS_ONE');
  });
  it('neighbour: one committed partition → not "never committed"', () => {
    const c = codes(input([P(0, 0, 2000), ...uncommitted(10).slice(1)]));
    expect(c).not.toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');
    expect(c).toContain('UNCOMMITTED_COUNTS_ONE');
  });
  it('neighbour: earliest or scaleToZeroOnInvalidOffset → no "counts one"', () => {
    expect(codes(input(uncommitted(10), S({ offsetResetPolicy: 'earliest' })))).not.toContain('UNCOMMITTED_COUNTS_ONE');
    const z = codes(input(uncommitted(10), S({ scaleToZeroOnInvalidOffset: true })));
    expect(z).not.toContain('NEVER_COMMITTED_CANNOT_ACTIVATE');
    expect(z).toContain('INVALID_OFFSET_COUNTS_ZERO');
  });
  it('earliest counts records removed by retention; neighbour log start 0 → no warning', () => {
    const w = analyzeLag(input(uncommitted(2, 50, 40), S({ offsetResetPolicy: 'earliest' }))).doc.warnings;
    expect(w.find((x) => x.code === 'EARLIEST_COUNTS_DELETED')?.message).toContain('80 records');
    expect(codes(input(uncommitted(2, 50, 0), S({ offsetResetPolicy: 'earliest' })))).not.toContain('EARLIEST_COUNTS_DELETED');
  });
  it('metric capped; neighbour allowIdleConsumers → not capped', () => {
    const parts = Array.from({ length: 10 }, (_, i) => P(i, 0, 300));
    expect(codes(input(parts))).toContain('METRIC_CAPPED');
    expect(codes(input(parts, S({ allowIdleConsumers: true })))).not.toContain('METRIC_CAPPED');
  });
  it('integer-division gap (2150 → 11 replicas wanted); neighbour 2000 → none', () => {
    const gap = [P(0, 0, 2150), ...Array.from({ length: 9 }, (_, i) => P(i + 1, 0, 0))];
    const w = analyzeLag(input(gap, S({ maxReplicaCount: 20 }))).doc.warnings;
    expect(w.find((x) => x.code === 'CAP_INTEGER_GAP')?.message).toContain('asks for 11 replicas');
    const at = [P(0, 0, 2000), ...Array.from({ length: 9 }, (_, i) => P(i + 1, 0, 0))];
    expect(codes(input(at))).not.toContain('CAP_INTEGER_GAP');
  });
  it('no topic and no commits → KEDA has nothing to measure; neighbour with a topic → no such warning', () => {
    expect(codes(input([], S(), { topic: undefined }))).toEqual(['NO_COMMITTED_TOPICS']);
    expect(codes(input([P(0, 0, 0)]))).not.toContain('NO_COMMITTED_TOPICS');
  });
  it('negative lag is named, with the right verb and what the modelled KEDA sends', () => {
    const one = analyzeLag(input([P(0, 12, 10)])).doc.warnings.find((w) => w.code === 'NEGATIVE_LAG')?.message;
    expect(one).toMatch(/^1 partition shows a committed offset beyond the log end \(t1\/0\)/);
    expect(one).toContain('KEDA 2.18 passes -2 on to the HPA');
    const two = analyzeLag(input([P(0, 12, 10), P(1, 13, 10)], S({ kedaVersion: '2.20' }))).doc.warnings.find((w) => w.code === 'NEGATIVE_LAG')?.message;
    expect(two).toMatch(/^2 partitions show a committed offset/);
    expect(two).toContain('KEDA 2.20 sends it as 0');
    expect(codes(input([P(0, 10, 10)]))).not.toContain('NEGATIVE_LAG');
  });
  it('a commit past the log end: metric 0 with KEDA 2.20, negative with 2.18', () => {
    expect(analyzeLag(input([P(0, 12, 10)], S({ kedaVersion: '2.20' }))).doc.keda.metric).toBe(0);
    expect(analyzeLag(input([P(0, 12, 10)], S({ kedaVersion: '2.18' }))).doc.keda.metric).toBe(-2);
  });
  it('COMMIT_BELOW_LOG_START names the deleted records; neighbour: commit at the log start → none', () => {
    const w = analyzeLag(input([P(0, 5, 100, 40)])).doc.warnings.find((x) => x.code === 'COMMIT_BELOW_LOG_START');
    expect(w?.message).toContain('t1/0 commit 5 < start 40');
    expect(w?.message).toContain('35 records were deleted under the commit');
    expect(codes(input([P(0, 40, 100, 40)]))).not.toContain('COMMIT_BELOW_LOG_START');
    expect(codes(input([P(0, null, 100, 40)]))).not.toContain('COMMIT_BELOW_LOG_START');
  });
  it('OPEN_TRANSACTION when the last stable offset is below the high watermark; neighbour equal → none', () => {
    const open = input([{ ...P(0, 3, 12), lastStableOffset: 10 }]);
    expect(analyzeLag(open).doc.warnings.find((x) => x.code === 'OPEN_TRANSACTION')?.message).toContain('t1/0 10 < 12');
    expect(codes(input([{ ...P(0, 3, 12), lastStableOffset: 12 }]))).not.toContain('OPEN_TRANSACTION');
    expect(codes(input([P(0, 3, 12)]))).not.toContain('OPEN_TRANSACTION');
  });
  it('earliest: KEDA main counts from the log start, so no EARLIEST_COUNTS_DELETED; 2.18 does', () => {
    const parts = uncommitted(2, 50, 40);
    expect(codes(input(parts, S({ offsetResetPolicy: 'earliest', kedaVersion: 'main' })))).not.toContain('EARLIEST_COUNTS_DELETED');
    expect(analyzeLag(input(parts, S({ offsetResetPolicy: 'earliest', kedaVersion: 'main' }))).doc.totalLag).toBe(20);
    expect(codes(input(parts, S({ offsetResetPolicy: 'earliest', kedaVersion: '2.18' })))).toContain('EARLIEST_COUNTS_DELETED');
  });
  it('maxReplicaCount above partitions + 1', () => {
    expect(codes(input([P(0, 0, 0), P(1, 0, 0)], S({ maxReplicaCount: 4 })))).toContain('MAX_ABOVE_PARTITIONS');
    expect(codes(input([P(0, 0, 0), P(1, 0, 0)], S({ maxReplicaCount: 3 })))).not.toContain('MAX_ABOVE_PARTITIONS');
  });
  it('persistent lag keeps KEDA active: only on the second sample with the same commit', () => {
    const parts = [P(0, 500, 800)];
    const s = S({ excludePersistentLag: true });
    const first = analyzeLag(input(parts, s));
    expect(first.doc.warnings.map((w) => w.code)).not.toContain('PERSISTENT_LAG_KEEPS_ACTIVE');
    const second = analyzeLag(input(parts, s), first.view.memory);
    expect(second.doc.warnings.map((w) => w.code)).toContain('PERSISTENT_LAG_KEEPS_ACTIVE');
    expect(second.doc.keda).toEqual({ metric: 0, active: true, desiredReplicas: 1, persistentIncludedLag: 300 });
    expect(second.doc.partitions[0]).toMatchObject({ lag: 300, kedaLag: 0, persistentIncludedLag: 300 });
  });
});

describe('text table', () => {
  it('shows - for no commit, the KEDA line and the HPA caveat', () => {
    const i = input([P(0, 3, 10), P(1, null, 4)], S(), { groupState: 'Empty', members: 0 });
    const t = renderLagText(i, analyzeLag(i));
    expect(t).toContain('group g1, topic t1, state Empty, 0 members');
    expect(t).toMatch(/^t1\s+0\s+3\s+0\s+10\s+7\s+7$/m);
    expect(t).toMatch(/^t1\s+1\s+-\s+0\s+4\s+-\s+1$/m);
    expect(t).toContain('settings (KEDA 2.18):');
    expect(t).toContain('KEDA sees: metric 8; active no (8 ≤ 10); desired replicas 0');
    expect(t).toContain('before tolerance, stabilization and policies');
  });
});

describe('partitionLimitation in the lag document', () => {
  // The example: p0 300/1000, p1 200/1000, p2 1000/1000, p3 never committed.
  const example = [P(0, 300, 1000), P(1, 200, 1000), P(2, 1000, 1000), P(3, null, 0)];
  it('"0,2-3" → totalLag 701, metric 701; p1 listed but not counted', () => {
    const { doc } = analyzeLag(input(example, S({ partitionLimitation: '0,2-3' })));
    expect([doc.totalLag, doc.keda.metric]).toEqual([701, 701]);
    expect(doc.partitions.map((p) => p.counted)).toEqual([true, false, true, true]);
    const i = input(example, S({ partitionLimitation: '0,2-3' }));
    expect(renderLagText(i, analyzeLag(i))).toMatch(/^t1\s+1\s+200\s+0\s+1000\s+800\s+- \(not in partitionLimitation\)$/m);
  });
  it('neighbour: without it 1501 and 800 (capped at 4 × 200)', () => {
    const { doc } = analyzeLag(input(example));
    expect([doc.totalLag, doc.keda.metric]).toEqual([1501, 800]);
  });
  it('without a topic KEDA ignores it', () => {
    expect(analyzeLag(input(example, S({ partitionLimitation: '0,2-3' }), { topic: undefined })).doc.totalLag).toBe(1501);
  });
});

describe('Prometheus exposition (kafka_exporter names)', () => {
  it('no members gauge for a group that does not exist (state Dead); neighbour Empty → members 0', () => {
    const dead = input([P(0, null, 4)], S(), { members: 0, groupState: 'Dead' });
    expect(renderLagProm(dead, analyzeLag(dead))).not.toMatch(/^kafka_consumergroup_members/m);
    const empty = input([P(0, 2, 4)], S(), { members: 0, groupState: 'Empty' });
    expect(renderLagProm(empty, analyzeLag(empty))).toMatch(/^kafka_consumergroup_members\{consumergroup="g1"\} 0$/m);
  });
  it('-1 for no commit; lag_sum leaves it out, current_offset_sum counts it; labels sorted', () => {
    const i = input([P(0, 3, 10, 1), P(1, null, 4)], S(), { members: 2 });
    const text = renderLagProm(i, analyzeLag(i));
    const lines = text.trim().split('\n');
    expect(lines).toContain('kafka_consumergroup_current_offset{consumergroup="g1",partition="0",topic="t1"} 3');
    expect(lines).toContain('kafka_consumergroup_current_offset{consumergroup="g1",partition="1",topic="t1"} -1');
    expect(lines).toContain('kafka_consumergroup_lag{consumergroup="g1",partition="0",topic="t1"} 7');
    expect(lines).toContain('kafka_consumergroup_lag{consumergroup="g1",partition="1",topic="t1"} -1');
    expect(lines).toContain('kafka_consumergroup_lag_sum{consumergroup="g1",topic="t1"} 7');
    expect(lines).toContain('kafka_consumergroup_current_offset_sum{consumergroup="g1",topic="t1"} 2');
    expect(lines).toContain('kafka_consumergroup_members{consumergroup="g1"} 2');
    expect(lines).toContain('kafka_topic_partitions{topic="t1"} 2');
    expect(lines).toContain('kafka_topic_partition_current_offset{partition="0",topic="t1"} 10');
    expect(lines).toContain('kafka_topic_partition_oldest_offset{partition="0",topic="t1"} 1');
    expect(lines).toContain('cma_demo_keda_metric{consumergroup="g1",topic="t1"} 8');
    expect(lines).toContain('# TYPE kafka_consumergroup_lag gauge');
    // Each family: HELP, TYPE, then its series.
    const i1 = lines.indexOf('# TYPE kafka_consumergroup_lag gauge');
    expect(lines[i1 - 1]).toMatch(/^# HELP kafka_consumergroup_lag /);
    expect(lines[i1 + 1]).toMatch(/^kafka_consumergroup_lag\{/);
  });
  it('a topic without any commit gets no consumergroup series, as kafka_exporter does', () => {
    const i = input(uncommitted(3));
    const text = renderLagProm(i, analyzeLag(i));
    expect(text).not.toMatch(/^kafka_consumergroup_lag/m);
    expect(text).toMatch(/^kafka_topic_partitions\{topic="t1"\} 3$/m);
    expect(text).toMatch(/^# cma-demo: group g1 has no commit on topic t1/m);
  });
});
