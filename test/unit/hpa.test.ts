import { describe, expect, it } from 'vitest';
import {
  fillBehavior,
  hpaNeedsMetric,
  hpaReconcile,
  initialHpaState,
  rawProposal,
  tolerancesOf,
  type HpaConfig,
  type HpaState,
} from '../../src/scaling/hpa.js';
import { SEED_BEHAVIOR } from '../../src/scaling/settings.js';

const seed: HpaConfig = {
  minReplicas: 1,
  maxReplicas: 10,
  targetAverageValue: 200,
  behavior: SEED_BEHAVIOR,
  tolerance: 0.1,
  defaultDownscaleWindowSeconds: 300,
  boundary: 'exclusive',
};
/** An HPA that reconciled once long ago (its initial recommendation is out of every window). */
const old = (): HpaState => ({ ...initialHpaState(), recommendations: [{ replicas: 0, t: -1000 }] });

/** Runs reconciles in sequence, applying each rescale to C = S. */
function run(cfg: HpaConfig, ticks: Array<{ t: number; metric: number }>, C0: number, st0: HpaState = old()) {
  let st = st0;
  let C = C0;
  const out: Array<[number, number]> = [];
  for (const { t, metric } of ticks) {
    const r = hpaReconcile(cfg, st, { now: t, specReplicas: C, statusReplicas: C, metric });
    st = r.state;
    if (r.rescale) {
      C = r.desiredReplicas;
      out.push([t, C]);
    }
  }
  return { steps: out, C, st };
}

describe('rawProposal (tolerance on M/(T·S))', () => {
  it('returns the status replicas inside the 10% band and ceil(M/T) outside', () => {
    expect(rawProposal(2000, 200, 10, 0.1)).toEqual({ raw: 10, within: true });
    expect(rawProposal(2200, 200, 10, 0.1)).toEqual({ raw: 10, within: true }); // ratio 1.1: still within
    expect(rawProposal(2201, 200, 10, 0.1)).toEqual({ raw: 12, within: false }); // ceil(11.005)
    expect(rawProposal(1799, 200, 10, 0.1)).toEqual({ raw: 9, within: false });
  });
  it('a per-direction tolerance (behavior.scaleUp/scaleDown.tolerance) makes the band asymmetric; unset directions keep the global one', () => {
    // ratio 1.15: outside 1 ± 0.1, inside a scale-up tolerance of 0.2
    expect(rawProposal(2300, 200, 10, 0.1)).toEqual({ raw: 12, within: false });
    expect(rawProposal(2300, 200, 10, { scaleDown: 0.1, scaleUp: 0.2 })).toEqual({ raw: 10, within: true });
    // ratio 0.85: the scale-down side still uses 0.1
    expect(rawProposal(1700, 200, 10, { scaleDown: 0.1, scaleUp: 0.2 })).toEqual({ raw: 9, within: false });
    expect(tolerancesOf({ tolerance: 0.1, behavior: { scaleUp: { tolerance: 0.2 } } })).toEqual({ scaleDown: 0.1, scaleUp: 0.2 });
    expect(tolerancesOf({ tolerance: 0.1, behavior: null })).toEqual({ scaleDown: 0.1, scaleUp: 0.1 });
    const wide = { ...seed, behavior: { ...seed.behavior!, scaleUp: { ...seed.behavior!.scaleUp!, tolerance: 0.2 } } };
    expect(hpaReconcile(wide, old(), { now: 0, specReplicas: 10, statusReplicas: 10, metric: 2300 }).reason).toBe('WithinTolerance');
    expect(hpaReconcile(seed, old(), { now: 0, specReplicas: 10, statusReplicas: 10, metric: 2300 }).reason).not.toBe('WithinTolerance');
  });
  it('proposes S, not C, within tolerance (§7.1)', () => {
    const r = hpaReconcile(seed, old(), { now: 0, specReplicas: 5, statusReplicas: 4, metric: 800 });
    expect(r.raw).toBe(4);
    expect(r.reason).toBe('WithinTolerance');
  });
  it('treats S = 0 as outside the band', () => {
    expect(rawProposal(0, 200, 0, 0.1)).toEqual({ raw: 0, within: false });
  });
});

