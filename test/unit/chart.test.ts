/** The HTML chart's scales and marks (issue 11): replica axis from the data, deadlines, plan lag, labels, desired line. */
import { describe, expect, it } from 'vitest';
import { expectationDeadlines } from '../../src/scenarios/deadlines.js';
import { renderChart, renderHtml, replicaScale } from '../../src/scenarios/html.js';
import { sampleCase, sampleRun } from './reportFixture.js';

const ticks = (svg: string) => [...svg.matchAll(/<text class="rep-tick"[^>]*>([\d.]+)<\/text>/g)].map((m) => Number(m[1]));

describe('replica axis', () => {
  it('follows the data, not maxReplicaCount: a peak of 1 gets 0–2, a peak of 7 gets 0–10 in whole steps', () => {
    expect(replicaScale(1)).toEqual({ max: 2, step: 1 });
    expect(replicaScale(3)).toEqual({ max: 4, step: 1 });
    expect(replicaScale(7)).toEqual({ max: 10, step: 2 });
    const peak1 = sampleCase('case1', 'pass', [0, 1, 1, 0]); // maxReplicaCount stays 10
    expect(peak1.settings.maxReplicaCount).toBe(10);
    expect(ticks(renderChart({ ...peak1, prediction: null }))).toEqual([0, 1, 2]);
  });

  it('marks maxReplicaCount only when it is inside the axis', () => {
    const c = sampleCase('x', 'pass', [0, 1, 3, 3, 1, 0]);
    expect(renderChart({ ...c, prediction: null })).not.toContain('max-replicas');
    expect(renderChart({ ...c, prediction: null, settings: { ...c.settings, maxReplicaCount: 3 } })).toContain('maxReplicaCount 3');
  });
});

describe('marks', () => {
  const c = sampleCase('case2', 'fail', [0, 1, 3, 3, 1, 0, 0, 0, 0]);

  it('expectation deadlines: one numbered line each, coloured by outcome', () => {
    const svg = renderChart({
      ...c,
      deadlines: [
        { index: 0, kind: 'reach', t: 9.5, ok: true },
        { index: 1, kind: 'return', t: 6.5, ok: false },
      ],
    });
    expect(svg.match(/<g class="deadline"/g)).toHaveLength(2);
    expect(svg).toMatch(/<g class="deadline" data-t="6.5"><line [^>]*stroke="#d62728"/);
    expect(svg).toMatch(/<g class="deadline" data-t="9.5">.*>1<\/text><\/g>/);
    expect(renderChart(c)).not.toContain('class="deadline"');
    // A deadline far past the data is named at the edge, not drawn (the axis stays on the data).
    const far = renderChart({ ...c, prediction: null, deadlines: [{ index: 4, kind: 'return', t: 180, ok: true }] });
    expect(far).not.toContain('class="deadline"');
    expect(far).toContain('deadlines later: 5 at 180 s →');
    // Two deadlines at the same moment share one line and one label, red when either was missed.
    const same = renderChart({
      ...c,
      deadlines: [
        { index: 1, kind: 'active', t: 7, ok: true },
        { index: 2, kind: 'reach', t: 7, ok: false },
      ],
    });
    expect(same).toMatch(/<g class="deadline" data-t="7 7"><line [^>]*stroke="#d62728"[^>]*\/><text [^>]*>2,3<\/text><\/g>/);
  });

  it('the plan lag is drawn in the lag colour, 2 px, dashed; the desired line on top of the replicas, offset 3 px', () => {
    const svg = renderChart({
      ...c,
      prediction: {
        ...c.prediction!,
        timeline: [
          { t: 0, replicas: 0, lag: 0 },
          { t: 3, replicas: 3, lag: 300 },
        ],
      },
    });
    expect(svg).toMatch(/<polyline class="plan-lag" data-points="2" fill="none" stroke="#1f77b4" stroke-opacity="0.55" stroke-width="2"/);
    expect(svg.indexOf('class="desired"')).toBeGreaterThan(svg.indexOf('class="replicas"'));
    const y = (cls: string) => Number(new RegExp(`class="${cls}"[^>]* points="[\\d.]+,([\\d.]+)`).exec(svg)![1]);
    expect(y('replicas') - y('desired')).toBeCloseTo(3, 5); // both at 0 replicas at t=0
  });

  it('"load starts"/"load ends" labels sit in the top margin, above every data point, staggered when close', () => {
    const svg = renderChart({ ...c, events: { ...c.events, loadStart: 0.5, loadEnd: 1 } });
    const labels = [...svg.matchAll(/<text class="event-label" x="[\d.]+" y="([\d.-]+)"/g)].map((m) => Number(m[1]));
    expect(labels).toHaveLength(2);
    const top = Math.min(
      ...[...svg.matchAll(/ points="([^"]+)"/g)].flatMap((m) =>
        m[1]!
          .trim()
          .split(' ')
          .map((p) => Number(p.split(',')[1])),
      ),
    );
    for (const yl of labels) expect(yl).toBeLessThan(top);
    expect(labels[0]).not.toBe(labels[1]); // half a second apart: the second label goes one row higher
    const apart = renderChart(c); // 0.5 s and 2.5 s: one row
    expect(new Set([...apart.matchAll(/class="event-label" x="[\d.]+" y="([\d.-]+)"/g)].map((m) => m[1])).size).toBe(1);
  });

  it('the report says the plan assumes another KEDA poll phase than the run', () => {
    const html = renderHtml(sampleRun([c]));
    expect(html).toContain('The plan polls KEDA first 15 s after the load starts (pollingInterval / 2), then every 30 s');
  });
});

describe('expectationDeadlines', () => {
  it("adds `within` (or a stay's `for`) to the anchor the expectation uses; previous = when the one before was met", () => {
    const d = expectationDeadlines(
      [
        { kind: 'stay', replicas: 0, for: 5, after: 'start' },
        { kind: 'reach', replicas: 1, within: 12 },
        { kind: 'reach', replicas: 3, within: 10, after: 'previous' },
        { kind: 'return', replicas: 0, within: 36 },
        { kind: 'no-loss' },
      ],
      [{ ok: true, at: 5 }, { ok: true, at: 7.1 }, { ok: false }, { ok: true, at: 13 }, { ok: true }],
      { loadStart: 2.2, loadEnd: 10 },
    );
    expect(d).toEqual([
      { index: 0, kind: 'stay', t: 5, ok: true },
      { index: 1, kind: 'reach', t: 14.2, ok: true },
      { index: 2, kind: 'reach', t: 17.1, ok: false },
      { index: 3, kind: 'return', t: 46, ok: true },
    ]);
  });

  it('an anchor that never happened has no deadline', () => {
    expect(expectationDeadlines([{ kind: 'return', replicas: 0, within: 9 }], [{ ok: false }], { loadStart: 1, loadEnd: null })).toEqual([]);
  });
});
