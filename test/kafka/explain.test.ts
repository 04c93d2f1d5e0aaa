/**
 * explain's chain read from live offsets on the shared test broker, with the seed demo's ScaledObject: the
 * never-activates trap, persistent lag (a real consumer that never advances one partition), and the partition cap.
 * Each with its failing neighbour (one setting or one commit changed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { cliEnv, produceSequenced, uniqueName, withAdmin } from '../helpers/kafka.js';
import { readPartitionOffsets } from '../../src/kafka/lag.js';
import { explain } from '../../src/explain/document.js';
import { readScaledObject } from '../../src/explain/scaledObject.js';
import type { ScaledObjectSettings } from '../../src/scaling/settings.js';

const SEED = path.resolve(ROOT, '../shared/seed-demo/ScaledObject.yaml');
const seed = readScaledObject({ text: fs.readFileSync(SEED, 'utf8'), file: SEED }).settings!;

/** Reads the group's offsets (and its members) the way `explain` does. */
async function read(group: string, topic: string) {
  return withAdmin(async (a) => {
    const [offsets, desc] = await Promise.all([readPartitionOffsets(a, group, topic), a.describeGroup(group).catch(() => null)]);
    return { offsets, members: desc ? desc.members.length : null };
  });
}

async function explainLive(
  group: string,
  topic: string,
  o: { settings?: Partial<ScaledObjectSettings>; twoReads?: boolean; between?: () => Promise<void>; replicas?: number } = {},
) {
  const first = await read(group, topic);
  let cur = first;
  if (o.twoReads) {
    await o.between?.();
    cur = await read(group, topic);
  }
  return explain(
    {
      settings: { ...seed, ...o.settings },
      group,
      topic,
      offsets: cur.offsets,
      previous: o.twoReads ? first.offsets : null,
      replicas: { spec: o.replicas ?? cur.members ?? 0, source: o.replicas !== undefined ? 'test' : 'group members' },
      members: cur.members,
    },
    { source: { kind: 'file', name: 'kafka-consumer-scaledobject', file: SEED } },
  ).doc;
}

