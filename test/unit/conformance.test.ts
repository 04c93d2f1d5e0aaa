/** Conformance maths: landmarks of a timeline and the comparison of two within one poll plus one HPA sync. */
import { describe, expect, it } from 'vitest';
import {
  compareLandmarks,
  landmarks,
  metricKeys,
  metricLabel,
  planLoadEnd,
  quietSeconds,
  seriesFromPrediction,
  seriesFromTimeline,
  toleranceOf,
  verdictOf,
  type Landmarks,
  type Series,
} from '../../src/scenarios/conformance.js';
import type { TimelinePoint } from '../../src/scenarios/expectations.js';
import {
  conformanceCase,
  overallVerdict,
  renderConformanceHtml,
  renderConformanceText,
  type CaseInputs,
  type ConformanceReport,
} from '../../src/scenarios/conformanceReport.js';
import type { CaseReport } from '../../src/scenarios/report.js';
import { sampleCase } from './reportFixture.js';

/**
 * A series sampled every second from 0 to `end`: the replicas follow `steps` ([t, count], the count holds from t
 * on), the lag is `lag(t)`; the load runs from loadStart to loadEnd.
 */
function series(
  steps: Array<[number, number]>,
  o: { end: number; loadStart: number | null; loadEnd: number | null; lag?: (t: number) => number | null; start?: number },
): Series {
  const points = [];
  for (let t = o.start ?? 0; t <= o.end; t++) {
    let replicas = steps[0]![1];
    for (const [st, n] of steps) if (st <= t) replicas = n;
    points.push({ t, replicas, lag: o.lag ? o.lag(t) : 0 });
  }
  return { points, loadStart: o.loadStart, loadEnd: o.loadEnd };
}

/** Moves every step (not the load events) by d seconds. */
const shifted = (steps: Array<[number, number]>, d: number, from = 1): Array<[number, number]> => steps.map(([t, n], i) => [i < from ? t : t + d, n]);

// The seed's case2 as `plan` prints it, with the load starting 2 s after the first sample.
const CASE2: Array<[number, number]> = [
  [0, 0],
  [17, 1],
  [22, 3],
  [52, 5],
  [82, 7],
  [112, 9],
  [142, 8],
  [167, 0],
];
const case2Lag = (t: number) => (t < 2 ? 0 : t < 127 ? 1000 : 0);
const case2 = (steps = CASE2, lag = case2Lag) => landmarks(series(steps, { end: 200, loadStart: 2, loadEnd: 102, lag }), { baseline: 0, floor: 0 });