describe('limits first', () => {
  it('does nothing at C = 0 with min ≥ 1 (ScalingDisabled) and reads no metric', () => {
    expect(hpaNeedsMetric(seed, 0)).toBe(false);
    const r = hpaReconcile(seed, initialHpaState(), { now: 0, specReplicas: 0, statusReplicas: 0, metric: 5000 });
    expect(r).toMatchObject({ rescale: false, desiredReplicas: 0, reason: 'ScalingDisabled' });
    // The initial recommendation is still recorded.
    expect(r.state.recommendations).toEqual([{ replicas: 0, t: 0 }]);
  });
  it('brings C above max down to max and C below min up to min without a metric', () => {
    expect(hpaNeedsMetric(seed, 12)).toBe(false);
    expect(hpaReconcile(seed, old(), { now: 0, specReplicas: 12, statusReplicas: 12, metric: null })).toMatchObject({ rescale: true, desiredReplicas: 10 });
    const min3 = { ...seed, minReplicas: 3 };
    expect(hpaReconcile(min3, old(), { now: 0, specReplicas: 2, statusReplicas: 2, metric: null })).toMatchObject({ rescale: true, desiredReplicas: 3 });
  });
  it('keeps its size when the metric cannot be read', () => {
    expect(hpaReconcile(seed, old(), { now: 0, specReplicas: 4, statusReplicas: 4, metric: null })).toMatchObject({
      rescale: false,
      desiredReplicas: 4,
      reason: 'FailedGetExternalMetric',
    });
  });
});

describe('behaviour path with the seed behaviour (Pods 2 / 30 s up, Pods 1 / 30 s down, 30 s windows)', () => {
  const ramp = [5, 20, 35, 50, 65, 80, 95, 110, 125].map((t) => ({ t, metric: 2000 }));
  it('ramps 1 → 3 @20, 5 @50, 7 @80, 9 @110 with exclusive boundaries', () => {
    const { steps } = run(seed, ramp.slice(1), 1);
    expect(steps).toEqual([
      [20, 3],
      [50, 5],
      [80, 7],
      [110, 9],
    ]);
  });
  it('ramps 3 @20, 5 @65, 7 @110 with inclusive boundaries (an event exactly 30 s old still counts)', () => {
    const { steps } = run({ ...seed, boundary: 'inclusive' }, ramp.slice(1), 1);
    expect(steps).toEqual([
      [20, 3],
      [65, 5],
      [110, 7],
    ]);
  });
  it('flags the knife edge when an event sits exactly on the period boundary', () => {
    let st = old();
    st = hpaReconcile(seed, st, { now: 20, specReplicas: 1, statusReplicas: 1, metric: 2000 }).state;
    const r35 = hpaReconcile(seed, st, { now: 35, specReplicas: 3, statusReplicas: 3, metric: 2000 });
    expect(r35.edge).toBe(false);
    const r50 = hpaReconcile(seed, r35.state, { now: 50, specReplicas: 3, statusReplicas: 3, metric: 2000 });
    expect(r50.edge).toBe(true);
  });
  it('suppresses the first scale-up when the initial recommendation (0) is inside the up window', () => {
    let st = initialHpaState();
    st = hpaReconcile(seed, st, { now: 5, specReplicas: 0, statusReplicas: 0, metric: null }).state; // first reconcile ever
    const r20 = hpaReconcile(seed, st, { now: 20, specReplicas: 1, statusReplicas: 1, metric: 2000 });
    expect(r20.rescale).toBe(false);
    expect(r20.reason).toBe('ScaleUpStabilized');
    const r35 = hpaReconcile(seed, r20.state, { now: 35, specReplicas: 1, statusReplicas: 1, metric: 2000 });
    expect(r35.desiredReplicas).toBe(3);
  });
  it('holds a scale-down for the down window, then steps down by one pod per 30 s', () => {
    // 9 replicas, proposals of 10 up to t=110, then the lag is gone.
    let st = old();
    st = hpaReconcile(seed, st, { now: 110, specReplicas: 9, statusReplicas: 9, metric: 2000 }).state;
    const r125 = hpaReconcile(seed, st, { now: 125, specReplicas: 9, statusReplicas: 9, metric: 0 });
    expect(r125).toMatchObject({ rescale: false, raw: 0, reason: 'ScaleDownStabilized' });
    const r140 = hpaReconcile(seed, r125.state, { now: 140, specReplicas: 9, statusReplicas: 9, metric: 0 });
    expect(r140).toMatchObject({ rescale: true, desiredReplicas: 8, reason: 'ScaleDownLimit' });
    const r155 = hpaReconcile(seed, r140.state, { now: 155, specReplicas: 8, statusReplicas: 8, metric: 0 });
    expect(r155.rescale).toBe(false); // the 140 event is still in the 30 s period
    const r170 = hpaReconcile(seed, r155.state, { now: 170, specReplicas: 8, statusReplicas: 8, metric: 0 });
    expect(r170.desiredReplicas).toBe(7);
  });
  it('never goes below the HPA min of 1', () => {
    const fast: HpaConfig = {
      ...seed,
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } },
    };
    const r = hpaReconcile(fast, old(), { now: 0, specReplicas: 5, statusReplicas: 5, metric: 0 });
    expect(r.desiredReplicas).toBe(1);
  });
});

