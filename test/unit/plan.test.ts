import { describe, expect, it } from 'vitest';
import { parseLoad, plan, predictTimeline, simulate, type PlanInput } from '../../src/scaling/plan.js';
import { renderChart } from '../../src/scaling/chart.js';
import { DEFAULT_SETTINGS } from '../../src/scaling/settings.js';
import { CmaError } from '../../src/errors.js';

/** The reference's worked example (keda-kafka-semantics.md §4, §7): seed settings, 1 M at 10 000/s, 2 000/s a replica. */
const worked: PlanInput = { settings: DEFAULT_SETTINGS, partitions: 10, load: [{ records: 1_000_000, rate: 10_000 }], consumerRate: 2000 };
const steps = (r: { steps: Array<{ t: number; to?: number; replicas?: number }> }) => r.steps.map((s) => [s.t, s.to ?? s.replicas]);

describe('plan: the worked example', () => {
  const doc = plan(worked);
  it('steps 1 @15, 3 @20, 5 @50, 7 @80, 9 @110, 8 @140, 0 @165 (exclusive boundary)', () => {
    expect(steps(doc)).toEqual([
      [15, 1],
      [20, 3],
      [50, 5],
      [80, 7],
      [110, 9],
      [140, 8],
      [165, 0],
    ]);
    expect(doc.steps.map((s) => s.by)).toEqual(['keda', 'hpa', 'hpa', 'hpa', 'hpa', 'hpa', 'keda']);
  });
  it('peaks at 9, drains at 125 s, returns to 0 at 165 s, and reads lag like the reference table', () => {
    expect(doc.peak).toBe(9);
    expect(doc.drainedS).toBe(125);
    expect(doc.returnToZeroS).toBe(165);
    expect(doc.loadEndS).toBe(100);
    const at = (t: number) => doc.timeline.find((p) => p.t === t)!;
    expect(at(15)).toMatchObject({ lag: 150_000, metric: 2000, active: true, replicas: 1 });
    expect(at(35).lag).toBe(310_000);
    expect(at(100).lag).toBe(370_000);
    expect(at(110).lag).toBe(230_000);
    expect(at(0)).toMatchObject({ replicas: 0, active: false, lag: 0 });
    expect(doc.warnings).toEqual([]);
  });
  it('lists the knife-edge variants: inclusive boundary peaks at 7, cooldown expiring at the edge returns at 135 s', () => {
    const inc = doc.variants.find((v) => v.name === 'inclusive-boundary')!;
    expect(inc.peak).toBe(7);
    expect(steps(inc)).toEqual([
      [15, 1],
      [20, 3],
      [65, 5],
      [110, 7],
      [170, 6],
      [195, 0],
    ]);
    expect(inc.drainedS).toBeCloseTo(139.3, 1);
    const cd = doc.variants.find((v) => v.name === 'cooldown-expires-at-edge')!;
    expect(cd.peak).toBe(9);
    expect(cd.returnToZeroS).toBe(135);
    expect(doc.variants.find((v) => v.name === 'inclusive-boundary+cooldown-expires-at-edge')?.returnToZeroS).toBe(165);
  });
  it('gives peak 7 as the primary outcome with --boundary inclusive', () => {
    expect(plan({ ...worked, boundary: 'inclusive' }).peak).toBe(7);
  });
  it('shows no variants when no rule sits on a knife edge', () => {
    // Windows and periods of 20 s are never a multiple of the 15 s sync; cooldown 40 is not a multiple of polling 30.
    const b = {
      scaleUp: { stabilizationWindowSeconds: 20, policies: [{ type: 'Pods' as const, value: 2, periodSeconds: 20 }] },
      scaleDown: { stabilizationWindowSeconds: 20, policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 20 }] },
    };
    const d = plan({ ...worked, settings: { ...DEFAULT_SETTINGS, cooldownPeriod: 40, behavior: b } });
    expect(d.variants).toEqual([]);
  });
});

