/**
 * When each timed expectation's window closes on the run's clock (pure), for the chart: `within` deadlines
 * (reach, return, active, lag-drains) and the end of a `stay` window, from the same anchors the expectations use.
 */
import type { ExpectationDef } from './model.js';
import type { RunEvents } from './expectations.js';

export interface Deadline {
  /** Index of the expectation in the case (its row in the report's table, from 0). */
  index: number;
  kind: ExpectationDef['kind'];
  /** Seconds on the run's clock. */
  t: number;
  ok: boolean | null;
}

/** Where an anchor defaults, as the expectations read them (scenario schema: `after`). */
const DEFAULT_ANCHOR: Partial<Record<ExpectationDef['kind'], string>> = {
  reach: 'load-start',
  return: 'load-end',
  stay: 'start',
  active: 'load-start',
  'lag-drains': 'load-end',
};

/** `load-end` → events.loadEnd (any event anchor: `<event>-<edge>` → `<event><Edge>`). */
function eventTime(anchor: string, ev: RunEvents): number | null {
  const key = anchor.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  const v = (ev as unknown as Record<string, number | null | undefined>)[key];
  return typeof v === 'number' ? v : null;
}

/**
 * The deadlines of the expectations whose anchor happened. `results` are the final results in the same order
 * (`at`: when one was met, the anchor of a following `after: previous`; `ok`: the outcome drawn).
 */
export function expectationDeadlines(exps: ExpectationDef[], results: ReadonlyArray<{ ok: boolean | null; at?: number }>, ev: RunEvents): Deadline[] {
  const out: Deadline[] = [];
  exps.forEach((e, index) => {
    const span = 'within' in e ? e.within : e.kind === 'stay' ? e.for : null;
    if (span === null) return;
    const anchor = (e as { after?: string }).after ?? DEFAULT_ANCHOR[e.kind] ?? 'start';
    const A = anchor === 'start' ? 0 : anchor === 'previous' ? (index === 0 ? 0 : (results[index - 1]?.at ?? null)) : eventTime(anchor, ev);
    if (A === null) return;
    out.push({ index, kind: e.kind, t: Math.round((A + span) * 10) / 10, ok: results[index]?.ok ?? null });
  });
  return out;
}