describe('landmarks of a timeline', () => {
  it('case2: activation, every step, peak, drain and return, in seconds after the load started', () => {
    const l = case2();
    expect(l.activation).toBe(15);
    expect(l.steps).toEqual([
      { t: 15, from: 0, to: 1 },
      { t: 20, from: 1, to: 3 },
      { t: 50, from: 3, to: 5 },
      { t: 80, from: 5, to: 7 },
      { t: 110, from: 7, to: 9 },
      { t: 140, from: 9, to: 8 },
      { t: 165, from: 8, to: 0 },
    ]);
    expect([l.peak, l.peakAt]).toEqual([9, 110]);
    expect(l.drain).toBe(125);
    expect(l.return).toBe(165);
    expect(l.path).toEqual([0, 1, 3, 5, 7, 9, 8, 0]);
    expect(l.end).toBe(198);
  });

  type LandmarkCase = [
    string,
    Array<[number, number]>,
    Partial<{ loadEnd: number | null; lag: (t: number) => number | null }>,
    { baseline: number; floor: number; drainLag?: number },
    Partial<Landmarks>,
  ];
  it.each<LandmarkCase>([
    [
      'minReplicaCount 1: activation is the first scale-up, return is back to 1',
      [
        [0, 1],
        [30, 3],
        [60, 5],
        [150, 1],
      ],
      {},
      { baseline: 1, floor: 1 },
      { activation: 28, peak: 5, peakAt: 58, return: 148 },
    ],
    [
      'never activates: nothing but the drain',
      [[0, 0]],
      {},
      { baseline: 0, floor: 0 },
      { activation: null, peak: 0, peakAt: null, return: null, steps: [], drain: 100 },
    ],
    [
      'paused: the first sample already shows 2, held there (never back to 0)',
      [[0, 2]],
      {},
      { baseline: 0, floor: 0 },
      { activation: -2, peak: 2, peakAt: -2, return: null },
    ],
    [
      'a persistent lag never drains',
      [
        [0, 0],
        [20, 1],
        [150, 0],
      ],
      { lag: () => 50 },
      { baseline: 0, floor: 0 },
      { drain: null, return: 148 },
    ],
    [
      'a lag at or below drainLag counts as drained',
      [
        [0, 0],
        [20, 1],
        [150, 0],
      ],
      { lag: (t) => (t < 110 ? 50 : 10) },
      { baseline: 0, floor: 0, drainLag: 10 },
      { drain: 108 },
    ],
    [
      'an unreadable lag is not a drained one',
      [
        [0, 0],
        [20, 1],
      ],
      { lag: (t) => (t < 120 ? null : 0) },
      { baseline: 0, floor: 0 },
      { drain: 118 },
    ],
    [
      'a load that never ended has no drain',
      [
        [0, 0],
        [20, 1],
      ],
      { loadEnd: null },
      { baseline: 0, floor: 0 },
      { drain: null },
    ],
    [
      'a run that ended before the return has none',
      [
        [0, 0],
        [20, 3],
      ],
      {},
      { baseline: 0, floor: 0 },
      { peak: 3, return: null },
    ],
  ])('%s', (_name, steps, s, o, want) => {
    const l = landmarks(series(steps, { end: 200, loadStart: 2, loadEnd: s.loadEnd === undefined ? 102 : s.loadEnd, ...(s.lag ? { lag: s.lag } : {}) }), o);
    expect(l).toMatchObject(want);
  });

  it('an observed timeline: the load start is the origin; a prediction: its own load start', () => {
    const tl: TimelinePoint[] = [0, 1, 2, 3].map((t) => ({
      t: t + 0.4,
      replicas: t >= 2 ? 1 : 0,
      readyReplicas: 0,
      desiredReplicas: null,
      active: null,
      totalLag: 5,
      metric: null,
      produceRate: 0,
    }));
    const obs = landmarks(seriesFromTimeline(tl, { loadStart: 1.2, loadEnd: 3 }), { baseline: 0, floor: 0 });
    expect(obs.activation).toBe(1.2); // t 2.4 − load start 1.2
    const pred = landmarks(
      seriesFromPrediction(
        [
          { t: 0, replicas: 0 },
          { t: 12, replicas: 1, lag: 0 },
        ],
        10,
        15,
      ),
      { baseline: 0, floor: 0 },
    );
    expect(pred.activation).toBe(2);
    expect(pred.drain).toBeNull(); // the only point after the load's end… is before it
  });
});

