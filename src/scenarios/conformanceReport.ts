/**
 * The conformance report (pure): one case run on the local target (the emulator decides) and on a cluster (the
 * real KEDA and HPA decide), `plan`'s prediction beside them, their landmarks compared (conformance.ts). The JSON
 * document of `conformance -o json`, its text table and its HTML page (the run report's chart, with the local
 * run drawn over the cluster's).
 */
import type { ScaledObjectSettings } from '../scaling/settings.js';
import type { Warning } from '../errors.js';
import {
  compareLandmarks,
  landmarks,
  metricValue,
  planLoadEnd,
  seriesFromPrediction,
  seriesFromTimeline,
  toleranceOf,
  verdictOf,
  type Comparison,
  type Landmarks,
  type MetricKey,
  type Tolerance,
} from './conformance.js';
import type { TimelinePoint } from './expectations.js';
import { esc, renderChart, REPORT_CSS } from './html.js';
import type { CaseReport, PredictionPoint, Verdict } from './report.js';

/** Where a side's HPA sync period comes from. */
export type SyncSource = 'emulator' | 'lab' | 'default';

/** One run of the case (the local target, or the cluster). */
export interface SideResult {
  /** The target it ran on (`--against local` runs the "cluster" side on the local target too). */
  target: 'local' | 'cluster';
  /** Its name in the table. */
  label: string;
  /** The run's own verdict on the case's expectations. */
  verdict: Verdict;
  reason: string | null;
  hpaSyncSeconds: number;
  hpaSyncSource: SyncSource;
  events: CaseReport['events'];
  timeline: TimelinePoint[];
  expectations: CaseReport['expectations'];
  durationSeconds: number;
  /** null when the case did not run there. */
  landmarks: Landmarks | null;
}

/** One row of the table: a metric on both sides and in the plan. */
export interface ConformanceRow {
  metric: string;
  key: MetricKey;
  unit: 's' | 'replicas';
  local: number | null;
  cluster: number | null;
  plan: number | null;
  /** cluster − local. */
  delta: number | null;
  /** The allowed |delta| (the tolerance in seconds; 0 for the peak). */
  allowed: number;
  ok: boolean;
  text: string;
}

export type CaseConformance = 'agree' | 'disagree' | 'skipped' | 'error';

export interface ConformanceCase {
  name: string;
  file: string;
  verdict: CaseConformance;
  /** Why it disagrees (the first difference), was skipped or errored. */
  reason: string | null;
  /** Effective ScaledObject settings (after --fast). */
  settings: ScaledObjectSettings;
  /** Times are seconds after each run's load started. */
  tolerance: Tolerance;
  local: SideResult;
  cluster: SideResult;
  plan: { loadStart: number; loadEnd: number | null; timeline: PredictionPoint[]; note: string; landmarks: Landmarks | null } | null;
  /** local against cluster: decides the verdict. */
  comparisons: ConformanceRow[];
  /** plan against cluster: for information (plan's fluid model leaves out rebalances and commit intervals). */
  planComparisons: Comparison[];
  differences: string[];
}

export interface ConformanceReport {
  command: 'conformance';
  /** What the second side ran on: the cluster (default) or, for tests, the local target again. */
  against: 'cluster' | 'local';
  profile: { fast: boolean; factor: number };
  versions: { local: Record<string, string>; cluster: Record<string, string> };
  /** Every case that ran agrees within its tolerance. */
  agreed: boolean;
  verdict: 'agree' | 'disagree' | 'error' | 'interrupted';
  cases: ConformanceCase[];
  warnings: Warning[];
  startedAt: string;
  runId: string | null;
  interrupted: boolean;
}

/** What a case's comparison needs beyond the two run reports. */
export interface CaseInputs {
  /** The case's starting replicas (preconditions.replicas): activation is the first rise above it. */
  baseline: number;
  /** Where a return ends: idleReplicaCount when set, else minReplicaCount. */
  floor: number;
  /** `plan`'s prediction for the case, unshifted: t = 0 is the start of the first load phase's pause. */
  prediction: CaseReport['prediction'];
  /** The first load phase's pause (plan's load starts there) and the phases (for plan's load end). */
  load: ReadonlyArray<{ records: number; throughput: number; after: number }>;
  local: { report: CaseReport; label: string; target: 'local' | 'cluster'; hpaSyncSeconds: number; hpaSyncSource: SyncSource };
  cluster: { report: CaseReport; label: string; target: 'local' | 'cluster'; hpaSyncSeconds: number; hpaSyncSource: SyncSource };
}

