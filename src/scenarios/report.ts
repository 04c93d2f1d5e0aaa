/** The run report (the JSON document of `run -o json` and report.json in --report-dir). Pure. */
import type { ScaledObjectSettings } from '../scaling/settings.js';
import type { Warning } from '../errors.js';
import type { Audit, ExpectationResult, RunEvents, TimelinePoint } from './expectations.js';
import type { Deadline } from './deadlines.js';
import type { ScaledField } from './fast.js';
import type { LoadPhase } from './model.js';

export type Verdict = 'pass' | 'fail' | 'skipped' | 'error';

export interface PredictionPoint {
  t: number;
  replicas: number;
  desiredReplicas?: number | null;
  lag?: number | null;
}

export interface CaseReport {
  name: string;
  file: string;
  /** The expected timeline in words (from the scenario). */
  description?: string;
  verdict: Verdict;
  reason: string | null;
  /** Effective ScaledObject settings (after --fast). */
  settings: ScaledObjectSettings;
  expectations: Array<Pick<ExpectationResult, 'kind' | 'text' | 'ok' | 'observed'>>;
  audit: Audit | null;
  timeline: TimelinePoint[];
  /** Every other effective value of the case (after --fast), and what the profile changed. */
  effective: {
    topic: string;
    group: string;
    partitions: number;
    consumer: { processMs: number; startupDelaySeconds: number; offsetReset: string; stallPartitions: number[] };
    preconditions: { group: string; replicas: number; topic: string };
    load: LoadPhase[];
    annotations: Record<string, string>;
    hpa: { syncSeconds: number; downscaleWindowSeconds: number; tolerance: number };
    timeout: number;
    sampleIntervalMs: number;
    scaled: ScaledField[];
  } | null;
  events: RunEvents & { end: number | null };
  /** `plan`'s prediction for the case (virtual time), drawn beside the observation. */
  prediction: { timeline: PredictionPoint[]; peak: number | null; note: string } | null;
  /** When each timed expectation's window closed (the chart draws them); absent in reports of older versions. */
  deadlines?: Deadline[];
  /** Files written for the case (diagnostics on the cluster target). */
  diagnostics: string[];
  durationSeconds: number;
}

export interface RunReport {
  target: 'local' | 'cluster';
  profile: { fast: boolean; factor: number };
  versions: Record<string, string>;
  passed: boolean;
  cases: CaseReport[];
  warnings: Warning[];
  startedAt: string;
  interrupted: boolean;
  runId: string | null;
}

/** A case passes when every expectation holds; a run passes when no case failed or errored (skipped allowed). */
export function runPassed(cases: CaseReport[]): boolean {
  return cases.every((c) => c.verdict === 'pass' || c.verdict === 'skipped');
}

export function peakReplicas(tl: TimelinePoint[]): number {
  return tl.reduce((m, p) => Math.max(m, p.replicas), 0);
}

/** The replica path without repeats: 0 → 1 → 3 → 0. */
export function replicaPath(tl: TimelinePoint[]): number[] {
  const out: number[] = [];
  for (const p of tl) if (out[out.length - 1] !== p.replicas) out.push(p.replicas);
  return out;
}

/** Human summary lines (text output). */
export function renderText(r: RunReport): string {
  const lines: string[] = [];
  lines.push(`target ${r.target}, profile ${r.profile.fast ? `--fast (F = ${r.profile.factor})` : 'real time (F = 1)'}${r.runId ? `, run id ${r.runId}` : ''}`);
  for (const c of r.cases) {
    lines.push('');
    lines.push(`${c.verdict.toUpperCase().padEnd(7)} ${c.name}${c.reason ? ` — ${c.reason}` : ''}`);
    if (c.effective) {
      const s = c.settings;
      lines.push(
        `  settings: polling ${s.pollingInterval} s, cooldown ${s.cooldownPeriod} s, min ${s.minReplicaCount}, max ${s.maxReplicaCount}, lagThreshold ${s.lagThreshold}, activation ${s.activationLagThreshold}, ${s.offsetResetPolicy}` +
          `${s.scaleToZeroOnInvalidOffset ? ', scaleToZeroOnInvalidOffset' : ''}${s.excludePersistentLag ? ', excludePersistentLag' : ''}${s.allowIdleConsumers ? ', allowIdleConsumers' : ''}${s.limitToPartitionsWithLag ? ', limitToPartitionsWithLag' : ''}`,
      );
      const e = c.effective;
      lines.push(
        `  topic ${e.topic} (${e.partitions} partitions), group ${e.group}, consumer ${e.consumer.processMs} ms/record, start-up ${e.consumer.startupDelaySeconds} s, HPA sync ${e.hpa.syncSeconds} s`,
      );
      for (const [i, ph] of e.load.entries())
        lines.push(
          `  load ${i}: ${ph.records} records at ${ph.throughput === -1 ? 'unlimited' : ph.throughput + '/s'}, ${ph.recordSize} B${ph.partitions ? ` on partitions ${ph.partitions.join(',')}` : ''}${ph.after ? ` after ${ph.after} s` : ''}${ph.when ? ` when ${ph.when}` : ''}`,
        );
      if (e.scaled.length) lines.push(`  --fast: ${e.scaled.map((f) => `${f.path} ${f.from}→${f.to}${f.pinned ? ' (pinned)' : ''}`).join(', ')}`);
    }
    if (c.timeline.length)
      lines.push(
        `  replicas ${replicaPath(c.timeline).join(' → ')} (peak ${peakReplicas(c.timeline)}, ${c.timeline.length} samples over ${c.durationSeconds} s)`,
      );
    for (const x of c.expectations) lines.push(`  ${x.ok === true ? '✔' : x.ok === false ? '✘' : '–'} ${x.text}: ${x.observed}`);
    if (c.audit)
      lines.push(
        `  audit: produced ${c.audit.produced}, processed ${c.audit.processed}, lost ${c.audit.lost}, duplicates ${c.audit.duplicates}, graceful scale-downs ${c.audit.scaleDowns}`,
      );
    for (const d of c.diagnostics) lines.push(`  diagnostics: ${d}`);
  }
  const n = (v: string) => r.cases.filter((c) => c.verdict === v).length;
  lines.push('');
  lines.push(
    `${r.passed ? 'PASSED' : r.interrupted ? 'INTERRUPTED' : 'FAILED'}: ${n('pass')} passed, ${n('fail')} failed, ${n('error')} errors, ${n('skipped')} skipped`,
  );
  return lines.join('\n') + '\n';
}