describe('plan: the reference variants', () => {
  it('first KEDA poll at 29.9 s: 3 @35, 5 @65, 7 @95, 9 @125', () => {
    const r = simulate({ ...worked, firstPollS: 29.9 });
    expect(steps(r).slice(0, 5)).toEqual([
      [29.9, 1],
      [35, 3],
      [65, 5],
      [95, 7],
      [125, 9],
    ]);
  });
  it('per-partition model: drains at ≈144 s and takes one extra step to 10 @140', () => {
    const r = simulate({ ...worked, model: 'per-partition' });
    expect(r.peak).toBe(10);
    expect(steps(r).slice(4, 6)).toEqual([
      [110, 9],
      [140, 10],
    ]);
    expect(r.drainedS).toBeGreaterThan(143);
    expect(r.drainedS).toBeLessThan(145);
  });
  it('ScaledObject created with the load: the initial recommendation delays the first HPA step by one tick', () => {
    const r = simulate({ ...worked, scaledObjectAgeS: 0 });
    expect(steps(r).slice(0, 3)).toEqual([
      [15, 1],
      [35, 3],
      [65, 5],
    ]);
  });
  it('legacy path (no behaviour): doubles or +4 per sync and waits 300 s before scaling down', () => {
    const r = simulate({ ...worked, settings: { ...DEFAULT_SETTINGS, behavior: null } });
    expect(steps(r).slice(0, 4)).toEqual([
      [15, 1],
      [20, 4],
      [35, 8],
      [50, 10],
    ]);
    expect(r.peak).toBe(10);
    // KEDA (cooldown 30) takes it to 0 long before the HPA's 300 s window would shrink it.
    expect(r.steps.at(-1)).toMatchObject({ by: 'keda', to: 0 });
  });
});

describe('plan: never-committed offsets (the seed trap)', () => {
  it('never activates: 10 partitions × 1 = 10, not > 10; warns and stays at 0', () => {
    const d = plan({ ...worked, committedOffsets: false });
    expect(d.peak).toBe(0);
    expect(d.timeline.every((p) => p.replicas === 0)).toBe(true);
    expect(d.timeline.at(-1)).toMatchObject({ metric: 10, lag: 1_000_000 });
    const w = d.warnings.find((x) => x.code === 'NEVER_ACTIVATES');
    expect(w?.message).toMatch(/never activates/);
    expect(w?.message).toMatch(/10 > activationLagThreshold 10 is false/);
  });
  it('activates with activationLagThreshold 9, and latest then skips the backlog', () => {
    const d = plan({ ...worked, committedOffsets: false, settings: { ...DEFAULT_SETTINGS, activationLagThreshold: 9 } });
    expect(d.peak).toBeGreaterThan(0);
    expect(d.warnings.map((w) => w.code)).toContain('RECORDS_SKIPPED');
    expect(d.warnings.map((w) => w.code)).not.toContain('NEVER_ACTIVATES');
  });
  it('earliest counts the log end and activates', () => {
    const d = plan({ ...worked, committedOffsets: false, settings: { ...DEFAULT_SETTINGS, offsetResetPolicy: 'earliest' } });
    expect(d.peak).toBe(9);
    expect(d.warnings.map((w) => w.code)).not.toContain('RECORDS_SKIPPED');
  });
});

describe('plan: other rules through the same model', () => {
  it('minReplicaCount 1 never goes below 1 and does not return to 0', () => {
    const d = plan({ ...worked, settings: { ...DEFAULT_SETTINGS, minReplicaCount: 1 } });
    expect(d.timeline.every((p) => p.replicas >= 1)).toBe(true);
    expect(d.returnToZeroS).toBeNull();
    expect(d.timeline.at(-1)!.replicas).toBe(1);
  });
  it('a small load activates and deactivates (seed case 1: 200 records at 5/s)', () => {
    const d = plan({ ...worked, load: [{ records: 200, rate: 5 }], consumerRate: 50 });
    expect(d.peak).toBe(1);
    expect(d.returnToZeroS).not.toBeNull();
  });
  it('warns when even the maximum consumers are slower than the load', () => {
    const d = plan({ ...worked, settings: { ...DEFAULT_SETTINGS, maxReplicaCount: 3 } });
    expect(d.warnings.map((w) => w.code)).toContain('CONSUMERS_TOO_SLOW');
  });
  it('paused-replicas holds the count', () => {
    const r = simulate({ ...worked, pausedReplicas: 2 });
    expect(steps(r)).toEqual([[15, 2]]);
  });
  it('predictTimeline gives the same timeline as the command', () => {
    expect(predictTimeline(worked)).toEqual(plan(worked).timeline);
  });
  it('rejects impossible inputs as usage errors', () => {
    expect(() => simulate({ ...worked, partitions: 0 })).toThrow(CmaError);
    expect(() => simulate({ ...worked, consumerRate: 0 })).toThrow(/consumer-rate/);
  });
});

