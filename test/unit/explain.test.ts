/**
 * The explain chain and its verdict on table cases: one case per verdict kind, each with its failing neighbour (one
 * setting or one offset changed, and the verdict is another kind).
 */
import { describe, expect, it } from 'vitest';
import { explain, changedSteps } from '../../src/explain/document.js';
import { explainChain, kafkaMetricName, type ExplainInput } from '../../src/explain/chain.js';
import type { VerdictKind } from '../../src/explain/verdict.js';
import { DEFAULT_SETTINGS, type ScaledObjectSettings } from '../../src/scaling/settings.js';

type Off = [committed: number | null, end: number, start?: number];
const offs = (list: Off[], topic = 't') =>
  list.map(([c, e, st], partition) => ({ topic, partition, committedOffset: c, logEndOffset: e, logStartOffset: st ?? 0 }));
const same = (n: number, o: Off): Off[] => Array.from({ length: n }, () => o);

interface Case {
  settings?: Partial<ScaledObjectSettings>;
  offsets: Off[];
  previous?: Off[];
  replicas?: number;
  members?: number;
  topic?: string | null;
  paused?: { replicas: number | null };
  fallbackActive?: boolean;
}

function run(c: Case) {
  const settings = { ...DEFAULT_SETTINGS, ...c.settings } as ScaledObjectSettings;
  const topic = c.topic === null ? undefined : (c.topic ?? 't');
  const input: ExplainInput = {
    settings,
    group: 'g',
    topic,
    offsets: offs(c.offsets),
    previous: c.previous ? offs(c.previous) : null,
    intervalS: c.previous ? 5 : null,
    replicas: { spec: c.replicas ?? 0, source: 'test' },
    members: c.members ?? null,
    paused: c.paused ?? null,
    fallbackActive: c.fallbackActive ?? false,
  };
  return explain(input, { source: { kind: 'flags', name: 'so' } }).doc;
}

