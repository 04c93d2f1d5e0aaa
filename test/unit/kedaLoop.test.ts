import { describe, expect, it } from 'vitest';
import { initialKedaState, kedaPoll } from '../../src/scaling/kedaLoop.js';
import { DEFAULT_SETTINGS, type ScaledObjectSettings } from '../../src/scaling/settings.js';

const s = (o: Partial<ScaledObjectSettings> = {}): ScaledObjectSettings => ({ ...DEFAULT_SETTINGS, ...o });
const fresh = initialKedaState(-1000);

describe('KEDA poll: activation', () => {
  it('scales 0 → 1 when active with min 0, and stamps lastActiveTime', () => {
    const r = kedaPoll(s(), fresh, { now: 15, replicas: 0, active: true, isError: false });
    expect(r).toMatchObject({ scaleTo: 1, action: 'scale-from-zero' });
    expect(r.state.lastActiveTime).toBe(15);
  });
  it('scales 0 → min when min > 0', () => {
    expect(kedaPoll(s({ minReplicaCount: 3 }), fresh, { now: 0, replicas: 0, active: true, isError: false }).scaleTo).toBe(3);
  });
  it('leaves replicas > 0 to the HPA and only refreshes lastActiveTime', () => {
    const r = kedaPoll(s(), { ...fresh, lastActiveTime: 15 }, { now: 45, replicas: 5, active: true, isError: false });
    expect(r).toMatchObject({ scaleTo: null, action: 'active' });
    expect(r.state.lastActiveTime).toBe(45);
  });
  it('does nothing at 0 while inactive', () => {
    expect(kedaPoll(s(), fresh, { now: 15, replicas: 0, active: false, isError: false })).toMatchObject({ scaleTo: null, action: 'steady' });
  });
});

describe('KEDA poll: cooldown', () => {
  const st = { ...fresh, lastActiveTime: 105 };
  it('holds while now ≤ lastActive + cooldown and scales to 0 after', () => {
    expect(kedaPoll(s(), st, { now: 120, replicas: 9, active: false, isError: false })).toMatchObject({
      scaleTo: null,
      action: 'cooling-down',
      cooldownEdge: false,
    });
    expect(kedaPoll(s(), st, { now: 165, replicas: 9, active: false, isError: false })).toMatchObject({ scaleTo: 0, action: 'scale-to-idle' });
  });
  it('at exactly one cooldown: holds by default (strict test), scales with cooldownEdge expire, and flags the edge', () => {
    expect(kedaPoll(s(), st, { now: 135, replicas: 9, active: false, isError: false })).toMatchObject({ scaleTo: null, cooldownEdge: true });
    expect(kedaPoll(s(), st, { now: 135, replicas: 9, active: false, isError: false, cooldownEdge: 'expire' })).toMatchObject({
      scaleTo: 0,
      cooldownEdge: true,
    });
  });
  it('uses initialCooldownPeriod from creation while never active', () => {
    const never = initialKedaState(0);
    const so = s({ initialCooldownPeriod: 60 });
    expect(kedaPoll(so, never, { now: 30, replicas: 2, active: false, isError: false }).scaleTo).toBeNull();
    expect(kedaPoll(so, never, { now: 61, replicas: 2, active: false, isError: false }).scaleTo).toBe(0);
    // initialCooldownPeriod 0: the first inactive poll scales a never-active target down at once.
    expect(kedaPoll(s(), never, { now: 1, replicas: 2, active: false, isError: false }).scaleTo).toBe(0);
  });
  it('does not scale down with min ≥ 1 (the HPA owns that)', () => {
    expect(kedaPoll(s({ minReplicaCount: 1 }), st, { now: 500, replicas: 4, active: false, isError: false }).scaleTo).toBeNull();
  });
});