describe('plan: partitions, bursts and stalls (per-partition model)', () => {
  it('load on 2 of 10 partitions with limitToPartitionsWithLag peaks at 2; without the flag it goes higher', () => {
    const load = [{ records: 100_000, rate: 1000, partitions: [0, 3] }];
    expect(plan({ ...worked, load, settings: { ...DEFAULT_SETTINGS, limitToPartitionsWithLag: true } }).peak).toBe(2);
    expect(plan({ ...worked, load }).peak).toBeGreaterThan(2);
  });
  it('a stalled partition under excludePersistentLag holds 1 replica (activity only); without it the lag scales up', () => {
    const input = { ...worked, load: [{ records: 10_000, rate: 100 }], stalledPartitions: [0] };
    const ex = plan({ ...input, settings: { ...DEFAULT_SETTINGS, excludePersistentLag: true } });
    expect(ex.peak).toBe(1);
    expect(ex.timeline.at(-1)!.replicas).toBe(1);
    expect(ex.timeline.at(-1)!.metric).toBe(0);
    expect(ex.warnings.map((w) => w.code)).toContain('LAG_LEFT');
    expect(plan(input).peak).toBeGreaterThan(1);
  });
  it('a rate of Infinity lands all records at once', () => {
    const r = simulate({ ...worked, load: [{ records: 100_000, rate: Infinity }] });
    expect(r.timeline.find((p) => p.t === 1)!.lag).toBe(100_000);
    expect(r.loadEndS).toBe(0);
    expect(r.peak).toBeGreaterThan(0);
  });
  it('pauses separate phases', () => {
    const r = simulate({ ...worked, load: [{ records: 200, rate: 5 }, { pauseS: 120 }, { records: 200, rate: 5 }], consumerRate: 50 });
    expect(r.loadEndS).toBe(200);
    expect(r.steps.filter((x) => x.to === 1).length).toBe(2); // activated twice
  });
});

describe('parseLoad', () => {
  it('reads RECORDS@RATE with k/M suffixes and pauses', () => {
    expect(parseLoad('1000000@10000')).toEqual({ records: 1_000_000, rate: 10_000 });
    expect(parseLoad('1M@10k')).toEqual({ records: 1_000_000, rate: 10_000 });
    expect(parseLoad('1_000@2.5')).toEqual({ records: 1000, rate: 2.5 });
    expect(parseLoad('30s')).toEqual({ pauseS: 30 });
    expect(parseLoad('1000@10:0,3-5')).toEqual({ records: 1000, rate: 10, partitions: [0, 3, 4, 5] });
  });
  it('rejects malformed phases with exit 2 and a hint', () => {
    for (const bad of ['10x', '10', '@5', '5@0', '1.5@10', 'a@b', '1@2@3', '1@2:x', '1@2:5-3']) {
      let e: unknown;
      try {
        parseLoad(bad);
      } catch (err) {
        e = err;
      }
      expect(e, bad).toBeInstanceOf(CmaError);
      expect((e as CmaError).exitCode).toBe(2);
      expect((e as CmaError).message).toContain(bad);
    }
  });
});