const ran = (r: CaseReport): boolean => r.verdict === 'pass' || r.verdict === 'fail';

function side(s: CaseInputs['local'], o: { baseline: number; floor: number }): SideResult {
  const r = s.report;
  return {
    target: s.target,
    label: s.label,
    verdict: r.verdict,
    reason: r.reason,
    hpaSyncSeconds: s.hpaSyncSeconds,
    hpaSyncSource: s.hpaSyncSource,
    events: r.events,
    timeline: r.timeline,
    expectations: r.expectations,
    durationSeconds: r.durationSeconds,
    landmarks: ran(r) && r.timeline.length ? landmarks(seriesFromTimeline(r.timeline, r.events), o) : null,
  };
}

/** Compares one case's two runs and the plan (pure). */
export function conformanceCase(x: CaseInputs): ConformanceCase {
  const o = { baseline: x.baseline, floor: x.floor };
  const local = side(x.local, o);
  const cluster = side(x.cluster, o);
  const settings = x.cluster.report.settings;
  const tolerance = toleranceOf(settings.pollingInterval, local.hpaSyncSeconds, cluster.hpaSyncSeconds);
  let plan: ConformanceCase['plan'] = null;
  if (x.prediction && x.prediction.timeline.length) {
    const loadStart = x.load[0]?.after ?? 0;
    const end = planLoadEnd(x.load);
    const loadEnd = end === null ? null : loadStart + end;
    plan = {
      loadStart,
      loadEnd,
      timeline: x.prediction.timeline,
      note: x.prediction.note,
      landmarks: landmarks(seriesFromPrediction(x.prediction.timeline, loadStart, loadEnd), o),
    };
  }
  const base = { name: x.cluster.report.name, file: x.cluster.report.file, settings, tolerance, local, cluster, plan };
  const notCompared = (verdict: CaseConformance, reason: string): ConformanceCase => ({
    ...base,
    verdict,
    reason,
    comparisons: [],
    planComparisons: [],
    differences: [],
  });
  for (const s of [local, cluster]) {
    if (s.verdict === 'skipped') return notCompared('skipped', `${s.label}: ${s.reason ?? 'skipped'}`);
  }
  for (const s of [local, cluster]) {
    if (!s.landmarks) return notCompared('error', `${s.label}: ${s.reason ?? 'no timeline'}`);
  }
  const rows = compareLandmarks(local.landmarks!, cluster.landmarks!, tolerance, { a: local.label, b: cluster.label });
  const comparisons: ConformanceRow[] = rows.map((r) => ({
    metric: r.metric,
    key: r.key,
    unit: r.unit,
    local: r.a,
    cluster: r.b,
    plan: plan?.landmarks ? metricValue(plan.landmarks, r.key) : null,
    delta: r.delta,
    allowed: r.allowed,
    ok: r.ok,
    text: r.text,
  }));
  const planComparisons = plan?.landmarks ? compareLandmarks(plan.landmarks, cluster.landmarks!, tolerance, { a: 'plan', b: cluster.label }) : [];
  const v = verdictOf(rows);
  return { ...base, verdict: v.agree ? 'agree' : 'disagree', reason: v.differences[0] ?? null, comparisons, planComparisons, differences: v.differences };
}

/** The overall verdict: interrupted, then error, then disagree; agree when every case that ran agrees. */
export function overallVerdict(cases: readonly ConformanceCase[], interrupted: boolean): ConformanceReport['verdict'] {
  if (interrupted) return 'interrupted';
  if (cases.some((c) => c.verdict === 'error')) return 'error';
  if (cases.some((c) => c.verdict === 'disagree')) return 'disagree';
  return 'agree';
}

// ---------------------------------------------------------------------------------------------------------- text