describe('KEDA poll: idle and min', () => {
  const idle = s({ minReplicaCount: 2, idleReplicaCount: 0 });
  it('scales from idle to min when active', () => {
    expect(kedaPoll(idle, fresh, { now: 0, replicas: 0, active: true, isError: false }).scaleTo).toBe(2);
    expect(kedaPoll(idle, fresh, { now: 0, replicas: 1, active: true, isError: false }).scaleTo).toBe(2); // replicas < min with idle set
  });
  it('scales to idleReplicaCount after cooldown', () => {
    expect(kedaPoll(idle, { ...fresh, lastActiveTime: 0 }, { now: 31, replicas: 3, active: false, isError: false }).scaleTo).toBe(0);
  });
  it('raises replicas below min (no idle) to min', () => {
    expect(kedaPoll(s({ minReplicaCount: 2 }), fresh, { now: 0, replicas: 1, active: false, isError: false })).toMatchObject({
      scaleTo: 2,
      action: 'scale-to-min',
    });
  });
});

describe('KEDA poll: paused and errors', () => {
  it('holds the paused-replicas count whatever the activity, and deletes the HPA', () => {
    expect(kedaPoll(s(), fresh, { now: 0, replicas: 5, active: true, isError: false, pausedReplicas: 2 })).toMatchObject({
      scaleTo: 2,
      hpaDeleted: true,
      action: 'paused',
    });
    expect(kedaPoll(s(), fresh, { now: 0, replicas: 2, active: false, isError: false, pausedReplicas: 2 })).toMatchObject({ scaleTo: null, hpaDeleted: true });
  });
  it('does not scale on a scaler error (with or without fallback) and does not refresh lastActiveTime', () => {
    const st = { ...fresh, lastActiveTime: 0 };
    expect(kedaPoll(s(), st, { now: 100, replicas: 3, active: false, isError: true })).toMatchObject({ scaleTo: null, action: 'error' });
    const fb = s({ fallback: { failureThreshold: 3, replicas: 5 } });
    const r = kedaPoll(fb, st, { now: 100, replicas: 3, active: false, isError: true });
    expect(r).toMatchObject({ scaleTo: null, action: 'error-fallback' });
    expect(r.message).toMatch(/fallback/);
    expect(kedaPoll(s(), st, { now: 100, replicas: 3, active: true, isError: true }).state.lastActiveTime).toBe(0);
  });
  it('falls through to scale-to-zero when the fallback has replicas 0 (§7.7)', () => {
    const fb0 = s({ fallback: { failureThreshold: 3, replicas: 0 } });
    expect(kedaPoll(fb0, { ...fresh, lastActiveTime: 0 }, { now: 100, replicas: 3, active: false, isError: true }).scaleTo).toBe(0);
  });
});

describe('KEDA poll: times are stored in whole seconds (metav1.Time)', () => {
  it('stamps lastActiveTime 22 for a poll at 22.5, so the poll at 52.5 is past a 30 s cooldown', () => {
    const r = kedaPoll(s(), fresh, { now: 22.5, replicas: 2, active: true, isError: false });
    expect(r.state.lastActiveTime).toBe(22);
    expect(kedaPoll(s(), r.state, { now: 52.5, replicas: 2, active: false, isError: false })).toMatchObject({ scaleTo: 0, cooldownEdge: false });
    // Failing neighbour: cooldown 31 → 22 + 31 = 53 is not before 52.5.
    expect(kedaPoll(s({ cooldownPeriod: 31 }), r.state, { now: 52.5, replicas: 2, active: false, isError: false })).toMatchObject({
      scaleTo: null,
      action: 'cooling-down',
    });
  });
  it('keeps the precision it is given (a clock F times faster passes 1/F)', () => {
    expect(kedaPoll(s(), fresh, { now: 22.5, replicas: 0, active: true, isError: false, timestampPrecision: 0.2 }).state.lastActiveTime).toBeCloseTo(22.4, 9);
  });
  it('truncates creationTimestamp too (initialCooldownPeriod)', () => {
    const created = initialKedaState(0.7); // stored as 0
    const so = s({ initialCooldownPeriod: 30 });
    expect(kedaPoll(so, created, { now: 30.5, replicas: 2, active: false, isError: false }).scaleTo).toBe(0);
    expect(kedaPoll(so, initialKedaState(1.2), { now: 30.5, replicas: 2, active: false, isError: false }).scaleTo).toBeNull(); // stored 1: 31 > 30.5
  });
});