describe('API-server defaults and policies', () => {
  it('fills unset fields: up 0 s, Pods 4 + Percent 100 per 15 s, Max; down = controller window, Percent 100 / 15 s', () => {
    const f = fillBehavior({}, 300);
    expect(f.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    expect(f.scaleDown).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(fillBehavior({ scaleDown: { stabilizationWindowSeconds: 10 } }, 300).scaleDown.stabilizationWindowSeconds).toBe(10);
  });
  const defaults: HpaConfig = { ...seed, maxReplicas: 100, behavior: {} };
  it('selects the larger of Pods 4 and Percent 100 (Max) when scaling up', () => {
    expect(hpaReconcile(defaults, old(), { now: 0, specReplicas: 2, statusReplicas: 2, metric: 10000 }).desiredReplicas).toBe(6); // 2+4 > 2·2
    expect(hpaReconcile(defaults, old(), { now: 0, specReplicas: 10, statusReplicas: 10, metric: 10000 }).desiredReplicas).toBe(20); // 10·2 > 10+4
  });
  it('selects the smaller change with Min and holds with Disabled', () => {
    const min: HpaConfig = { ...defaults, behavior: { scaleUp: { selectPolicy: 'Min' } } };
    expect(hpaReconcile(min, old(), { now: 0, specReplicas: 10, statusReplicas: 10, metric: 10000 }).desiredReplicas).toBe(14);
    const off: HpaConfig = { ...defaults, behavior: { scaleUp: { selectPolicy: 'Disabled' } } };
    expect(hpaReconcile(off, old(), { now: 0, specReplicas: 10, statusReplicas: 10, metric: 10000 })).toMatchObject({ rescale: false, desiredReplicas: 10 });
  });
  it('counts scale events inside the period (start = C − added + removed)', () => {
    const r1 = hpaReconcile(defaults, old(), { now: 0, specReplicas: 2, statusReplicas: 2, metric: 10000 });
    expect(r1.desiredReplicas).toBe(6);
    const r2 = hpaReconcile(defaults, r1.state, { now: 10, specReplicas: 6, statusReplicas: 6, metric: 10000 });
    expect(r2.desiredReplicas).toBe(6); // start 2 → max(6, 4) = 6: hold until the event is 15 s old
    const r3 = hpaReconcile(defaults, r2.state, { now: 15, specReplicas: 6, statusReplicas: 6, metric: 10000 });
    expect(r3.desiredReplicas).toBe(12);
  });
  it('rounds Percent up when scaling up and truncates when scaling down', () => {
    const pct: HpaConfig = {
      ...defaults,
      behavior: {
        scaleUp: { policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }] },
      },
    };
    expect(hpaReconcile(pct, old(), { now: 0, specReplicas: 3, statusReplicas: 3, metric: 10000 }).desiredReplicas).toBe(5); // ceil(4.5)
    expect(hpaReconcile(pct, old(), { now: 0, specReplicas: 5, statusReplicas: 5, metric: 0 }).desiredReplicas).toBe(2); // trunc(2.5)
  });
  it('uses the controller default window (300 s) for an unset scale-down window', () => {
    let st = old();
    st = hpaReconcile(defaults, st, { now: 0, specReplicas: 5, statusReplicas: 5, metric: 1000 }).state;
    expect(hpaReconcile(defaults, st, { now: 299, specReplicas: 5, statusReplicas: 5, metric: 0 }).rescale).toBe(false);
    expect(hpaReconcile(defaults, st, { now: 301, specReplicas: 5, statusReplicas: 5, metric: 0 }).desiredReplicas).toBe(1);
  });
});