const stuck3: Off[] = [
  [50, 50],
  [50, 50],
  [50, 50],
  [100, 112],
];
const table: Array<{ kind: VerdictKind; text: RegExp; c: Case; neighbour: { change: string; c: Case; kind: VerdictKind } }> = [
  {
    kind: 'never-activates',
    text: /^never activates: 10 uncommitted partitions × 1 = 10, not above activationLagThreshold 10$/,
    c: { offsets: same(10, [null, 500]) },
    neighbour: { change: 'activationLagThreshold 9', c: { offsets: same(10, [null, 500]), settings: { activationLagThreshold: 9 } }, kind: 'activates' },
  },
  {
    kind: 'invalid-offset-zero',
    text: /stays at 0: 150 records wait on 3 partitions without a commit, and scaleToZeroOnInvalidOffset counts them 0/,
    c: { offsets: same(3, [null, 50]), settings: { scaleToZeroOnInvalidOffset: true } },
    neighbour: { change: 'nothing waits', c: { offsets: same(3, [null, 0]), settings: { scaleToZeroOnInvalidOffset: true } }, kind: 'idle' },
  },
  {
    kind: 'below-activation',
    text: /^stays at 0: lag 7 is not above activationLagThreshold 10$/,
    c: {
      offsets: [
        [0, 7],
        [0, 0],
      ],
    },
    neighbour: {
      change: 'lag 11',
      c: {
        offsets: [
          [0, 11],
          [0, 0],
        ],
      },
      kind: 'activates',
    },
  },
  {
    kind: 'idle',
    text: /^stays at 0: no lag/,
    c: { offsets: same(4, [10, 10]) },
    neighbour: { change: '2 replicas running', c: { offsets: same(4, [10, 10]), replicas: 2 }, kind: 'scales-to-zero' },
  },
  {
    kind: 'scales-to-zero',
    text: /goes to 0: lag 0 is not above activationLagThreshold 10, so KEDA scales 2 → 0 once cooldownPeriod 30 s/,
    c: { offsets: same(4, [10, 10]), replicas: 2 },
    neighbour: { change: 'minReplicaCount 2', c: { offsets: same(4, [10, 10]), replicas: 2, settings: { minReplicaCount: 2 } }, kind: 'min-replicas' },
  },
  {
    kind: 'min-replicas',
    text: /^held at 2 by minReplicaCount: metric 0 \/ lagThreshold 200 asks for 0$/,
    c: { offsets: same(4, [10, 10]), replicas: 2, settings: { minReplicaCount: 2 } },
    neighbour: { change: 'minReplicaCount 1', c: { offsets: same(4, [10, 10]), replicas: 1, settings: { minReplicaCount: 1 } }, kind: 'steady' },
  },
  {
    kind: 'persistent-lag-keeps-active',
    text: /^stays at 1: partition 3 keeps lag 12 the consumer never reduces and excludePersistentLag is off$/,
    c: { offsets: stuck3, previous: stuck3, replicas: 1, members: 1 },
    neighbour: {
      change: 'the commit moved between the reads',
      c: {
        offsets: stuck3,
        previous: [
          [50, 50],
          [50, 50],
          [50, 50],
          [95, 110],
        ],
        replicas: 1,
        members: 1,
      },
      kind: 'steady',
    },
  },
  {
    kind: 'persistent-lag-inflates',
    text: /^asks for 4 instead of 2: partition 3 keeps lag 500 the consumer never reduces and excludePersistentLag is off$/,
    c: {
      offsets: [
        [50, 350],
        [0, 0],
        [0, 0],
        [100, 600],
      ],
      previous: [
        [0, 250],
        [0, 0],
        [0, 0],
        [100, 600],
      ],
      replicas: 4,
      members: 4,
    },
    neighbour: {
      change: 'excludePersistentLag on',
      c: {
        offsets: [
          [50, 350],
          [0, 0],
          [0, 0],
          [100, 600],
        ],
        previous: [
          [0, 250],
          [0, 0],
          [0, 0],
          [100, 600],
        ],
        replicas: 4,
        members: 4,
        settings: { excludePersistentLag: true },
      },
      kind: 'scale-down-limit',
    },
  },
  {
    kind: 'partition-cap',
    text: /^cannot exceed 3: 3 partitions cap the metric at 600 \(allowIdleConsumers off\); the lag 3000 asks for 10$/,
    c: { offsets: same(3, [0, 1000]), replicas: 3 },
    neighbour: {
      change: 'allowIdleConsumers on',
      c: { offsets: same(3, [0, 1000]), replicas: 10, settings: { allowIdleConsumers: true } },
      kind: 'max-replicas',
    },
  },
  {
    kind: 'partitions-with-lag-cap',
    text: /^cannot exceed 2: only 2 partitions have lag, and limitToPartitionsWithLag caps the metric at 400/,
    c: { offsets: [[0, 1000], [0, 1000], ...same(8, [0, 0])], replicas: 2, settings: { limitToPartitionsWithLag: true } },
    neighbour: { change: 'limitToPartitionsWithLag off', c: { offsets: [[0, 1000], [0, 1000], ...same(8, [0, 0])], replicas: 2 }, kind: 'scale-up-limit' },
  },
  {
    kind: 'max-replicas',
    text: /^capped at 10 by maxReplicaCount: metric 3000 \/ lagThreshold 200 asks for 15$/,
    c: { offsets: same(3, [0, 1000]), replicas: 10, settings: { allowIdleConsumers: true } },
    neighbour: {
      change: 'maxReplicaCount 20',
      c: { offsets: same(3, [0, 1000]), replicas: 10, settings: { allowIdleConsumers: true, maxReplicaCount: 20 } },
      kind: 'scale-up-limit',
    },
  },
  {
    kind: 'tolerance',
    text: /^stays at 9: metric 1900 \/ \(lagThreshold 200 × 9\) = 1\.06 is within the HPA's tolerance of 1 ± 0\.1, though the lag asks for 10$/,
    c: { offsets: same(10, [0, 190]), replicas: 9 },
    neighbour: { change: 'metric 2000 (ratio 1.11)', c: { offsets: same(10, [0, 200]), replicas: 9 }, kind: 'steady' },
  },
  {
    kind: 'scale-up-limit',
    text: /^rises to 10 in steps: 1 → 3 this sync \(scaleUp policy Pods 2 per 30 s\)$/,
    c: { offsets: same(10, [0, 1000]), replicas: 1 },
    neighbour: {
      change: 'scaleUp Pods 10 per 15 s',
      c: {
        offsets: same(10, [0, 1000]),
        replicas: 1,
        settings: {
          behavior: { ...DEFAULT_SETTINGS.behavior, scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 10, periodSeconds: 15 }] } },
        },
      },
      kind: 'steady',
    },
  },
  {
    kind: 'scale-down-limit',
    text: /^comes down to 1 in steps: 5 → 4 this sync \(scaleDown policy Pods 1 per 30 s\)$/,
    c: {
      offsets: [
        [0, 1],
        [0, 0],
      ],
      replicas: 5,
      settings: { activationLagThreshold: 0 },
    },
    neighbour: {
      change: 'scaleDown Percent 100 per 15 s',
      c: {
        offsets: [
          [0, 1],
          [0, 0],
        ],
        replicas: 5,
        settings: {
          activationLagThreshold: 0,
          behavior: {
            ...DEFAULT_SETTINGS.behavior,
            scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
          },
        },
      },
      kind: 'steady',
    },
  },
  {
    kind: 'activates',
    text: /^activates: lag 100 > activationLagThreshold 10; KEDA scales 0 → 1 at its next poll, then the HPA heads for 1$/,
    c: {
      offsets: [
        [0, 100],
        [0, 0],
      ],
    },
    neighbour: {
      change: 'lag 10',
      c: {
        offsets: [
          [0, 10],
          [0, 0],
        ],
      },
      kind: 'below-activation',
    },
  },
  {
    kind: 'steady',
    text: /^at 5: metric 1000 \/ lagThreshold 200 asks for 5$/,
    c: { offsets: same(10, [0, 100]), replicas: 5 },
    neighbour: { change: 'lagThreshold 100', c: { offsets: same(10, [0, 100]), replicas: 5, settings: { lagThreshold: 100 } }, kind: 'scale-up-limit' },
  },
  {
    kind: 'paused',
    text: /^held at 2: the autoscaling\.keda\.sh\/paused-replicas annotation pauses KEDA/,
    c: { offsets: same(10, [0, 1000]), replicas: 0, paused: { replicas: 2 } },
    neighbour: { change: 'no annotation', c: { offsets: same(10, [0, 1000]), replicas: 0 }, kind: 'activates' },
  },
  {
    kind: 'fallback',
    text: /^at 5: KEDA cannot read the lag \(Fallback condition True\), so fallback\.replicas 5 decides/,
    c: { offsets: same(10, [0, 100]), replicas: 5, fallbackActive: true, settings: { fallback: { failureThreshold: 3, replicas: 5 } } },
    neighbour: {
      change: 'Fallback condition False',
      c: { offsets: same(10, [0, 1000]), replicas: 5, settings: { fallback: { failureThreshold: 3, replicas: 5 } } },
      kind: 'scale-up-limit',
    },
  },
  {
    kind: 'no-topics',
    text: /^never activates: group g has committed on no topic and the trigger names none/,
    c: { offsets: [], topic: null },
    neighbour: { change: 'a committed topic', c: { offsets: same(2, [5, 5]), topic: null }, kind: 'idle' },
  },
];

