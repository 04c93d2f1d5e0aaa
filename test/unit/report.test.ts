import { describe, expect, it } from 'vitest';
import { renderChart, renderHtml, niceScale } from '../../src/scenarios/html.js';
import { peakReplicas, renderText, replicaPath, runPassed } from '../../src/scenarios/report.js';
import { sampleCase, sampleRun } from './reportFixture.js';

describe('run report', () => {
  it('passes when no case failed or errored; skipped allowed', () => {
    expect(runPassed([sampleCase('a', 'pass'), sampleCase('b', 'skipped')])).toBe(true);
    expect(runPassed([sampleCase('a', 'pass'), sampleCase('b', 'fail')])).toBe(false);
    expect(runPassed([sampleCase('a', 'error')])).toBe(false);
  });

  it('replica path and peak', () => {
    const c = sampleCase('a', 'pass', [0, 0, 1, 1, 3, 2, 0]);
    expect(replicaPath(c.timeline)).toEqual([0, 1, 3, 2, 0]);
    expect(peakReplicas(c.timeline)).toBe(3);
  });

  it('the text summary prints F, the verdicts and the audit', () => {
    const t = renderText(sampleRun([sampleCase('case1', 'pass'), sampleCase('case2', 'fail')]));
    expect(t).toContain('--fast (F = 5)');
    expect(t).toContain('FAIL    case2');
    expect(t).toContain('replicas 0 → 1 → 3 → 1 → 0 (peak 3');
    expect(t).toContain('lost 0');
    expect(t).toContain('FAILED: 1 passed, 1 failed');
  });
});

describe('HTML report', () => {
  const run = sampleRun([sampleCase('case1', 'pass', [0, 1, 2, 3, 3, 2, 1, 0, 0]), sampleCase('case2', 'fail')]);
  const html = renderHtml(run);

  it('is self-contained: no external URL, no script', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('draws one point per sample for replicas, desired replicas and lag', () => {
    const svg = renderChart(run.cases[0]!);
    for (const cls of ['replicas', 'desired', 'lag']) {
      const m = svg.match(new RegExp(`<polyline class="${cls}" data-points="(\\d+)"[^>]* points="([^"]*)"`));
      expect(m, cls).not.toBeNull();
      expect(Number(m![1])).toBe(9);
      expect(m![2]!.trim().split(' ')).toHaveLength(9);
    }
  });

  it('draws the plan prediction beside the observation, and the activity band', () => {
    const svg = renderChart(run.cases[0]!);
    expect(svg).toMatch(/<polyline class="plan-replicas" data-points="3"/);
    expect(svg.match(/class="active"/g)!.length).toBe(6);
    const noPlan = renderChart({ ...run.cases[0]!, prediction: null });
    expect(noPlan).not.toContain('plan-replicas');
  });

  it('shows verdicts and the failed expectation', () => {
    expect(html).toContain('<span class="verdict fail">fail</span>');
    expect(html).toContain('replicas were between 1 and 3');
    expect(html).toContain('F = 5');
  });

  it('nice axis scales', () => {
    expect(niceScale(0)).toEqual({ max: 1, step: 1 });
    expect(niceScale(93)).toEqual({ max: 100, step: 20 });
    expect(niceScale(410000)).toEqual({ max: 500000, step: 100000 });
  });
});

describe('live view lines', async () => {
  const { sparkline, plainLine } = await import('../../src/ui/live.js');
  it('sparkline scales to the max and keeps the last width values', () => {
    expect(sparkline([0, 5, 10])).toBe('▁▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([1, 2, 3, 4], 2)).toHaveLength(2);
  });
  it('a plain line per sample names replicas, lag and the checklist', () => {
    const c = sampleCase('case1', 'pass');
    const line = plainLine({
      name: 'case1',
      t: 3,
      point: c.timeline[2]!,
      timeline: c.timeline,
      results: [
        { kind: 'reach', text: 'x', ok: true, status: 'pass', observed: '' },
        { kind: 'return', text: 'y', ok: null, status: 'pending', observed: '' },
      ],
      events: { loadStart: 0, loadEnd: null },
      phase: 'load',
    });
    expect(line).toBe('case1 t=2.0s replicas=3 ready=3 desired=3 active=true lag=300 metric=300 rate=10/s load expectations 1/2 met');
  });
});