describe('renderChart', () => {
  it('draws one row per replica up to the peak, the activity and the lag', () => {
    const lines = renderChart(plan(worked).timeline, { width: 40, ascii: true });
    expect(lines.some((l) => /^\s+9 \|.*#/.test(l))).toBe(true);
    expect(lines.some((l) => /^\s+10 \|/.test(l))).toBe(false);
    expect(lines.find((l) => l.trim().startsWith('lag'))).toMatch(/max 410k/);
    expect(lines.at(-1)).toMatch(/0s.*255s/);
  });
});

describe('plan: the HPA has been reconciling before the load (issue 8)', () => {
  const min1 = { ...worked, settings: { ...DEFAULT_SETTINGS, minReplicaCount: 1 } };
  it('minReplicaCount 1: the idle proposals of 0 hold the first scale-up until they leave the 30 s up window: 3 @20, 5 @50', () => {
    const r = simulate(min1);
    expect(steps(r).slice(0, 2)).toEqual([
      [20, 3],
      [50, 5],
    ]);
    expect(r.steps[0]).toMatchObject({ by: 'hpa', from: 1 });
  });
  it('without an up window the zeros hold nothing: 3 @5 (the same load and history)', () => {
    const behavior = { ...DEFAULT_SETTINGS.behavior!, scaleUp: { ...DEFAULT_SETTINGS.behavior!.scaleUp!, stabilizationWindowSeconds: 0 } };
    expect(steps(simulate({ ...min1, settings: { ...min1.settings, behavior } })).slice(0, 2)).toEqual([
      [5, 3],
      [35, 5],
    ]);
  });
  it('--scaledobject-age changes the result: created with the load, the initial recommendation (1) and a 0 hold it to 3 @35', () => {
    expect(steps(simulate({ ...min1, scaledObjectAgeS: 0 })).slice(0, 2)).toEqual([
      [35, 3],
      [65, 5],
    ]);
    // Any age that puts a reconcile inside the up window before the load gives the default's answer.
    expect(steps(simulate({ ...min1, scaledObjectAgeS: 12 }))).toEqual(steps(simulate(min1)));
  });
  it('a short burst (60,000 at 10,000/s, min 2) no longer scales at all; a longer one scales at 20 s', () => {
    const min2 = { ...worked, settings: { ...DEFAULT_SETTINGS, minReplicaCount: 2 } };
    expect(simulate({ ...min2, load: [{ records: 60_000, rate: 10_000 }] }).steps).toEqual([]);
    expect(steps(simulate({ ...min2, load: [{ records: 100_000, rate: 10_000 }] }))[0]).toEqual([20, 4]);
  });
  it('minReplicaCount 0 is unchanged: the HPA is ScalingDisabled at 0 replicas and stores nothing before the load', () => {
    expect(steps(simulate({ ...worked, scaledObjectAgeS: 3600 }))).toEqual(steps(simulate(worked)));
  });
  it('states the age it assumed', () => {
    expect(plan(min1).assumptions.scaledObjectAgeS).toBeGreaterThanOrEqual(60);
    expect(plan({ ...min1, scaledObjectAgeS: 0 }).assumptions.scaledObjectAgeS).toBe(0);
  });
});

describe('plan: KEDA stores lastActiveTime in whole seconds (issue 8)', () => {
  const half = { ...worked, settings: { ...DEFAULT_SETTINGS, pollingInterval: 15, cooldownPeriod: 30 }, load: [{ records: 100_000, rate: 1000 }] };
  it('polls on half seconds: last active 22.5 is stored as 22, so the poll at 52.5 is past the cooldown and scales to 0', () => {
    const d = plan(half);
    expect(d.returnToZeroS).toBe(52.5);
    expect(d.steps.find((x) => x.to === 0)).toMatchObject({ t: 52.5, by: 'keda' });
    expect(d.variants.map((v) => v.name)).not.toContain('cooldown-expires-at-edge'); // no knife edge: Go decides
  });
  it('cooldown 31: 22 + 31 = 53 is not before 52.5, so it waits for the poll at 67.5', () => {
    expect(plan({ ...half, settings: { ...half.settings, cooldownPeriod: 31 } }).returnToZeroS).toBe(67.5);
  });
  it('polls on whole seconds meet the knife edge: 23 + 30 = 53 holds at 53 (primary) and expires in the variant', () => {
    const d = plan({ ...half, firstPollS: 8 });
    expect(d.returnToZeroS).toBe(68);
    expect(d.variants.find((v) => v.name === 'cooldown-expires-at-edge')?.returnToZeroS).toBe(53);
  });
  it('counts every return to 0 of a load the replicas outpace', () => {
    const d = plan(half);
    expect(d.returnsToZero).toBe(2);
    expect(d.steps.filter((x) => x.to === 0).map((x) => x.t)).toEqual([52.5, 112.5]);
  });
});

describe('plan: an event loop whose cost follows the events (issue 10)', () => {
  const strip = (r: ReturnType<typeof simulate>) => ({ ...r, fastForwardedS: 0 });
  it('repeating a cycle gives exactly what stepping through every event gives (fluid, per-partition, persistent lag)', () => {
    const cases: PlanInput[] = [
      { ...worked, load: [{ records: 20_000, rate: 1 }] },
      {
        ...worked,
        load: [{ records: 20_000, rate: 3 }, { pauseS: 2000 }, { records: 5000, rate: 2 }],
        settings: { ...DEFAULT_SETTINGS, pollingInterval: 15, cooldownPeriod: 30 },
      },
      {
        ...worked,
        partitions: 3,
        consumerRate: 5,
        model: 'per-partition',
        load: [{ records: 30_000, rate: 1 }],
        settings: { ...DEFAULT_SETTINGS, minReplicaCount: 2, idleReplicaCount: 0, pollingInterval: 10, cooldownPeriod: 15 },
      },
      {
        ...worked,
        consumerRate: 50,
        load: [{ records: 30_000, rate: 7 }],
        settings: { ...DEFAULT_SETTINGS, excludePersistentLag: true, minReplicaCount: 1 },
        cooldownEdge: 'expire',
        boundary: 'inclusive',
      },
    ];
    for (const c0 of cases) {
      const c = { ...c0, stepS: 10 }; // a given step (an automatic one may be fitted to the cycle)
      const fast = simulate(c);
      expect(fast.fastForwardedS, JSON.stringify(c.load)).toBeGreaterThan(0);
      expect(strip(fast)).toEqual(strip(simulate(c, { fastForward: false })));
    }
  });
  it('fits an automatic sample step to the cycle, and keeps the timeline to about a thousand samples plus the changes', () => {
    const r = simulate({ ...worked, load: [{ records: 1_000_000, rate: 1 }] });
    const samples = r.timeline.filter((p, i, a) => i === 0 || p.replicas === a[i - 1]!.replicas);
    expect(samples.length).toBeGreaterThan(500);
    expect(samples.length).toBeLessThan(2500);
    expect(r.fastForwardedS).toBeGreaterThan(990_000);
  });
  it('a load of 11.6 virtual days that cycles 0 → 1 → 0 is predicted whole: 11,112 returns to 0, drained 15 s after the load', () => {
    const d = plan({ ...worked, load: [{ records: 1_000_000, rate: 1 }] });
    expect(d.returnsToZero).toBe(11_112);
    expect(d.steps.length).toBe(22_224);
    expect(d.loadEndS).toBe(1_000_000);
    expect(d.drainedS).toBeCloseTo(1_000_015, 0);
    expect(d.timeline.at(-1)!.t).toBeGreaterThan(1_000_000);
  });
  it('refuses a load beyond 30 virtual days as a usage error naming the bound, and accepts one just inside it', () => {
    let e: unknown;
    try {
      simulate({ ...worked, load: [{ records: 1_000_000_000_000, rate: 1 }] });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(CmaError);
    expect((e as CmaError).exitCode).toBe(2);
    expect((e as CmaError).message).toMatch(/at most 2,592,000 s \(30 days\)/);
    expect(() => simulate({ ...worked, load: [{ records: 1000, rate: 1 }, { pauseS: 2_592_000 }] })).toThrow(/30 days/);
    expect(simulate({ ...worked, load: [{ records: 2_592_000, rate: 1 }] }).loadEndS).toBe(2_592_000);
  });
  it('refuses a run with more polls and syncs than it steps through, and periods of 0', () => {
    expect(() => simulate({ ...worked, load: [{ records: 2_000_000, rate: 1 }], hpaSyncSeconds: 0.01 })).toThrow(
      /polls and syncs; plan steps through at most 20,000,000/,
    );
    expect(() => simulate({ ...worked, hpaSyncSeconds: 0 })).toThrow(/--hpa-sync-period must be > 0/);
    expect(simulate({ ...worked, hpaSyncSeconds: 0.5 }).peak).toBeGreaterThan(0); // a short load at a short sync is fine
  });
});