describe('explain verdicts: one case per kind, each with its failing neighbour', () => {
  it('the table covers every verdict kind', () => {
    const kinds: VerdictKind[] = [
      'paused',
      'fallback',
      'no-topics',
      'never-activates',
      'invalid-offset-zero',
      'below-activation',
      'scales-to-zero',
      'idle',
      'persistent-lag-keeps-active',
      'persistent-lag-inflates',
      'partition-cap',
      'partitions-with-lag-cap',
      'max-replicas',
      'min-replicas',
      'tolerance',
      'scale-up-limit',
      'scale-down-limit',
      'activates',
      'steady',
    ];
    expect(table.map((t) => t.kind).sort()).toEqual([...kinds].sort());
  });
  for (const t of table) {
    it(`${t.kind}; neighbour (${t.neighbour.change}) → ${t.neighbour.kind}`, () => {
      const d = run(t.c);
      expect(d.verdict.kind, d.verdict.text).toBe(t.kind);
      expect(d.verdict.text).toMatch(t.text);
      expect(d.verdict.setting).not.toBeNull();
      const n = run(t.neighbour.c);
      expect(n.verdict.kind, n.verdict.text).toBe(t.neighbour.kind);
    });
  }

  it('problems name the responsible setting in the text and carry a fix', () => {
    for (const t of table) {
      const d = run(t.c);
      if (d.verdict.level !== 'problem') continue;
      expect(d.verdict.fix, t.kind).toBeTruthy();
      expect(`${d.verdict.text} ${d.verdict.fix}`, t.kind).toContain(d.verdict.setting!.replace('autoscaling.keda.sh/', ''));
    }
  });

  it('persistent lag with excludePersistentLag on: left out of the metric, still counted for activation', () => {
    const d = run({ offsets: stuck3, previous: stuck3, replicas: 1, members: 1, settings: { excludePersistentLag: true } });
    expect(d.verdict.kind).toBe('persistent-lag-keeps-active');
    expect(d.verdict.setting).toBe('activationLagThreshold');
    expect(d.verdict.text).toContain('activation still counts it (12 > activationLagThreshold 10)');
    expect(d.partitions[3]!.rule).toBe('persistent-excluded');
    expect(d.keda.metric).toBe(0);
    // Without a running consumer an unmoved commit is not "stuck": nothing reads the partition.
    expect(run({ offsets: stuck3, previous: stuck3, replicas: 0, members: 0 }).verdict.kind).toBe('activates');
  });
});

