/**
 * Expectations as pure functions over a timeline (KEDA's e2e style: "wait until replicas ≥ N within T" and
 * "replicas stay N for T", not single snapshots). Each one is pass, fail, or still pending on a partial timeline,
 * so the runner can tick a live checklist and stop as soon as everything is decided.
 */
import type { Audit } from '../kafka/audit.js';
import type { Anchor, ExpectationDef } from './model.js';

export interface TimelinePoint {
  /** Seconds since the first sample (the first sample is taken before any load). */
  t: number;
  replicas: number;
  readyReplicas: number;
  desiredReplicas: number | null;
  active: boolean | null;
  /** Total lag as KEDA sees it (Σ per-partition lag incl. persistent lag, uncapped); null when unreadable. */
  totalLag: number | null;
  /** The metric reported to the HPA (after the partition cap). */
  metric: number | null;
  /** Records/s the producer acknowledged over the last report window; 0 when idle. */
  produceRate: number;
}

export interface RunEvents {
  /** When the first load phase started (s); null while not started. A case with no load: 0. */
  loadStart: number | null;
  /** When the last load phase finished. */
  loadEnd: number | null;
  /** A case with an outage: when the broker was paused and resumed (s); null while not (yet) happened. */
  outageStart?: number | null;
  outageEnd?: number | null;
  /** The run was interrupted (Ctrl-C): the consumers were stopped before they could process the backlog. */
  interrupted?: boolean;
}

/** The audit's figures live beside the consumer that writes the audit (kafka/audit.ts). */
export type { Audit };

export type ExpectationStatus = 'pass' | 'fail' | 'pending';

export interface ExpectationResult {
  kind: ExpectationDef['kind'];
  text: string;
  /** true pass, false fail, null still pending (only on a partial timeline). */
  ok: boolean | null;
  status: ExpectationStatus;
  /** What was observed, with the figures. */
  observed: string;
  /** When it was decided (s), for `after: previous`. */
  at?: number;
}

const DEFAULT_ANCHOR: Record<string, Anchor> = {
  reach: 'load-start',
  return: 'load-end',
  stay: 'start',
  active: 'load-start',
  'lag-drains': 'load-end',
};

const ANCHOR_TEXT: Record<Anchor, string> = {
  start: 'from the first sample',
  'load-start': 'after the load starts',
  'load-end': 'after the load ends',
  previous: 'after the previous expectation',
  'outage-start': 'after the broker is paused',
  'outage-end': 'after the broker resumes',
};
const anchorText = (a: Anchor): string => ANCHOR_TEXT[a];

/** The time of an event anchor, null while it has not happened. */
function anchorTime(a: Exclude<Anchor, 'start' | 'previous'>, ev: RunEvents): number | null {
  switch (a) {
    case 'load-start':
      return ev.loadStart;
    case 'load-end':
      return ev.loadEnd;
    case 'outage-start':
      return ev.outageStart ?? null;
    case 'outage-end':
      return ev.outageEnd ?? null;
  }
}
const EVENT_WORDS: Record<Exclude<Anchor, 'start' | 'previous'>, [string, string]> = {
  'load-start': ['the load never started', 'waiting for the load to start'],
  'load-end': ['the load never ended', 'waiting for the load to end'],
  'outage-start': ['the broker was never paused', 'waiting for the broker to be paused'],
  'outage-end': ['the broker never resumed', 'waiting for the broker to resume'],
};

export function describeExpectation(e: ExpectationDef): string {
  const a = (x?: Anchor) => anchorText(x ?? DEFAULT_ANCHOR[e.kind]!);
  switch (e.kind) {
    case 'reach':
      return `replicas reach ≥ ${e.replicas} within ${e.within} s ${a(e.after)}`;
    case 'return':
      return `replicas return to ${e.replicas} within ${e.within} s ${a(e.after)}`;
    case 'never-exceed':
      return `replicas never exceed ${e.replicas}`;
    case 'never-below':
      return `replicas never drop below ${e.replicas}`;
    case 'stay':
      return `replicas stay ${e.replicas} for ${e.for} s ${a(e.after)}`;
    case 'active':
      return `the ScaledObject becomes ${e.active ? 'active' : 'inactive'} within ${e.within} s ${a(e.after)}`;
    case 'lag-drains':
      return `lag drains to ≤ ${e.lag} within ${e.within} s ${a(e.after)}`;
    case 'no-loss':
      return e.duplicates === false ? 'nothing lost and nothing processed twice' : 'nothing lost (every acknowledged record is in the audit)';
    case 'scale-downs':
      return `at least ${e.atLeast} graceful scale-downs (consumers that exited 0 after SIGTERM)`;
    case 'replicas-in':
      return `replicas only ever ${e.replicas.join(', ')}`;
    case 'step':
      return `replicas step from ${e.from} straight to ${e.to}`;
  }
}