describe('comparing two timelines', () => {
  // --fast: pollingInterval 6 s, HPA sync 3 s (15 / 5) → 9 s.
  const tol = toleranceOf(6, 3, 3);
  const cmp = (a: Landmarks, b: Landmarks) => compareLandmarks(a, b, tol);
  const failing = (a: Landmarks, b: Landmarks) =>
    cmp(a, b)
      .filter((r) => !r.ok)
      .map((r) => r.metric);

  it('the tolerance is one pollingInterval plus the longer HPA sync of the two sides', () => {
    expect(tol).toEqual({ seconds: 9, pollingInterval: 6, hpaSyncSeconds: 3 });
    expect(toleranceOf(30, 15)).toMatchObject({ seconds: 45 });
    expect(toleranceOf(6, 3, 15)).toMatchObject({ seconds: 21, hpaSyncSeconds: 15 });
  });

  it('the rows follow the shape: activation, steps up, peak, steps down, drain, return', () => {
    expect(metricKeys(case2(), case2()).map(metricLabel)).toEqual([
      'activation (s)',
      'reached 3 (s)',
      'reached 5 (s)',
      'reached 7 (s)',
      'reached 9 (s)',
      'peak (replicas)',
      'down to 8 after the drain (s)',
      'lag drained (s)',
      'back to 0 after the drain (s)',
    ]);
  });

  it.each<[string, Landmarks, string[]]>([
    ['the same timeline', case2(), []],
    ['every step 9 s later (exactly the tolerance)', case2(shifted(CASE2, 9)), []],
    ['every step 9 s earlier', case2(shifted(CASE2, -9)), []],
    [
      'every step 10 s later (the neighbour just outside, on a 1 s sample grid)',
      case2(shifted(CASE2, 10)),
      ['activation (s)', 'reached 3 (s)', 'reached 5 (s)', 'reached 7 (s)', 'reached 9 (s)', 'down to 8 after the drain (s)', 'back to 0 after the drain (s)'],
    ],
    ['only the step to 5 is 10 s late', case2(CASE2.map(([t, n]) => [n === 5 ? t + 10 : t, n])), ['reached 5 (s)']],
    // The drain itself is reported only (consumer throughput); what KEDA and the HPA do after it is judged.
    [
      'the drain 10 s later, replicas down at the same moments',
      case2(CASE2, (t) => (t < 2 ? 0 : t < 137 ? 1000 : 0)),
      ['down to 8 after the drain (s)', 'back to 0 after the drain (s)'],
    ],
    ['the drain 9 s later', case2(CASE2, (t) => (t < 2 ? 0 : t < 136 ? 1000 : 0)), []],
    ['a peak of 10 instead of 9', case2([...CASE2.slice(0, 6), [130, 10], ...CASE2.slice(6)]), ['reached 10 (s)', 'peak (replicas)']],
    ['never back to 0', case2(CASE2.slice(0, -1)), ['back to 0 after the drain (s)']],
    [
      'never activates',
      case2([[0, 0]]),
      [
        'activation (s)',
        'reached 1 (s)',
        'reached 3 (s)',
        'reached 5 (s)',
        'reached 7 (s)',
        'reached 9 (s)',
        'peak (replicas)',
        'down to 8 after the drain (s)',
        'back to 0 after the drain (s)',
      ],
    ],
  ])('case2 against %s', (_name, other, fails) => {
    expect(failing(case2(), other)).toEqual(fails);
    expect(verdictOf(cmp(case2(), other)).agree).toBe(fails.length === 0);
  });

  it('a difference names both figures, the Δ and the tolerance', () => {
    const rows = cmp(case2(), case2(shifted(CASE2, 10)));
    const act = rows.find((r) => r.metric === 'activation (s)')!;
    expect(act).toMatchObject({ a: 15, b: 25, delta: 10, allowed: 9, ok: false });
    expect(act.text).toBe('activation: local 15.0 s, cluster 25.0 s, Δ +10.0 s > tolerance 9 s');
    const peak = cmp(case2(), case2([...CASE2.slice(0, 6), [130, 10], ...CASE2.slice(6)])).find((r) => r.metric === 'peak (replicas)')!;
    expect(peak.text).toBe('peak: local 9, cluster 10 (+1; the peak must be equal)');
    const ret = cmp(case2(), case2(CASE2.slice(0, -1))).find((r) => r.key.metric === 'return')!;
    expect(ret.text).toMatch(/^back to 0 after the drain: local \d+\.\d s, cluster never \(only local got there\)$/);
    const drain = cmp(
      case2(),
      case2(CASE2, (t) => (t < 2 ? 0 : t < 137 ? 1000 : 0)),
    ).find((r) => r.key.metric === 'drain')!;
    expect(drain).toMatchObject({ delta: 10, ok: true });
    expect(drain.text).toMatch(/reported only/);
    expect(verdictOf(rows).differences).toContain(act.text);
  });

  it.each<[number, boolean]>([
    [9, true],
    [9.1, false],
    [-9, true],
    [-9.1, false],
  ])('on a 0.1 s grid: activation %s s apart is within the 9 s tolerance: %s', (d, ok) => {
    const at = (t0: number) =>
      landmarks(
        { points: Array.from({ length: 400 }, (_, i) => ({ t: i / 10, replicas: i / 10 >= t0 ? 1 : 0, lag: 0 })), loadStart: 0, loadEnd: 1 },
        { baseline: 0, floor: 0 },
      );
    const row = cmp(at(20), at(20 + d))[0]!;
    expect(row).toMatchObject({ metric: 'activation (s)', delta: d, ok });
  });

  it('step sequences of different lengths are matched by the count reached', () => {
    const a = landmarks(
      series(
        [
          [0, 0],
          [10, 1],
          [20, 3],
          [27, 5],
          [90, 0],
        ],
        { end: 120, loadStart: 0, loadEnd: 40 },
      ),
      { baseline: 0, floor: 0 },
    );
    // One side jumps 1 → 5 between the other's 3 and 5: each count within the tolerance of the other's.
    const b = landmarks(
      series(
        [
          [0, 0],
          [10, 1],
          [25, 5],
          [90, 0],
        ],
        { end: 120, loadStart: 0, loadEnd: 40 },
      ),
      { baseline: 0, floor: 0 },
    );
    expect(metricKeys(a, b).map(metricLabel)).toEqual([
      'activation (s)',
      'reached 3 (s)',
      'reached 5 (s)',
      'peak (replicas)',
      'lag drained (s)',
      'back to 0 after the drain (s)',
    ]);
    expect(failing(a, b)).toEqual([]);
    // The neighbour: the jump comes 12 s after the other's step to 3.
    const late = landmarks(
      series(
        [
          [0, 0],
          [10, 1],
          [32, 5],
          [90, 0],
        ],
        { end: 120, loadStart: 0, loadEnd: 40 },
      ),
      { baseline: 0, floor: 0 },
    );
    expect(failing(a, late)).toEqual(['reached 3 (s)']);
  });

  it('a count both sides reached at their activation is the activation row; one side only keeps its own row', () => {
    const direct = landmarks(
      series(
        [
          [0, 0],
          [10, 2],
          [60, 0],
        ],
        { end: 90, loadStart: 0, loadEnd: 30 },
      ),
      { baseline: 0, floor: 0 },
    );
    const stepped = landmarks(
      series(
        [
          [0, 0],
          [10, 1],
          [25, 2],
          [60, 0],
        ],
        { end: 90, loadStart: 0, loadEnd: 30 },
      ),
      { baseline: 0, floor: 0 },
    );
    expect(metricKeys(direct, direct).map(metricLabel)).toEqual(['activation (s)', 'peak (replicas)', 'lag drained (s)', 'back to 0 after the drain (s)']);
    const rows = cmp(direct, stepped);
    expect(rows.map((r) => r.metric)).toEqual(['activation (s)', 'reached 2 (s)', 'peak (replicas)', 'lag drained (s)', 'back to 0 after the drain (s)']);
    expect(rows.find((r) => r.metric === 'reached 2 (s)')).toMatchObject({ a: 10, b: 25, ok: false });
  });

  it('two runs that never activate agree ("never" on both sides)', () => {
    const idle = landmarks(series([[0, 0]], { end: 60, loadStart: 1, loadEnd: 20, lag: () => 10 }), { baseline: 0, floor: 0 });
    const rows = cmp(idle, idle);
    expect(rows.every((r) => r.ok)).toBe(true);
    expect(rows[0]!.text).toBe('activation: local never, cluster never');
  });

  it('labels name the sides', () => {
    const rows = compareLandmarks(case2(), case2(shifted(CASE2, 20)), tol, { a: 'plan', b: 'cluster' });
    expect(rows[0]!.text).toMatch(/^activation: plan 15\.0 s, cluster 35\.0 s/);
  });
});