describe('the chain', () => {
  it('per-partition rules name the rule and the setting behind it', () => {
    const d = run({
      offsets: [
        [null, 40, 10],
        [5, 25],
        [30, 20],
      ],
      settings: { offsetResetPolicy: 'earliest' },
      replicas: 1,
    });
    expect(d.partitions.map((p) => [p.rule, p.setting, p.lag])).toEqual([
      ['no-commit-earliest', 'offsetResetPolicy', 40],
      ['committed', null, 20],
      ['commit-past-end', null, -10],
    ]);
    expect(d.partitions[0]!.text).toContain('including 10 records already removed by retention');
    const latest = run({ offsets: [[null, 40]] });
    expect(latest.partitions[0]).toMatchObject({ rule: 'no-commit-latest', lag: 1 });
    const zero = run({ offsets: [[null, 40]], settings: { scaleToZeroOnInvalidOffset: true } });
    expect(zero.partitions[0]).toMatchObject({ rule: 'no-commit-zero', setting: 'scaleToZeroOnInvalidOffset', lag: 0 });
  });

  it('partitions outside partitionLimitation are listed and not counted', () => {
    const d = run({
      offsets: [
        [0, 300],
        [0, 200],
        [0, 1000],
      ],
      settings: { partitionLimitation: '0-1' },
      replicas: 1,
    });
    expect(d.partitions.map((p) => p.rule)).toEqual(['committed', 'committed', 'outside-partition-limitation']);
    expect(d.keda.totalLag).toBe(500);
    expect(d.keda.partitionCount).toBe(2);
  });

  it('the cap step: capped, not capped, and the integer-division gap', () => {
    const step = (c: Case) => run(c).steps.find((s) => s.id === 'cap')!;
    expect(step({ offsets: same(3, [0, 1000]), replicas: 3 })).toMatchObject({ value: 600, setting: 'allowIdleConsumers' });
    expect(step({ offsets: same(3, [0, 1000]), replicas: 3 }).text).toContain(
      '3000 / 200 = 15 > 3 partitions (allowIdleConsumers off) → capped at 3 × 200 = 600',
    );
    const gap = step({
      offsets: [
        [0, 250],
        [0, 200],
        [0, 200],
      ],
      replicas: 3,
    });
    expect(gap.value).toBe(650);
    expect(gap.text).toContain('in the integer-division gap, so the HPA asks for 4, one more than 3');
    expect(step({ offsets: same(3, [0, 1000]), replicas: 3, settings: { allowIdleConsumers: true } })).toMatchObject({ value: 3000, applies: false });
  });

  it('HPA steps: not consulted at 0 when inactive; the policy limits come from the HPA model', () => {
    const idle = run({ offsets: same(10, [null, 0]) });
    expect(idle.steps.filter((s) => s.id.startsWith('hpa-')).every((s) => !s.applies)).toBe(true);
    const c = explainChain({ settings: DEFAULT_SETTINGS, group: 'g', topic: 't', offsets: offs(same(10, [0, 1000])), replicas: { spec: 4, source: 'test' } });
    expect(c.hpa).toMatchObject({ runs: true, proposal: 10, upLimit: 6, downLimit: 3 });
    const legacy = explainChain({
      settings: { ...DEFAULT_SETTINGS, behavior: null },
      group: 'g',
      topic: 't',
      offsets: offs(same(10, [0, 1000])),
      replicas: { spec: 3, source: 'test' },
    });
    expect(legacy.hpa.upLimit).toBe(6); // max(2 × 3, 4)
    expect(legacy.replicas).toMatchObject({ next: 6, target: 10 });
  });

  it('the metric name follows KEDA (s0-kafka-<topic>, special characters become -)', () => {
    expect(kafkaMetricName('test-in', 'g')).toBe('s0-kafka-test-in');
    expect(kafkaMetricName('a.b:c', 'g')).toBe('s0-kafka-a-b-c');
    expect(kafkaMetricName(undefined, 'grp')).toBe('s0-kafka-grp-topics');
  });

  it('--watch marks the steps, partitions and verdict that changed', () => {
    const a = run({ offsets: same(10, [0, 100]), replicas: 5 });
    const b = run({ offsets: [[0, 100], ...same(9, [0, 0])], replicas: 5 });
    const ch = changedSteps(a, b);
    expect(ch).toContain('total');
    expect(ch).toContain('partition t/1');
    expect(ch).not.toContain('partition t/0');
    expect(ch).toContain('verdict');
    expect(changedSteps(a, a)).toEqual([]);
  });
});