const num = (v: number | null, unit: 's' | 'replicas'): string => (v === null ? 'never' : unit === 's' ? v.toFixed(1) : String(v));
const signedNum = (v: number | null, unit: 's' | 'replicas'): string =>
  v === null ? '-' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${unit === 's' ? Math.abs(v).toFixed(1) : Math.abs(v)}`;
const syncText = (s: SideResult): string =>
  `HPA sync ${s.hpaSyncSeconds} s, ${s.hpaSyncSource === 'lab' ? "the lab's" : s.hpaSyncSource === 'emulator' ? "the emulator's" : 'assumed (the kube-controller-manager default)'}`;

function sideLine(s: SideResult): string {
  const path = s.landmarks ? `replicas ${s.landmarks.path.join(' → ')}` : 'no timeline';
  return `  ${s.label.padEnd(15)} ${s.verdict.toUpperCase().padEnd(7)} ${path} (${syncText(s)})${s.reason && s.verdict !== 'pass' ? ` — ${s.reason}` : ''}`;
}

/** The table of one case. */
export function renderCaseText(c: ConformanceCase): string {
  const lines: string[] = [];
  const t = c.tolerance;
  lines.push(`${c.name} — ${c.verdict.toUpperCase()}${c.verdict !== 'agree' && c.reason ? `: ${c.reason}` : ''}`);
  lines.push(`  times in s after the load started · tolerance ${t.seconds} s = pollingInterval ${t.pollingInterval} s + HPA sync ${t.hpaSyncSeconds} s`);
  lines.push(sideLine(c.local));
  lines.push(sideLine(c.cluster));
  if (c.plan?.landmarks) lines.push(`  ${'plan'.padEnd(15)} ${''.padEnd(7)} replicas ${c.plan.landmarks.path.join(' → ')}`);
  if (c.comparisons.length) {
    const head = ['metric', c.local.label, c.cluster.label, 'plan', 'Δ', 'within tolerance?'];
    const body = c.comparisons.map((r) => [
      r.metric,
      num(r.local, r.unit),
      num(r.cluster, r.unit),
      r.plan === null && !c.plan?.landmarks ? '-' : num(r.plan, r.unit),
      signedNum(r.delta, r.unit),
      r.ok ? 'yes' : r.unit === 'replicas' ? 'NO (must be equal)' : r.delta === null ? 'NO (one side only)' : `NO (> ${r.allowed} s)`,
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const fmt = (cells: string[]) =>
      '  ' +
      cells
        .map((x, i) => (i === 0 || i === cells.length - 1 ? x.padEnd(w[i]!) : x.padStart(w[i]!)))
        .join('  ')
        .trimEnd();
    lines.push(fmt(head));
    for (const b of body) lines.push(fmt(b));
  }
  for (const d of c.differences) lines.push(`  ✘ ${d}`);
  return lines.join('\n');
}

export function renderConformanceText(r: ConformanceReport): string {
  const out: string[] = [];
  out.push(
    `conformance: local (emulator) against ${r.against === 'cluster' ? 'the cluster (real KEDA + HPA)' : 'the local target again'}, ${r.profile.fast ? `--fast F = ${r.profile.factor}` : 'real time'}`,
  );
  for (const c of r.cases) out.push('', renderCaseText(c));
  const n = (v: CaseConformance) => r.cases.filter((c) => c.verdict === v).length;
  out.push('');
  out.push(`${r.verdict.toUpperCase()}: ${n('agree')} agree, ${n('disagree')} disagree, ${n('error')} errors, ${n('skipped')} skipped`);
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------- HTML

const LOCAL_COLOR = '#9467bd';

/** The chart of one case: the cluster run as the run report draws it, the local run and plan on its clock. */
export function renderCaseChart(c: ConformanceCase): string {
  const baseSide = c.cluster.timeline.length && c.cluster.events.loadStart !== null ? c.cluster : c.local;
  const other = baseSide === c.cluster ? c.local : c.cluster;
  const origin = baseSide.events.loadStart ?? 0;
  const onBase = (tl: TimelinePoint[], loadStart: number | null) =>
    tl.map((p) => ({ ...p, t: Math.round((p.t - (loadStart ?? 0) + origin) * 10) / 10 })).filter((p) => p.t >= 0);
  const chartCase: CaseReport = {
    name: c.name,
    file: c.file,
    verdict: baseSide.verdict,
    reason: baseSide.reason,
    settings: c.settings,
    expectations: [],
    audit: null,
    timeline: baseSide.timeline,
    effective: null,
    events: baseSide.events,
    prediction: c.plan
      ? {
          timeline: c.plan.timeline.map((p) => ({ ...p, t: Math.round((p.t - c.plan!.loadStart + origin) * 10) / 10 })).filter((p) => p.t >= 0),
          peak: c.plan.landmarks?.peak ?? null,
          note: c.plan.note,
        }
      : null,
    diagnostics: [],
    durationSeconds: baseSide.durationSeconds,
  };
  return renderChart(
    chartCase,
    other.timeline.length ? [{ cls: 'overlay', color: LOCAL_COLOR, timeline: onBase(other.timeline, other.events.loadStart) }] : [],
  );
}

function legend(c: ConformanceCase): string {
  const base = c.cluster.timeline.length && c.cluster.events.loadStart !== null ? c.cluster : c.local;
  const other = base === c.cluster ? c.local : c.cluster;
  return `<div class="legend">