describe('quietSeconds: how long an unchanged timeline must stay so before a run that never returns counts as settled', () => {
  const seed = { cooldownPeriod: 30, pollingInterval: 30, behavior: { scaleDown: { stabilizationWindowSeconds: 30, policies: [{ periodSeconds: 30 }] } } };
  it.each<[string, Parameters<typeof quietSeconds>[0], number, number, number]>([
    ["the seed's ScaledObject: cooldown + poll + 2 syncs + the 30 s window", seed, 15, 300, 120],
    [
      '--fast: every figure / 5',
      { cooldownPeriod: 6, pollingInterval: 6, behavior: { scaleDown: { stabilizationWindowSeconds: 6, policies: [{ periodSeconds: 6 }] } } },
      3,
      60,
      24,
    ],
    ['no behaviour: the default downscale window', { cooldownPeriod: 30, pollingInterval: 30, behavior: null }, 15, 300, 390],
    [
      'a policy period longer than the window',
      { cooldownPeriod: 30, pollingInterval: 30, behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ periodSeconds: 60 }] } } },
      15,
      300,
      150,
    ],
  ])('%s', (_n, s, sync, dflt, want) => {
    expect(quietSeconds(s, sync, dflt)).toBe(want);
  });
});

describe('planLoadEnd', () => {
  it.each<[string, Array<{ records: number; throughput: number; after: number }>, number | null]>([
    ['the seed load', [{ records: 1_000_000, throughput: 10_000, after: 0 }], 100],
    ['the first pause is before the load start', [{ records: 6000, throughput: 300, after: 10 }], 20],
    [
      'a later pause counts',
      [
        { records: 1000, throughput: 100, after: 0 },
        { records: 100, throughput: 20, after: 30 },
      ],
      45,
    ],
    ['unlimited throughput', [{ records: 2_000_000, throughput: -1, after: 0 }], 2],
    ['no load', [], null],
  ])('%s', (_n, load, want) => {
    expect(planLoadEnd(load)).toBe(want);
  });
});