async function waitFor(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('explain on live offsets: the never-activates trap', () => {
  it('a group that never committed on 10 partitions: 10 × 1 = 10, not above activationLagThreshold 10', async () => {
    const topic = uniqueName('ex-trap');
    const group = uniqueName('ex-trap-g');
    await produceSequenced(topic, 1000, { partitions: 10 });
    const d = await explainLive(group, topic);
    expect(d.partitions).toHaveLength(10);
    expect(d.partitions.every((p) => p.rule === 'no-commit-latest' && p.lag === 1 && p.committedOffset === null)).toBe(true);
    expect(d.keda).toMatchObject({ totalLag: 10, metric: 10, active: false });
    expect(d.verdict).toMatchObject({ kind: 'never-activates', setting: 'activationLagThreshold' });
    expect(d.verdict.text).toBe('never activates: 10 uncommitted partitions × 1 = 10, not above activationLagThreshold 10');
  });

  it('neighbour: the same records once the group committed at the start → active, KEDA scales 0 → 1', async () => {
    const topic = uniqueName('ex-trap2');
    const group = uniqueName('ex-trap2-g');
    await produceSequenced(topic, 1000, { partitions: 10 });
    await withAdmin((a) =>
      a.commitOffsets(
        group,
        topic,
        Array.from({ length: 10 }, (_, partition) => ({ partition, offset: 0 })),
      ),
    );
    const d = await explainLive(group, topic);
    expect(d.keda).toMatchObject({ totalLag: 1000, active: true });
    expect(d.verdict.kind).toBe('activates');
  });
});

describe('explain on live offsets: persistent lag', () => {
  const topic = uniqueName('ex-stuck');
  const group = uniqueName('ex-stuck-g');
  let consumer: ResultPromise | null = null;

  beforeAll(async () => {
    await produceSequenced(topic, 400, { partitions: 4 });
    const ends = await withAdmin((a) => a.endOffsets(topic));
    const end3 = ends.find((e) => e.partition === 3)!.high;
    // Partition 3's commit sits 12 records below its end; the consumer below never advances it.
    await withAdmin((a) => a.commitOffsets(group, topic, [{ partition: 3, offset: end3 - 12 }]));
    consumer = execa(process.execPath, [BIN, 'consume', '--group', group, '--topic', topic, '--offset-reset', 'earliest', '--stall-partitions', '3'], {
      env: { NO_COLOR: '1', ...cliEnv() },
      reject: false,
    });
    // Wait until partitions 0–2 are drained and committed and the consumer is a member.
    await waitFor(async () => {
      const r = await read(group, topic);
      const lag = r.offsets.filter((o) => o.partition !== 3).reduce((s, o) => s + (o.logEndOffset - (o.committedOffset ?? 0)), 0);
      return (r.members ?? 0) >= 1 && lag === 0;
    });
  });
  afterAll(async () => {
    consumer?.kill('SIGTERM');
    await consumer;
  });

  it('two reads: partition 3 keeps lag 12 the consumer never reduces → stays at 1, excludePersistentLag off', async () => {
    const d = await explainLive(group, topic, { twoReads: true });
    expect(d.reads).toBe(2);
    expect(d.stuck).toEqual([{ topic, partition: 3, lag: 12 }]);
    expect(d.partitions.find((p) => p.partition === 3)).toMatchObject({ rule: 'committed', lag: 12, stuck: true });
    expect(d.partitions.filter((p) => p.partition !== 3).every((p) => p.stuck === false && p.lag === 0)).toBe(true);
    expect(d.replicas.current).toBe(1);
    expect(d.verdict).toMatchObject({ kind: 'persistent-lag-keeps-active', setting: 'excludePersistentLag', replicas: 1 });
    expect(d.verdict.text).toBe('stays at 1: partition 3 keeps lag 12 the consumer never reduces and excludePersistentLag is off');
  });

  it('with excludePersistentLag: the metric drops the partition, activation still counts it', async () => {
    const d = await explainLive(group, topic, { twoReads: true, settings: { excludePersistentLag: true } });
    expect(d.partitions.find((p) => p.partition === 3)).toMatchObject({ rule: 'persistent-excluded', lag: 0, lagWithPersistent: 12 });
    expect(d.keda).toMatchObject({ metric: 0, active: true });
    expect(d.verdict).toMatchObject({ kind: 'persistent-lag-keeps-active', setting: 'activationLagThreshold' });
  });

  it('neighbour: activationLagThreshold 12 (the fix the verdict names) → not active, KEDA scales 1 → 0', async () => {
    const d = await explainLive(group, topic, { twoReads: true, settings: { activationLagThreshold: 12 } });
    expect(d.keda.active).toBe(false);
    expect(d.verdict).toMatchObject({ kind: 'scales-to-zero', replicas: 0 });
  });

  it('neighbour: the commit moves between the reads → nothing is stuck (control: it does not → stuck)', async () => {
    // Another group on the same topic, with one replica said to run (commits of a group cannot be set while it has members).
    const other = uniqueName('ex-moved-g');
    await withAdmin((a) =>
      a.commitOffsets(
        other,
        topic,
        [0, 1, 2, 3].map((partition) => ({ partition, offset: 0 })),
      ),
    );
    const still = await explainLive(other, topic, { twoReads: true, replicas: 1 });
    expect(still.partitions.find((p) => p.partition === 3)!.stuck).toBe(true);
    const moved = await explainLive(other, topic, {
      twoReads: true,
      replicas: 1,
      between: () => withAdmin((a) => a.commitOffsets(other, topic, [{ partition: 3, offset: 5 }])),
    });
    expect(moved.partitions.find((p) => p.partition === 3)!.stuck).toBe(false);
    expect(moved.partitions.find((p) => p.partition === 0)!.stuck).toBe(true);
  });
});

describe('explain on live offsets: the partition cap', () => {
  it('3 partitions with 3000 records of lag: cannot exceed 3 (the metric capped at 600)', async () => {
    const topic = uniqueName('ex-cap');
    const group = uniqueName('ex-cap-g');
    await produceSequenced(topic, 3000, { partitions: 3 });
    await withAdmin((a) =>
      a.commitOffsets(
        group,
        topic,
        [0, 1, 2].map((partition) => ({ partition, offset: 0 })),
      ),
    );
    const d = await explainLive(group, topic);
    expect(d.keda).toMatchObject({ totalLag: 3000, metric: 600, capped: true, capUpper: 3 });
    expect(d.steps.find((s) => s.id === 'cap')).toMatchObject({ value: 600, setting: 'allowIdleConsumers' });
    expect(d.verdict).toMatchObject({ kind: 'partition-cap', setting: 'allowIdleConsumers', replicas: 3 });
    expect(d.verdict.text).toBe('cannot exceed 3: 3 partitions cap the metric at 600 (allowIdleConsumers off); the lag 3000 asks for 10');

    // Neighbour: allowIdleConsumers lifts the cap; maxReplicaCount decides.
    const n = await explainLive(group, topic, { settings: { allowIdleConsumers: true } });
    expect(n.keda.metric).toBe(3000);
    expect(n.verdict).toMatchObject({ kind: 'max-replicas', replicas: 10 });
  });
});