/** The replica counts of a timeline with repeats dropped: [0, 1, 3, 5, …]. */
export function replicaPath(tl: TimelinePoint[]): number[] {
  const out: number[] = [];
  for (const p of tl) if (out[out.length - 1] !== p.replicas) out.push(p.replicas);
  return out;
}

const fmt = (t: number) => `${Math.round(t * 10) / 10} s`;

type Partial = { status: ExpectationStatus; observed: string; at?: number };

/** "eventually": the first sample in [A, A+W] that satisfies pred. */
function eventually(
  tl: TimelinePoint[],
  A: number,
  W: number,
  pred: (p: TimelinePoint) => boolean,
  final: boolean,
  describeMiss: (window: TimelinePoint[]) => string,
): Partial {
  const deadline = A + W;
  const window = tl.filter((p) => p.t >= A && p.t <= deadline);
  const hit = window.find(pred);
  if (hit) return { status: 'pass', observed: `met at t=${fmt(hit.t)} (${fmt(hit.t - A)} after the anchor)`, at: hit.t };
  const last = tl[tl.length - 1];
  if ((last && last.t > deadline) || final) {
    return {
      status: 'fail',
      observed: `${describeMiss(window)} by the deadline t=${fmt(deadline)}${last && last.t < deadline ? ` (the run ended at t=${fmt(last.t)})` : ''}`,
    };
  }
  return { status: 'pending', observed: `waiting until t=${fmt(deadline)}` };
}

function range(window: TimelinePoint[], f: (p: TimelinePoint) => number | null): string {
  const vs = window.map(f).filter((v): v is number => v !== null);
  if (!vs.length) return 'no sample';
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  return lo === hi ? `${lo} throughout` : `between ${lo} and ${hi}, last ${vs[vs.length - 1]}`;
}

function evaluateOne(e: ExpectationDef, tl: TimelinePoint[], ev: RunEvents, audit: Audit | null, final: boolean, prev: ExpectationResult | undefined): Partial {
  let A = 0;
  if ('within' in e || e.kind === 'stay') {
    const anchor = (e as { after?: Anchor }).after ?? DEFAULT_ANCHOR[e.kind]!;
    if (anchor === 'previous') {
      if (!prev) A = 0;
      else if (prev.status === 'fail') return { status: 'fail', observed: 'not checked: the previous expectation failed' };
      else if (prev.status === 'pending' || prev.at === undefined)
        return final
          ? { status: 'fail', observed: 'the previous expectation was never decided' }
          : { status: 'pending', observed: 'waiting for the previous expectation' };
      else A = prev.at;
    } else if (anchor !== 'start') {
      const v = anchorTime(anchor, ev);
      const [never, waiting] = EVENT_WORDS[anchor];
      if (v === null) return final ? { status: 'fail', observed: never } : { status: 'pending', observed: waiting };
      A = v;
    }
  }
  switch (e.kind) {
    case 'reach':
      return eventually(
        tl,
        A,
        e.within,
        (p) => p.replicas >= e.replicas,
        final,
        (w) => `replicas were ${range(w, (p) => p.replicas)}`,
      );
    case 'return':
      return eventually(
        tl,
        A,
        e.within,
        (p) => p.replicas === e.replicas,
        final,
        (w) => `replicas were ${range(w, (p) => p.replicas)}`,
      );
    case 'active':
      return eventually(
        tl,
        A,
        e.within,
        (p) => p.active === e.active,
        final,
        (w) => `active was ${[...new Set(w.map((p) => String(p.active)))].join('/') || 'never sampled'}`,
      );
    case 'lag-drains':
      return eventually(
        tl,
        A,
        e.within,
        (p) => p.totalLag !== null && p.totalLag <= e.lag,
        final,
        (w) => `lag was ${range(w, (p) => p.totalLag)}`,
      );
    case 'never-exceed': {
      const over = tl.find((p) => p.replicas > e.replicas);
      if (over) return { status: 'fail', observed: `replicas ${over.replicas} at t=${fmt(over.t)}`, at: over.t };
      const peak = tl.length ? Math.max(...tl.map((p) => p.replicas)) : 0;
      return final
        ? { status: 'pass', observed: `peak ${peak} over ${tl.length} samples`, at: tl[tl.length - 1]?.t ?? 0 }
        : { status: 'pending', observed: `peak ${peak} so far` };
    }
    case 'never-below': {
      const under = tl.find((p) => p.replicas < e.replicas);
      if (under) return { status: 'fail', observed: `replicas ${under.replicas} at t=${fmt(under.t)}`, at: under.t };
      const low = tl.length ? Math.min(...tl.map((p) => p.replicas)) : 0;
      return final
        ? { status: 'pass', observed: `lowest ${low} over ${tl.length} samples`, at: tl[tl.length - 1]?.t ?? 0 }
        : { status: 'pending', observed: `lowest ${low} so far` };
    }
    case 'stay': {
      const end = A + e.for;
      const bad = tl.find((p) => p.t >= A && p.t <= end && p.replicas !== e.replicas);
      if (bad) return { status: 'fail', observed: `replicas ${bad.replicas} at t=${fmt(bad.t)} (${fmt(bad.t - A)} into the ${e.for} s window)` };
      const last = tl[tl.length - 1];
      const n = tl.filter((p) => p.t >= A && p.t <= end).length;
      if (last && last.t >= end) return { status: 'pass', observed: `${e.replicas} in all ${n} samples from t=${fmt(A)} to t=${fmt(end)}`, at: end };
      return final
        ? { status: 'fail', observed: `the run ended at t=${fmt(last?.t ?? 0)}, before the window closed at t=${fmt(end)}` }
        : { status: 'pending', observed: `${n} samples so far, holding until t=${fmt(end)}` };
    }
    case 'no-loss': {
      if (!final) return { status: 'pending', observed: 'checked when the case ends' };
      if (!audit) return { status: 'fail', observed: 'no audit was recorded (the case has audit: false, or the target cannot audit)' };
      const obs = `produced ${audit.produced}, processed ${audit.processed}, lost ${audit.lost}, duplicates ${audit.duplicates}`;
      // After Ctrl-C the records not yet consumed are unprocessed, not lost: no verdict (ok: null) unless all arrived.
      if (ev.interrupted && audit.lost > 0) {
        return {
          status: 'pending',
          observed: `not evaluated: the run was interrupted with ${audit.lost} of ${audit.produced} acknowledged records not yet consumed (processed ${audit.processed}, duplicates ${audit.duplicates})`,
        };
      }
      const ok = audit.lost === 0 && (e.duplicates !== false || audit.duplicates === 0);
      return { status: ok ? 'pass' : 'fail', observed: obs };
    }
    case 'scale-downs': {
      const n = audit?.scaleDowns ?? 0;
      if (n >= e.atLeast) return { status: 'pass', observed: `${n} graceful scale-downs` };
      return final ? { status: 'fail', observed: `${n} graceful scale-downs` } : { status: 'pending', observed: `${n} so far` };
    }
    case 'replicas-in': {
      const allowed = new Set(e.replicas);
      const bad = tl.find((p) => !allowed.has(p.replicas));
      const path = replicaPath(tl).join(' → ');
      if (bad) return { status: 'fail', observed: `replicas ${bad.replicas} at t=${fmt(bad.t)} (path ${path})`, at: bad.t };
      return final
        ? { status: 'pass', observed: `path ${path || 'no sample'}`, at: tl[tl.length - 1]?.t ?? 0 }
        : { status: 'pending', observed: `path ${path} so far` };
    }
    case 'step': {
      const path = replicaPath(tl);
      const i = path.findIndex((r, k) => k > 0 && path[k - 1] === e.from && r === e.to);
      if (i > 0) {
        const at = tl.find((p, k) => k > 0 && p.replicas === e.to && tl[k - 1]!.replicas === e.from)?.t;
        return { status: 'pass', observed: `path ${path.join(' → ')}`, ...(at !== undefined ? { at } : {}) };
      }
      return final
        ? { status: 'fail', observed: `path ${path.join(' → ') || 'no sample'}` }
        : { status: 'pending', observed: `path ${path.join(' → ')} so far` };
    }
  }
}

