import { DEFAULT_SETTINGS } from '../../src/scaling/settings.js';
import type { CaseReport, RunReport } from '../../src/scenarios/report.js';

export function sampleCase(name: string, verdict: CaseReport['verdict'], replicas: number[] = [0, 1, 3, 3, 1, 0]): CaseReport {
  return {
    name,
    file: `/x/${name}.yaml`,
    verdict,
    reason: verdict === 'skipped' ? 'cluster only: needs a real KEDA' : verdict === 'error' ? 'Kafka unreachable at 127.0.0.1:1 <&>' : null,
    settings: { ...DEFAULT_SETTINGS },
    expectations: [
      { kind: 'reach', text: 'replicas reach ≥ 3 within 24 s after the load starts', ok: true, observed: 'met at t=2 s' },
      {
        kind: 'return',
        text: 'replicas return to 0 within 10 s after the load ends',
        ok: verdict !== 'fail',
        observed: verdict === 'fail' ? 'replicas were between 1 and 3 by the deadline t=12 s' : 'met at t=5 s',
      },
    ],
    audit: { produced: 100, processed: 100, lost: 0, duplicates: 0, scaleDowns: 3 },
    timeline: replicas.map((r, t) => ({
      t,
      replicas: r,
      readyReplicas: r,
      desiredReplicas: r,
      active: r > 0,
      totalLag: r * 100,
      metric: r * 100,
      produceRate: 10,
    })),
    effective: null,
    events: { loadStart: 0.5, loadEnd: 2.5, end: replicas.length - 1 },
    prediction: {
      timeline: [
        { t: 0, replicas: 0 },
        { t: 2, replicas: 3 },
        { t: 5, replicas: 0 },
      ],
      peak: 3,
      note: 'plan prediction',
    },
    diagnostics: [],
    durationSeconds: replicas.length,
  };
}

export function sampleRun(cases: CaseReport[]): RunReport {
  return {
    target: 'local',
    profile: { fast: true, factor: 5 },
    versions: { 'cma-demo': '0.1.0', kafka: '4.1.1' },
    passed: cases.every((c) => c.verdict === 'pass' || c.verdict === 'skipped'),
    cases,
    warnings: [{ code: 'W', message: 'a warning' }],
    startedAt: '2026-11-28T05:00:00.000Z',
    interrupted: false,
    runId: 'abc',
  };
}
