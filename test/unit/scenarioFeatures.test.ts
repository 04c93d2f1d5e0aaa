/**
 * Scenario features for KEDA-parity cases: the replicas-in and step expectations, the outage anchors, extra
 * topics (multi-topic), transactional load, records deleted below the log start, and what --fast does to them.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { evaluateExpectations, replicaPath, type RunEvents, type TimelinePoint } from '../../src/scenarios/expectations.js';
import { applyProfile } from '../../src/scenarios/fast.js';
import { expandCases, parseScenario, ScenarioError } from '../../src/scenarios/loader.js';
import type { ExpectationDef } from '../../src/scenarios/model.js';

const tl = (replicas: number[]): TimelinePoint[] =>
  replicas.map((r, t) => ({ t, replicas: r, readyReplicas: r, desiredReplicas: r, active: r > 0, totalLag: 0, metric: null, produceRate: 0 }));
const ev: RunEvents = { loadStart: 0, loadEnd: 5 };
const one = (e: ExpectationDef, points: TimelinePoint[], final = true, events: RunEvents = ev) => evaluateExpectations([e], points, events, null, final)[0]!;

describe('replicas-in and step', () => {
  it('replicas-in: fails on the first count outside the set, naming it and the path; pending until the end', () => {
    const e: ExpectationDef = { kind: 'replicas-in', replicas: [0, 1, 2, 5, 10] };
    expect(one(e, tl([0, 1, 10, 5, 1, 0])).ok).toBe(true);
    const bad = one(e, tl([0, 1, 2, 4, 5, 0]));
    expect(bad.ok).toBe(false);
    expect(bad.observed).toBe('replicas 4 at t=3 s (path 0 → 1 → 2 → 4 → 5 → 0)');
    expect(one(e, tl([0, 1, 2]), false).status).toBe('pending');
    expect(one(e, tl([0, 1, 3]), false).status).toBe('fail');
  });

  it('step: passes only on a direct transition from → to', () => {
    const e: ExpectationDef = { kind: 'step', from: 1, to: 3 };
    expect(one(e, tl([0, 1, 1, 3, 5])).ok).toBe(true);
    expect(one(e, tl([0, 1, 1, 3, 5])).at).toBe(3);
    expect(one(e, tl([0, 1, 2, 3, 5])).ok).toBe(false); // 1 → 2 → 3 is not a step 1 → 3
    expect(one(e, tl([0, 3, 1, 5])).ok).toBe(false); // 3 then 1: wrong order
    expect(one(e, tl([0, 1]), false).status).toBe('pending');
  });

  it('replicaPath drops repeats', () => {
    expect(replicaPath(tl([0, 0, 1, 1, 3, 3, 3, 1]))).toEqual([0, 1, 3, 1]);
  });
});

describe('outage anchors', () => {
  it('stay after outage-start waits for the outage, then judges the samples inside it', () => {
    const e: ExpectationDef = { kind: 'stay', replicas: 2, for: 3, after: 'outage-start' };
    const points = tl([0, 1, 2, 2, 2, 2, 2, 1]);
    expect(one(e, points, false, { ...ev, outageStart: null }).status).toBe('pending');
    expect(one(e, points, true, { ...ev, outageStart: null }).observed).toBe('the broker was never paused');
    expect(one(e, points, true, { ...ev, outageStart: 2 }).ok).toBe(true);
    expect(one(e, points, true, { ...ev, outageStart: 5 }).ok).toBe(false);
  });
});

const file = (extra: string) => `name: m
description: a case.
partitions: 3
load:
  - { records: 10, throughput: 5 }
expectations:
  - { kind: reach, replicas: 1, within: 30 }
${extra}`;

function problems(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).exitCode).toBe(ExitCode.USAGE);
    return (err as ScenarioError).problems.map((p) => `${p.line}: ${p.field}: ${p.message}`).sort();
  }
  return [];
}

describe('scenario files: extra topics, transactions, deleted records, outages', () => {
  it('a load phase may name only an extra topic; consumed topics must be extra topics; abortEvery needs transactional', () => {
    const text = `name: m
description: a case.
partitions: 3
topics: { extra: [b], consumed: [c] }
load:
  - { records: 10, throughput: 5, topic: x }
  - { records: 10, throughput: 5, abortEvery: 2 }
expectations:
  - { kind: reach, replicas: 1, within: 30 }
`;
    expect(problems(text)).toEqual([
      '4: topics.consumed.0: names no extra topic (topics.extra: b)',
      '6: load.0.topic: names no extra topic (topics.extra: b)',
      '7: load.1.abortEvery: needs transactional: true (only a transaction can be aborted)',
    ]);
    expect(problems(file('topics: { extra: [b], consumed: [b], trigger: none }'))).toEqual([]);
  });

  it('expands extra topics with the run id, the consumed ones, a trigger without topic, and the outage (needing broker-pause)', () => {
    const s = parseScenario(
      file('topics: { extra: [b, c], consumed: [b], trigger: none }\noutage: { after: 10, for: 20 }\npreconditions: { deletedRecords: 500 }'),
      'x.yaml',
    );
    const [c] = expandCases(s, 'x.yaml', 'r1');
    expect(c!.topic).toBe('cma-m-r1');
    expect(c!.extraTopics).toEqual([
      { name: 'b', topic: 'cma-m-r1-b' },
      { name: 'c', topic: 'cma-m-r1-c' },
    ]);
    expect(c!.consumedTopics).toEqual(['cma-m-r1-b']);
    expect(c!.triggerTopic).toBe(false);
    expect(c!.outage).toEqual({ after: 10, for: 20 });
    expect(c!.requires).toEqual(['broker-pause']);
    expect(c!.preconditions.deletedRecords).toBe(500);
    expect(c!.kafkaReadTimeoutSeconds).toBe(30);
    const plain = expandCases(parseScenario(file(''), 'x.yaml'), 'x.yaml')[0]!;
    expect([plain.triggerTopic, plain.outage, plain.requires, plain.preconditions.deletedRecords]).toEqual([true, null, [], undefined]);
  });

  it('--fast divides the outage, the deleted records and the Kafka read timeout like every duration and record count', () => {
    const s = parseScenario(file('outage: { after: 10, for: 40 }\npreconditions: { deletedRecords: 500 }'), 'x.yaml');
    const rc = applyProfile(expandCases(s, 'x.yaml')[0]!, { fast: true, factor: 5 });
    expect(rc.def.outage).toEqual({ after: 2, for: 8 });
    expect(rc.def.preconditions.deletedRecords).toBe(100);
    expect(rc.def.kafkaReadTimeoutSeconds).toBe(6);
  });

  it('settings: partitionLimitation, fallback and kedaVersion reach the case settings; a bad KEDA version exits 2', () => {
    const s = parseScenario(file('settings: { partitionLimitation: "0-1", fallback: { failureThreshold: 1, replicas: 3 }, kedaVersion: main }'), 'x.yaml');
    const rc = applyProfile(expandCases(s, 'x.yaml')[0]!, { fast: false, factor: 1 });
    expect([rc.settings.partitionLimitation, rc.settings.fallback, rc.settings.kedaVersion]).toEqual(['0-1', { failureThreshold: 1, replicas: 3 }, 'main']);
    const bad = parseScenario(file('settings: { kedaVersion: "1.9" }'), 'x.yaml');
    expect(() => applyProfile(expandCases(bad, 'x.yaml')[0]!, { fast: false, factor: 1 })).toThrow(/settings.kedaVersion/);
  });
});