/** Evaluates every expectation in order (`after: previous` anchors on the one before). */
export function evaluateExpectations(
  exps: ExpectationDef[],
  timeline: TimelinePoint[],
  events: RunEvents,
  audit: Audit | null,
  final: boolean,
): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  for (const e of exps) {
    const r = evaluateOne(e, timeline, events, audit, final, out[out.length - 1]);
    out.push({
      kind: e.kind,
      text: describeExpectation(e),
      ok: r.status === 'pending' ? null : r.status === 'pass',
      status: r.status,
      observed: r.observed,
      ...(r.at !== undefined ? { at: r.at } : {}),
    });
  }
  return out;
}

const FINAL_CHECKS = new Set<ExpectationDef['kind']>(['never-exceed', 'never-below', 'no-loss', 'scale-downs', 'replicas-in']);

/** True when nothing but end-of-run checks (never-exceed, no-loss, scale-downs) is still pending. */
export function onlyFinalChecksPending(results: ExpectationResult[]): boolean {
  return results.every((r) => r.status !== 'pending' || FINAL_CHECKS.has(r.kind));
}

/** The latest time any time-bound expectation can still need (for the runner's stop condition). */
export function horizon(exps: ExpectationDef[], events: RunEvents): number | null {
  let h = 0;
  for (const e of exps) {
    const w = 'within' in e ? e.within : e.kind === 'stay' ? e.for : 0;
    const anchor = (e as { after?: Anchor }).after ?? DEFAULT_ANCHOR[e.kind] ?? 'start';
    const base = anchor === 'start' ? 0 : anchor === 'previous' ? null : anchorTime(anchor, events);
    if (base === null) return null;
    h = Math.max(h, base + w);
  }
  return h;
}
