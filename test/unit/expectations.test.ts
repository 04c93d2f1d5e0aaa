import { describe, expect, it } from 'vitest';
import { evaluateExpectations, horizon, type Audit, type RunEvents, type TimelinePoint } from '../../src/scenarios/expectations.js';
import type { ExpectationDef } from '../../src/scenarios/model.js';

/** A timeline from replica counts, one sample a second; active = replicas > 0 unless given; lag as given. */
function tl(replicas: number[], opts: { lag?: number[]; active?: (boolean | null)[] } = {}): TimelinePoint[] {
  return replicas.map((r, t) => ({
    t,
    replicas: r,
    readyReplicas: r,
    desiredReplicas: r,
    active: opts.active ? (opts.active[t] ?? null) : r > 0,
    totalLag: opts.lag ? (opts.lag[t] ?? null) : 0,
    metric: null,
    produceRate: 0,
  }));
}
const ev: RunEvents = { loadStart: 2, loadEnd: 6 };
const one = (e: ExpectationDef, points: TimelinePoint[], final = true, events = ev, audit: Audit | null = null) =>
  evaluateExpectations([e], points, events, audit, final)[0]!;

describe('expectations over synthetic timelines', () => {
  it('reach: passes when replicas reach N inside the window, fails otherwise with the observed range', () => {
    const e: ExpectationDef = { kind: 'reach', replicas: 3, within: 5 };
    expect(one(e, tl([0, 0, 0, 1, 3, 3, 2, 0, 0, 0])).ok).toBe(true);
    const bad = one(e, tl([0, 0, 0, 1, 2, 2, 2, 2, 3, 3]));
    expect(bad.ok).toBe(false);
    expect(bad.observed).toContain('between 0 and 2');
    expect(bad.observed).toContain('t=7 s');
  });

  it('reach: pending on a partial timeline before the deadline, fail once it passed', () => {
    const e: ExpectationDef = { kind: 'reach', replicas: 3, within: 5 };
    expect(one(e, tl([0, 0, 0, 1]), false).status).toBe('pending');
    expect(one(e, tl([0, 0, 0, 1, 1, 1, 1, 1, 1]), false).status).toBe('fail');
    expect(one(e, tl([0, 0, 0, 1]), true).status).toBe('fail');
  });

  it('return: to N within T after the load ends', () => {
    const e: ExpectationDef = { kind: 'return', replicas: 0, within: 3 };
    expect(one(e, tl([0, 1, 2, 2, 2, 2, 2, 1, 0, 0])).ok).toBe(true);
    expect(one(e, tl([0, 1, 2, 2, 2, 2, 2, 1, 1, 1, 0])).ok).toBe(false);
  });

  it('never-exceed: fails at the first sample above N, passes only at the end', () => {
    const e: ExpectationDef = { kind: 'never-exceed', replicas: 2 };
    expect(one(e, tl([0, 1, 2, 1])).ok).toBe(true);
    expect(one(e, tl([0, 1, 2, 1]), false).status).toBe('pending');
    const bad = one(e, tl([0, 1, 3, 1]), false);
    expect(bad.status).toBe('fail');
    expect(bad.observed).toBe('replicas 3 at t=2 s');
  });

  it('never-below', () => {
    const e: ExpectationDef = { kind: 'never-below', replicas: 1 };
    expect(one(e, tl([1, 2, 3, 1])).ok).toBe(true);
    expect(one(e, tl([1, 2, 0, 1])).ok).toBe(false);
  });

  it('stay: N in every sample of the window (AssertReplicaCountNotChangeDuringTimePeriod)', () => {
    const e: ExpectationDef = { kind: 'stay', replicas: 0, for: 4, after: 'start' };
    expect(one(e, tl([0, 0, 0, 0, 0, 1])).ok).toBe(true);
    const bad = one(e, tl([0, 0, 1, 0, 0, 0]));
    expect(bad.ok).toBe(false);
    expect(bad.observed).toContain('replicas 1 at t=2 s');
    expect(one(e, tl([0, 0, 0]), false).status).toBe('pending');
    expect(one(e, tl([0, 0, 0]), true).status).toBe('fail');
  });

  it('active: becomes true / false within T', () => {
    expect(one({ kind: 'active', active: true, within: 3 }, tl([0, 0, 0, 0, 1])).ok).toBe(true);
    expect(one({ kind: 'active', active: true, within: 1 }, tl([0, 0, 0, 0, 1])).ok).toBe(false);
    expect(one({ kind: 'active', active: false, within: 2, after: 'load-end' }, tl([0, 1, 1, 1, 1, 1, 1, 1, 0, 0])).ok).toBe(true);
    expect(one({ kind: 'active', active: false, within: 2, after: 'load-end' }, tl([0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0])).ok).toBe(false);
  });

  it('lag-drains: total lag ≤ N within T after the load ends', () => {
    const r = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(one({ kind: 'lag-drains', lag: 0, within: 2 }, tl(r, { lag: [0, 5, 50, 90, 99, 80, 40, 10, 0, 0] })).ok).toBe(true);
    const bad = one({ kind: 'lag-drains', lag: 0, within: 2 }, tl(r, { lag: [0, 5, 50, 90, 99, 80, 40, 10, 3, 0] }));
    expect(bad.ok).toBe(false);
    expect(bad.observed).toContain('lag was between 3 and 40');
  });

  it('no-loss: decided at the end from the audit', () => {
    const ok: Audit = { produced: 100, processed: 104, lost: 0, duplicates: 4, scaleDowns: 2 };
    const lost: Audit = { ...ok, lost: 1 };
    expect(one({ kind: 'no-loss' }, tl([0]), true, ev, ok).ok).toBe(true);
    expect(one({ kind: 'no-loss' }, tl([0]), true, ev, lost).ok).toBe(false);
    expect(one({ kind: 'no-loss', duplicates: false }, tl([0]), true, ev, ok).ok).toBe(false);
    expect(one({ kind: 'no-loss' }, tl([0]), true, ev, null).ok).toBe(false);
    expect(one({ kind: 'no-loss' }, tl([0]), false, ev, ok).status).toBe('pending');
  });

  it('no-loss after Ctrl-C: records never consumed are "not evaluated", not lost; a complete audit still passes', () => {
    const partial: Audit = { produced: 100000, processed: 6020, lost: 93980, duplicates: 0, scaleDowns: 0 };
    const interrupted: RunEvents = { ...ev, interrupted: true };
    const r = one({ kind: 'no-loss' }, tl([0]), true, interrupted, partial);
    expect(r.ok).toBeNull();
    expect(r.observed).toMatch(/^not evaluated: the run was interrupted with 93980 of 100000 acknowledged records not yet consumed/);
    expect(one({ kind: 'no-loss' }, tl([0]), true, ev, partial).ok).toBe(false); // the neighbour: not interrupted = lost
    expect(one({ kind: 'no-loss' }, tl([0]), true, interrupted, { ...partial, processed: 100000, lost: 0 }).ok).toBe(true);
  });

  it('scale-downs: at least N graceful exits', () => {
    const a: Audit = { produced: 0, processed: 0, lost: 0, duplicates: 0, scaleDowns: 2 };
    expect(one({ kind: 'scale-downs', atLeast: 2 }, tl([0]), true, ev, a).ok).toBe(true);
    expect(one({ kind: 'scale-downs', atLeast: 3 }, tl([0]), true, ev, a).ok).toBe(false);
  });

  it('after: previous anchors on the time the previous one was met, and fails with it', () => {
    const exps: ExpectationDef[] = [
      { kind: 'reach', replicas: 2, within: 10 },
      { kind: 'stay', replicas: 2, for: 3, after: 'previous' },
    ];
    const r = evaluateExpectations(exps, tl([0, 0, 0, 2, 2, 2, 2, 0]), ev, null, true);
    expect(r.map((x) => x.ok)).toEqual([true, true]);
    const r2 = evaluateExpectations(exps, tl([0, 0, 0, 2, 2, 1, 2, 0]), ev, null, true);
    expect(r2.map((x) => x.ok)).toEqual([true, false]);
    const r3 = evaluateExpectations(exps, tl([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), ev, null, true);
    expect(r3[1]!.observed).toContain('previous expectation failed');
  });

  it('anchors on the load: pending while the load has not ended, fail if it never did', () => {
    const e: ExpectationDef = { kind: 'return', replicas: 0, within: 3 };
    expect(one(e, tl([0, 1]), false, { loadStart: 0, loadEnd: null }).status).toBe('pending');
    expect(one(e, tl([0, 1]), true, { loadStart: 0, loadEnd: null }).observed).toBe('the load never ended');
  });

  it('horizon: the latest deadline once the anchors are known', () => {
    const exps: ExpectationDef[] = [
      { kind: 'reach', replicas: 1, within: 10 },
      { kind: 'return', replicas: 0, within: 30 },
    ];
    expect(horizon(exps, { loadStart: 2, loadEnd: null })).toBeNull();
    expect(horizon(exps, { loadStart: 2, loadEnd: 6 })).toBe(36);
  });
});