<span><i style="background:#d62728"></i>${esc(base.label)} replicas</span>
<span><i class="dash" style="border-color:#ff7f0e"></i>${esc(base.label)} desired replicas</span>
<span><i style="background:#1f77b4"></i>${esc(base.label)} total lag</span>
<span><i class="dash" style="border-color:${LOCAL_COLOR}"></i>${esc(other.label)} replicas (lag: thin line)</span>
<span><i class="dot" style="border-color:#7f7f7f"></i>plan (replicas, lag)</span>
<span><i style="background:#2ca02c;opacity:.3"></i>${esc(base.label)} active</span>
</div>`;
}

function caseSection(c: ConformanceCase): string {
  const cls = c.verdict === 'agree' ? 'pass' : c.verdict === 'disagree' ? 'fail' : c.verdict;
  const rows = c.comparisons
    .map(
      (r) =>
        `<tr class="${r.ok ? 'ok' : 'bad'}"><td>${r.ok ? '✔' : '✘'}</td><td>${esc(r.metric)}</td><td>${num(r.local, r.unit)}</td><td>${num(r.cluster, r.unit)}</td><td>${c.plan?.landmarks ? num(r.plan, r.unit) : '-'}</td><td>${signedNum(r.delta, r.unit)}</td></tr>`,
    )
    .join('\n');
  const t = c.tolerance;
  const sideText = (s: SideResult) => `${s.label}: ${s.verdict}${s.landmarks ? `, replicas ${s.landmarks.path.join(' → ')}` : ''} (${syncText(s)})`;
  return `<section>
<h2>${esc(c.name)} <span class="verdict ${cls}">${c.verdict}</span></h2>
${c.reason && c.verdict !== 'agree' ? `<p class="reason">${esc(c.reason)}</p>` : ''}
<p class="summary">${esc(sideText(c.local))}<br>${esc(sideText(c.cluster))}${c.plan?.landmarks ? `<br>plan: replicas ${esc(c.plan.landmarks.path.join(' → '))}` : ''}</p>
${c.local.timeline.length || c.cluster.timeline.length ? renderCaseChart(c) + legend(c) : ''}
<p class="note">Times in the table are seconds after each run's load started; the chart puts every line on the ${esc(c.cluster.timeline.length ? c.cluster.label : c.local.label)} run's clock, load starts aligned. Tolerance ${t.seconds} s = pollingInterval ${t.pollingInterval} s + HPA sync ${t.hpaSyncSeconds} s; the peak must be equal.</p>
<table class="exp"><thead><tr><th></th><th>metric</th><th>${esc(c.local.label)}</th><th>${esc(c.cluster.label)}</th><th>plan</th><th>Δ</th></tr></thead><tbody>
${rows}
</tbody></table>
${c.differences.length ? `<ul>${c.differences.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>` : ''}
</section>`;
}

export function renderConformanceHtml(r: ConformanceReport): string {
  const n = (v: CaseConformance) => r.cases.filter((c) => c.verdict === v).length;
  const versions = (label: string, v: Record<string, string>) =>
    `${label}: ${
      Object.entries(v)
        .map(([k, x]) => `${k} ${x}`)
        .join(' · ') || '-'
    }`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`cma-demo conformance — ${r.cases.map((c) => c.name).join(', ')}`)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${REPORT_CSS}</style></head>
<body>
<h1>cma-demo conformance: ${esc(r.verdict)}</h1>
<p class="meta">local (emulator) against ${r.against === 'cluster' ? 'the cluster (real KEDA + HPA)' : 'the local target again'} · ${r.profile.fast ? `--fast, F = ${r.profile.factor}` : 'real time, F = 1'} · ${n('agree')} agree, ${n('disagree')} disagree, ${n('error')} errors, ${n('skipped')} skipped · started ${esc(r.startedAt)}${r.runId ? ` · run id ${esc(r.runId)}` : ''}<br>
${esc(versions('local', r.versions.local))}<br>${esc(versions(r.against, r.versions.cluster))}</p>
${r.cases.map(caseSection).join('\n')}
${r.warnings.length ? `<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w.message)} [${esc(w.code)}]</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