describe('legacy path (behavior null)', () => {
  const legacy: HpaConfig = { ...seed, behavior: null };
  it('scales up at most to max(2C, 4) per sync and stores no events', () => {
    const ticks = [20, 35, 50].map((t) => ({ t, metric: 2000 }));
    const { steps, st } = run(legacy, ticks, 1);
    expect(steps).toEqual([
      [20, 4],
      [35, 8],
      [50, 10],
    ]);
    expect(st.scaleUpEvents).toEqual([]);
  });
  it('holds the highest proposal of the last 300 s; a proposal exactly 300 s old counts only with an inclusive boundary', () => {
    let st = old();
    st = hpaReconcile(legacy, st, { now: 0, specReplicas: 10, statusReplicas: 10, metric: 2000 }).state;
    expect(hpaReconcile(legacy, st, { now: 150, specReplicas: 10, statusReplicas: 10, metric: 0 }).rescale).toBe(false);
    const ex = hpaReconcile(legacy, st, { now: 300, specReplicas: 10, statusReplicas: 10, metric: 0 });
    expect(ex).toMatchObject({ desiredReplicas: 1, edge: true });
    const inc = hpaReconcile({ ...legacy, boundary: 'inclusive' }, st, { now: 300, specReplicas: 10, statusReplicas: 10, metric: 0 });
    expect(inc).toMatchObject({ rescale: false, desiredReplicas: 10, edge: true });
  });
});

describe('what the HPA records, and which boundaries matter', () => {
  it('records a proposal of 0 at lag 0 when replicas ≥ min, and nothing but the initial recommendation at 0 replicas', () => {
    const r = hpaReconcile(seed, initialHpaState(), { now: 0, specReplicas: 1, statusReplicas: 1, metric: 0 });
    expect(r.state.recommendations).toEqual([
      { replicas: 1, t: 0 }, // initial recommendation
      { replicas: 0, t: 0 }, // the proposal
    ]);
    expect(r.rescale).toBe(false); // already at the HPA min
    const off = hpaReconcile(seed, initialHpaState(), { now: 0, specReplicas: 0, statusReplicas: 0, metric: null });
    expect(off.state.recommendations).toEqual([{ replicas: 0, t: 0 }]);
  });
  it('the stored zeros hold a scale-up for the up window (exclusive: gone exactly 30 s later)', () => {
    let st = hpaReconcile(seed, old(), { now: -10, specReplicas: 1, statusReplicas: 1, metric: 0 }).state;
    const r5 = hpaReconcile(seed, st, { now: 5, specReplicas: 1, statusReplicas: 1, metric: 2000 });
    expect(r5).toMatchObject({ rescale: false, reason: 'ScaleUpStabilized' });
    st = r5.state;
    expect(hpaReconcile(seed, st, { now: 20, specReplicas: 1, statusReplicas: 1, metric: 2000 })).toMatchObject({
      rescale: true,
      desiredReplicas: 3,
      edge: true,
    });
    expect(hpaReconcile({ ...seed, boundary: 'inclusive' }, st, { now: 20, specReplicas: 1, statusReplicas: 1, metric: 2000 })).toMatchObject({
      rescale: false,
      edge: true,
    });
  });
  it('a sample on a boundary that changes nothing is not an edge', () => {
    // A proposal of 10 exactly 30 s old, and the new proposal is 10 too: in or out, the answer is 10.
    const st = hpaReconcile(seed, old(), { now: 0, specReplicas: 10, statusReplicas: 10, metric: 2000 }).state;
    const r = hpaReconcile(seed, st, { now: 30, specReplicas: 10, statusReplicas: 10, metric: 2000 });
    expect(r).toMatchObject({ rescale: false, desiredReplicas: 10, edge: false });
  });
});