describe('the conformance report', () => {
  /** A run report whose replicas follow `steps` (one sample a second), the load from 2 s to 22 s. */
  const runOf = (steps: Array<[number, number]>, verdict: CaseReport['verdict'] = 'pass', loadStart = 2): CaseReport => {
    const s = series(steps, { end: 60, loadStart, loadEnd: loadStart + 20, lag: (t) => (t >= loadStart && t < loadStart + 25 ? 300 : 0) });
    const base = sampleCase('case2', verdict);
    return {
      ...base,
      settings: { ...base.settings, pollingInterval: 6 },
      timeline: s.points.map((p) => ({
        t: p.t,
        replicas: p.replicas,
        readyReplicas: p.replicas,
        desiredReplicas: p.replicas,
        active: p.replicas > 0,
        totalLag: p.lag,
        metric: p.lag,
        produceRate: 0,
      })),
      events: { loadStart, loadEnd: loadStart + 20, end: 60 },
    };
  };
  const STEPS: Array<[number, number]> = [
    [0, 0],
    [8, 1],
    [12, 3],
    [40, 0],
  ];
  const inputs = (local: CaseReport, cluster: CaseReport, clusterSync = 3): CaseInputs => ({
    baseline: 0,
    floor: 0,
    prediction: {
      timeline: [
        { t: 0, replicas: 0, lag: 0 },
        { t: 5, replicas: 1, lag: 300 },
        { t: 10, replicas: 3, lag: 300 },
        { t: 24, replicas: 3, lag: 0 },
        { t: 36, replicas: 0, lag: 0 },
      ],
      peak: 3,
      note: 'plan',
    },
    load: [{ records: 2000, throughput: 100, after: 0 }],
    local: { report: local, label: 'local', target: 'local', hpaSyncSeconds: 3, hpaSyncSource: 'emulator' },
    cluster: { report: cluster, label: 'cluster', target: 'cluster', hpaSyncSeconds: clusterSync, hpaSyncSource: 'lab' },
  });

  it('agrees on the same shape with load starts at different moments (the load start is the origin)', () => {
    const c = conformanceCase(
      inputs(
        runOf(STEPS),
        runOf(
          STEPS.map(([t, n]) => [t + 3, n]),
          'pass',
          5,
        ),
      ),
    );
    expect(c.verdict).toBe('agree');
    expect(c.tolerance).toEqual({ seconds: 9, pollingInterval: 6, hpaSyncSeconds: 3 });
    expect(c.comparisons.map((r) => [r.metric, r.local, r.cluster, r.plan, r.delta, r.ok])).toEqual([
      ['activation (s)', 6, 6, 5, 0, true],
      ['reached 3 (s)', 10, 10, 10, 0, true],
      ['peak (replicas)', 3, 3, 3, 0, true],
      ['lag drained (s)', 25, 25, 24, 0, true],
      ['back to 0 after the drain (s)', 13, 13, 12, 0, true],
    ]);
    expect(c.planComparisons.every((r) => r.ok)).toBe(true);
  });

  it('disagrees when the cluster steps later than the tolerance, and names the difference', () => {
    const c = conformanceCase(
      inputs(
        runOf(STEPS),
        runOf([
          [0, 0],
          [8, 1],
          [22, 3],
          [40, 0],
        ]),
      ),
    );
    expect(c.verdict).toBe('disagree');
    expect(c.reason).toBe('reached 3: local 10.0 s, cluster 20.0 s, Δ +10.0 s > tolerance 9 s');
    // The lab's longer sync widens the tolerance: the same difference is then within it.
    expect(
      conformanceCase(
        inputs(
          runOf(STEPS),
          runOf([
            [0, 0],
            [8, 1],
            [22, 3],
            [40, 0],
          ]),
          15,
        ),
      ).verdict,
    ).toBe('agree');
  });

  it('a case failing its own expectations on both sides alike still agrees; a skipped or errored side is not compared', () => {
    expect(conformanceCase(inputs(runOf(STEPS, 'fail'), runOf(STEPS, 'fail'))).verdict).toBe('agree');
    const skipped = conformanceCase(inputs(runOf(STEPS), { ...runOf(STEPS), verdict: 'skipped', reason: 'cluster only', timeline: [] }));
    expect([skipped.verdict, skipped.reason, skipped.comparisons]).toEqual(['skipped', 'cluster: cluster only', []]);
    const errored = conformanceCase(inputs({ ...runOf(STEPS), verdict: 'error', reason: 'Kafka unreachable', timeline: [] }, runOf(STEPS)));
    expect([errored.verdict, errored.reason]).toEqual(['error', 'local: Kafka unreachable']);
    expect(overallVerdict([conformanceCase(inputs(runOf(STEPS), runOf(STEPS))), skipped], false)).toBe('agree');
    expect(overallVerdict([errored, skipped], false)).toBe('error');
    expect(
      overallVerdict(
        [
          conformanceCase(
            inputs(
              runOf(STEPS),
              runOf([
                [0, 0],
                [30, 1],
              ]),
            ),
          ),
        ],
        false,
      ),
    ).toBe('disagree');
    expect(overallVerdict([], true)).toBe('interrupted');
  });

  const report = (cases: ReturnType<typeof conformanceCase>[]): ConformanceReport => ({
    command: 'conformance',
    against: 'cluster',
    profile: { fast: true, factor: 5 },
    versions: { local: { 'cma-demo': '0.1.0' }, cluster: { keda: '2.20.2', kubernetes: 'v1.33.5' } },
    agreed: overallVerdict(cases, false) === 'agree',
    verdict: overallVerdict(cases, false),
    cases,
    warnings: [],
    startedAt: '2026-11-28T05:00:00.000Z',
    runId: null,
    interrupted: false,
  });

  it('the text table: metric, local, cluster, plan, Δ, within tolerance', () => {
    const t = renderConformanceText(
      report([
        conformanceCase(
          inputs(
            runOf(STEPS),
            runOf([
              [0, 0],
              [8, 1],
              [22, 3],
              [40, 0],
            ]),
          ),
        ),
      ]),
    );
    expect(t).toContain('tolerance 9 s = pollingInterval 6 s + HPA sync 3 s');
    expect(t).toMatch(/metric +local +cluster +plan +Δ +within tolerance\?/);
    expect(t).toMatch(/activation \(s\) +6\.0 +6\.0 +5\.0 +±0\.0 +yes/);
    expect(t).toMatch(/reached 3 \(s\) +10\.0 +20\.0 +10\.0 +\+10\.0 +NO \(> 9 s\)/);
    expect(t).toContain("HPA sync 3 s, the lab's");
    expect(t).toContain('DISAGREE: 0 agree, 1 disagree');
  });

  it('the HTML page overlays the local run on the cluster run, with plan, and stays self-contained', () => {
    const html = renderConformanceHtml(
      report([
        conformanceCase(
          inputs(
            runOf(STEPS),
            runOf(
              STEPS.map(([t, n]) => [t + 3, n]),
              'pass',
              5,
            ),
          ),
        ),
      ]),
    );
    expect(html).not.toMatch(/https?:\/\/|<script|<link|@import|url\(/i);
    for (const cls of ['replicas', 'overlay-replicas', 'overlay-lag', 'plan-replicas', 'lag'])
      expect(html, cls).toMatch(new RegExp(`<polyline class="${cls}"`));
    // The local run (load at 2 s) moves onto the cluster's clock (load at 5 s): its first point is at t = 3.
    const over = html.match(/<polyline class="overlay-replicas" data-points="(\d+)"/)!;
    expect(Number(over[1])).toBe(61);
    expect(html).toContain('<span class="verdict pass">agree</span>');
    expect(html).toContain('cluster: keda 2.20.2 · kubernetes v1.33.5');
  });
});
