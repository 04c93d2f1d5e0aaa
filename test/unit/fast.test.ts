import { describe, expect, it } from 'vitest';
import { applyProfile, parseFast, scaleValue } from '../../src/scenarios/fast.js';
import { expandCases, parseScenario } from '../../src/scenarios/loader.js';

const text = `name: f
description: d.
partitions: 10
settings: { activationLagThreshold: 10 }
consumer: { processMs: 0.5, startupDelaySeconds: 10 }
load:
  - { records: 1000000, throughput: 10000 }
  - { pause: 7 }
  - { records: 2, throughput: 5 }
expectations:
  - { kind: reach, replicas: 3, within: 120 }
  - { kind: stay, replicas: 0, for: 30, after: start }
  - { kind: lag-drains, lag: 10, within: 2 }
`;
const caseOf = (t: string) => expandCases(parseScenario(t, 'f.yaml'), 'f.yaml')[0]!;

describe('--fast profile', () => {
  it('parses --fast and --fast=F', () => {
    expect(parseFast(undefined)).toEqual({ fast: false, factor: 1 });
    expect(parseFast(true)).toEqual({ fast: true, factor: 5 });
    expect(parseFast('10')).toEqual({ fast: true, factor: 10 });
    expect(() => parseFast('0.5')).toThrow(/≥ 1/);
    expect(() => parseFast('x')).toThrow();
  });

  it('divides, rounds, keeps at least 1, leaves 0 alone', () => {
    expect(scaleValue(30, 5)).toBe(6);
    expect(scaleValue(7, 5)).toBe(1);
    expect(scaleValue(2, 5)).toBe(1);
    expect(scaleValue(0, 5)).toBe(0);
    expect(scaleValue(-1, 5)).toBe(-1);
    expect(scaleValue(13, 5)).toBe(3);
  });

  it('scales durations, record counts and lagThreshold; keeps rates, activation, partitions', () => {
    const r = applyProfile(caseOf(text), { fast: true, factor: 5 });
    expect(r.settings).toMatchObject({ pollingInterval: 6, cooldownPeriod: 6, lagThreshold: 40, activationLagThreshold: 10, maxReplicaCount: 10 });
    expect(r.settings.behavior?.scaleUp?.stabilizationWindowSeconds).toBe(6);
    expect(r.settings.behavior?.scaleUp?.policies?.[0]).toEqual({ type: 'Pods', value: 2, periodSeconds: 6 });
    expect(r.def.load.map((l) => [l.records, l.throughput, l.after])).toEqual([
      [200000, 10000, 0],
      [1, 5, 1],
    ]);
    expect(r.def.consumer).toMatchObject({ processMs: 0.5, startupDelaySeconds: 2 });
    expect(r.def.hpa).toEqual({ syncSeconds: 3, downscaleWindowSeconds: 60, tolerance: 0.1 });
    expect(r.def.partitions).toBe(10);
    expect(r.def.expectations).toEqual([
      { kind: 'reach', replicas: 3, within: 24 },
      { kind: 'stay', replicas: 0, for: 6, after: 'start' },
      { kind: 'lag-drains', lag: 10, within: 1 },
    ]);
    expect(r.scaled.find((f) => f.path === 'settings.lagThreshold')).toEqual({ path: 'settings.lagThreshold', from: 200, to: 40 });
  });

  it('leaves everything alone without --fast', () => {
    const r = applyProfile(caseOf(text), { fast: false, factor: 1 });
    expect(r.settings.pollingInterval).toBe(30);
    expect(r.def.load[0]!.records).toBe(1000000);
    expect(r.scaled).toEqual([]);
  });

  it('honours pinned fields and reports them', () => {
    const r = applyProfile(caseOf(text + 'pin: [settings.cooldownPeriod, load.0.records, expectations.1.for]\n'), { fast: true, factor: 5 });
    expect(r.settings.cooldownPeriod).toBe(30);
    expect(r.settings.pollingInterval).toBe(6);
    expect(r.def.load[0]!.records).toBe(1000000);
    expect(r.def.expectations[1]).toMatchObject({ for: 30 });
    expect(r.scaled.filter((f) => f.pinned).map((f) => f.path)).toEqual(['settings.cooldownPeriod', 'load.0.records', 'expectations.1.for']);
  });
});

describe('--fast refuses a factor that makes a case impossible', () => {
  const case1 = `name: c1
description: d.
partitions: 10
load:
  - { records: 200, throughput: 5 }
expectations:
  - { kind: active, active: true, within: 60 }
  - { kind: return, replicas: 0, within: 180, after: load-end }
`;
  it('case1 at --fast=50: 200 → 4 records, not above activationLagThreshold 10: exit 2 naming the fields', () => {
    let err: unknown;
    try {
      applyProfile(caseOf(case1), { fast: true, factor: 50 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ exitCode: 2, code: 'FAST_IMPOSSIBLE' });
    expect((err as Error).message).toContain('load.0.records 200 → 4');
    expect((err as Error).message).toContain('settings.activationLagThreshold 10');
    expect((err as { hint: string }).hint).toContain('use --fast=19 or less'); // round(200/19) = 11 > 10
  });

  it('the neighbours: --fast=19 (11 records) is allowed, --fast=20 (10 records, 10 > 10 is false) is refused', () => {
    expect(applyProfile(caseOf(case1), { fast: true, factor: 19 }).def.load[0]!.records).toBe(11);
    expect(() => applyProfile(caseOf(case1), { fast: true, factor: 20 })).toThrow(/load\.0\.records 200 → 10 /);
  });

  it('a pinned record count keeps the case possible at any factor', () => {
    expect(applyProfile(caseOf(case1 + 'pin: [load.0.records]\n'), { fast: true, factor: 50 }).def.load[0]!.records).toBe(200);
  });

  it('a case that expects no activation is not refused (the trap stays a trap)', () => {
    const trap = case1.replace('{ kind: active, active: true, within: 60 }', '{ kind: never-exceed, replicas: 0 }');
    expect(applyProfile(caseOf(trap), { fast: true, factor: 50 }).def.load[0]!.records).toBe(4);
  });
});
