/**
 * The self-contained HTML report (pure): one inline SVG chart a case with lag, replicas, desired replicas and
 * activity over time, one point per sample, and `plan`'s prediction drawn beside the observation. No external URL,
 * no script, no font or stylesheet to fetch.
 */
import type { TimelinePoint } from './expectations.js';
import { peakReplicas, replicaPath, type CaseReport, type RunReport } from './report.js';

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (v: number) => Math.round(v * 10) / 10;

/** "Nice" axis maximum and step. */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step) * step, step };
}

const W = 900;
const H = 360;
const M = { l: 64, r: 56, t: 34, b: 44 };

/** An axis for whole replica counts scaled to the data: a little headroom above the peak, whole-number steps. */
export function replicaScale(peak: number): { max: number; step: number } {
  const top = Math.max(2, Math.ceil(peak * 1.15 + 0.5));
  const step = [1, 2, 5, 10, 20, 50, 100].find((s) => top / s <= 6) ?? Math.ceil(top / 6);
  return { max: Math.ceil(top / step) * step, step };
}

/** Another observed timeline drawn over the case's own (conformance: the emulator's run over the real KEDA's). */
export interface ChartOverlay {
  /** CSS class of its polylines (`<cls>-replicas`, `<cls>-lag`). */
  cls: string;
  color: string;
  /** On the case's clock. */
  timeline: Array<Pick<TimelinePoint, 't' | 'replicas' | 'totalLag'>>;
}

const OUTCOME_COLOR = { true: '#2ca02c', false: '#d62728', null: '#7f7f7f' } as const;

export function renderChart(c: CaseReport, overlays: readonly ChartOverlay[] = []): string {
  const tl = c.timeline;
  const pred = c.prediction?.timeline ?? [];
  const over = overlays.flatMap((o) => o.timeline);
  // The time axis follows the data; a deadline far past it (a return window of 180 s after a 60 s run) is named at
  // the right edge instead of squeezing the data into a corner.
  const tData = Math.max(1, ...tl.map((p) => p.t), ...pred.map((p) => p.t), ...over.map((p) => p.t));
  const deadlines = (c.deadlines ?? []).filter((d) => d.t <= tData * 1.25);
  const beyond = (c.deadlines ?? []).filter((d) => d.t > tData * 1.25);
  const tMax = Math.max(tData, ...deadlines.map((d) => d.t));
  const xs = niceScale(tMax, 8);
  // A little headroom, so a peak is not drawn on the frame.
  const lagMax = niceScale(1.05 * Math.max(0, ...tl.map((p) => p.totalLag ?? 0), ...pred.map((p) => p.lag ?? 0), ...over.map((p) => p.totalLag ?? 0)));
  // The replica axis follows the data (not maxReplicaCount): a peak of 1 gets an axis of 0–2, not 0–10.
  const top = (p: { replicas: number; desiredReplicas?: number | null }) => Math.max(p.replicas, p.desiredReplicas ?? 0);
  const repPeak = Math.max(1, ...tl.map(top), ...pred.map(top), ...over.map((p) => p.replicas));
  const repMax = replicaScale(repPeak);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const X = (t: number) => r1(M.l + (t / xs.max) * pw);
  const YL = (v: number) => r1(M.t + ph - (v / lagMax.max) * ph);
  const YR = (v: number) => r1(M.t + ph - (v / repMax.max) * ph);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.name)}: lag, replicas, desired replicas and activity over time">`,
  );
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="#fff" stroke="#ccc"/>`);
  // activity band: one rect per sample interval where active
  for (let i = 0; i < tl.length; i++) {
    const p = tl[i]!;
    if (p.active !== true) continue;
    const next = tl[i + 1]?.t ?? p.t + 1;
    parts.push(
      `<rect class="active" x="${X(p.t)}" y="${M.t}" width="${Math.max(0.5, r1(X(Math.min(next, xs.max)) - X(p.t)))}" height="${ph}" fill="#2ca02c" fill-opacity="0.08"/>`,
    );
  }
  // grid + axes
  for (let t = 0; t <= xs.max + 1e-9; t += xs.step) {
    parts.push(
      `<line x1="${X(t)}" x2="${X(t)}" y1="${M.t}" y2="${M.t + ph}" stroke="#eee"/><text x="${X(t)}" y="${H - M.b + 16}" text-anchor="middle">${r1(t)}</text>`,
    );
  }
  for (let v = 0; v <= lagMax.max + 1e-9; v += lagMax.step) {
    parts.push(
      `<line x1="${M.l}" x2="${M.l + pw}" y1="${YL(v)}" y2="${YL(v)}" stroke="#f2f2f2"/><text x="${M.l - 6}" y="${YL(v) + 4}" text-anchor="end" fill="#1f77b4">${v >= 10000 ? `${r1(v / 1000)}k` : r1(v)}</text>`,
    );
  }
  for (let v = 0; v <= repMax.max + 1e-9; v += repMax.step) {
    parts.push(`<text class="rep-tick" x="${M.l + pw + 6}" y="${YR(v) + 4}" fill="#d62728">${r1(v)}</text>`);
  }
  const maxRc = c.settings.maxReplicaCount;
  if (maxRc <= repMax.max) {
    parts.push(
      `<line class="max-replicas" x1="${M.l}" x2="${M.l + pw}" y1="${YR(maxRc)}" y2="${YR(maxRc)}" stroke="#d62728" stroke-opacity="0.35" stroke-dasharray="1 3"/>`,
    );
    parts.push(`<text x="${M.l + 4}" y="${YR(maxRc) - 4}" fill="#d62728" fill-opacity="0.7">maxReplicaCount ${maxRc}</text>`);
  }
  parts.push(`<text x="${M.l + pw / 2}" y="${H - 6}" text-anchor="middle">time (s)</text>`);
  parts.push(`<text transform="translate(14 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">total lag (records)</text>`);
  parts.push(`<text transform="translate(${W - 12} ${M.t + ph / 2}) rotate(90)" text-anchor="middle" fill="#d62728">replicas</text>`);
  const poly = (cls: string, pts: string[], style: string) =>
    pts.length ? `<polyline class="${cls}" data-points="${pts.length}" fill="none" ${style} points="${pts.join(' ')}"/>` : '';
  if (pred.length) {
    parts.push(
      poly(
        'plan-replicas',
        pred.map((p) => `${X(p.t)},${YR(p.replicas)}`),
        'stroke="#7f7f7f" stroke-width="2" stroke-dasharray="2 4"',
      ),
    );
    // The plan's lag: the same blue as the observed lag, dashed and a little lighter, drawn under it.
    const pl = pred.filter((p) => p.lag !== undefined && p.lag !== null);
    if (pl.length)
      parts.push(
        poly(
          'plan-lag',
          pl.map((p) => `${X(p.t)},${YL(p.lag!)}`),
          'stroke="#1f77b4" stroke-opacity="0.55" stroke-width="2" stroke-dasharray="7 4"',
        ),
      );
  }
  const lagPts = tl.filter((p) => p.totalLag !== null).map((p) => `${X(p.t)},${YL(p.totalLag!)}`);
  parts.push(poly('lag', lagPts, 'stroke="#1f77b4" stroke-width="1.5"'));
  for (const o of overlays) {
    parts.push(
      poly(
        `${o.cls}-lag`,
        o.timeline.filter((p) => p.totalLag !== null).map((p) => `${X(p.t)},${YL(p.totalLag!)}`),
        `stroke="${o.color}" stroke-opacity="0.5" stroke-width="1.5"`,
      ),
    );
    parts.push(
      poly(
        `${o.cls}-replicas`,
        o.timeline.map((p) => `${X(p.t)},${YR(p.replicas)}`),
        `stroke="${o.color}" stroke-width="2" stroke-dasharray="8 3"`,
      ),
    );
  }
  parts.push(
    poly(
      'replicas',
      tl.map((p) => `${X(p.t)},${YR(p.replicas)}`),
      'stroke="#d62728" stroke-width="2.5"',
    ),
  );
  // Desired replicas on top of the replicas, dashed and 3 px higher: where the two agree both stay visible.
  const desired = tl.filter((p) => p.desiredReplicas !== null).map((p) => `${X(p.t)},${r1(YR(p.desiredReplicas!) - 3)}`);
  parts.push(poly('desired', desired, 'stroke="#ff7f0e" stroke-width="2" stroke-dasharray="6 4"'));
  // Expectation deadlines: a thin line in the outcome's colour, numbered like the table's rows, at the bottom;
  // deadlines within a few pixels share one label ("2,3"), red when one of them was missed.
  const groups: Array<{ x: number; items: typeof deadlines }> = [];
  for (const d of [...deadlines].sort((a, b) => a.t - b.t)) {
    const g = groups[groups.length - 1];
    if (g && X(d.t) - g.x < 8) g.items.push(d);
    else groups.push({ x: X(d.t), items: [d] });
  }
  for (const g of groups) {
    const ok = g.items.some((d) => d.ok === false) ? false : g.items.every((d) => d.ok === true) ? true : null;
    const col = OUTCOME_COLOR[String(ok) as 'true' | 'false' | 'null'];
    parts.push(
      `<g class="deadline" data-t="${g.items.map((d) => d.t).join(' ')}"><line x1="${g.x}" x2="${g.x}" y1="${M.t}" y2="${M.t + ph}" stroke="${col}" stroke-opacity="0.6" stroke-dasharray="1 2"/>` +
        `<text x="${g.x}" y="${M.t + ph - 4}" text-anchor="middle" fill="${col}" font-size="10">${g.items.map((d) => d.index + 1).join(',')}</text></g>`,
    );
  }
  if (beyond.length) {
    const text = beyond.map((d) => `${d.index + 1} at ${r1(d.t)} s`).join(', ');
    parts.push(
      `<text class="deadlines-beyond" x="${M.l + pw - 4}" y="${M.t + ph - 4}" text-anchor="end" fill="#555" font-size="10">deadlines later: ${text} →</text>`,
    );
  }
  // Load start/end: the line across the plot, the label in the top margin (never over the data), staggered when close.
  let lastLabelX = -Infinity;
  let row = 0;
  for (const ev of [
    { t: c.events.loadStart, label: 'load starts' },
    { t: c.events.loadEnd, label: 'load ends' },
  ]) {
    if (ev.t === null) continue;
    row = X(ev.t) - lastLabelX < 80 ? row + 1 : 0;
    lastLabelX = X(ev.t);
    parts.push(
      `<line class="event" x1="${X(ev.t)}" x2="${X(ev.t)}" y1="${M.t - 4 - row * 12}" y2="${M.t + ph}" stroke="#555" stroke-dasharray="3 3"/>` +
        `<text class="event-label" x="${X(ev.t) + 3}" y="${M.t - 6 - row * 12}" fill="#555">${ev.label}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

const legend = `<div class="legend">
<span><i style="background:#1f77b4"></i>total lag (left axis)</span>
<span><i style="background:#d62728"></i>replicas (right axis)</span>
<span><i class="dash" style="border-color:#ff7f0e"></i>desired replicas (drawn 3 px above)</span>
<span><i style="background:#2ca02c;opacity:.3"></i>ScaledObject active</span>
<span><i class="dot" style="border-color:#7f7f7f"></i>plan: replicas</span>
<span><i class="dash" style="border-color:#1f77b4;opacity:.55"></i>plan: lag</span>
<span><i class="dot" style="border-color:#2ca02c"></i>expectation deadline n (green met, red missed)</span>
</div>`;

/** Why the plan's steps need not line up with the run's: its KEDA polls have another phase. */
function pollPhaseNote(c: CaseReport): string {
  const pi = c.settings.pollingInterval;
  return (
    `The plan polls KEDA first ${r1(pi / 2)} s after the load starts (pollingInterval / 2), then every ${pi} s; in the run KEDA keeps ` +
    `its own poll phase (the emulator's loop starts when the target is prepared, a cluster's when the ScaledObject was created), ` +
    `so the plan's steps may come up to one pollingInterval (${pi} s) before or after the run's.`
  );
}

function caseSection(c: CaseReport, tl: TimelinePoint[]): string {
  const s = c.settings;
  const rows = c.expectations
    .map(
      (e, i) =>
        `<tr class="${e.ok === true ? 'ok' : e.ok === false ? 'bad' : 'open'}"><td class="n">${i + 1}</td><td>${e.ok === true ? '✔' : e.ok === false ? '✘' : '–'}</td><td>${esc(e.text)}</td><td>${esc(e.observed)}</td></tr>`,
    )
    .join('\n');
  const eff = c.effective;
  const settingsList = [
    `pollingInterval ${s.pollingInterval} s`,
    `cooldownPeriod ${s.cooldownPeriod} s`,
    `minReplicaCount ${s.minReplicaCount}`,
    `maxReplicaCount ${s.maxReplicaCount}`,
    `lagThreshold ${s.lagThreshold}`,
    `activationLagThreshold ${s.activationLagThreshold}`,
    `offsetResetPolicy ${s.offsetResetPolicy}`,
    ...(['scaleToZeroOnInvalidOffset', 'excludePersistentLag', 'allowIdleConsumers', 'limitToPartitionsWithLag'] as const)
      .filter((k) => s[k])
      .map((k) => `${k}`),
  ];
  return `<section>
<h2>${esc(c.name)} <span class="verdict ${c.verdict}">${c.verdict}</span></h2>
${c.reason ? `<p class="reason">${esc(c.reason)}</p>` : ''}
<p class="summary">${tl.length ? `replicas ${replicaPath(tl).join(' → ')} · peak ${peakReplicas(tl)} · ${tl.length} samples over ${c.durationSeconds} s` : 'no samples'}${c.prediction?.peak != null ? ` · plan predicts peak ${c.prediction.peak}` : ''}${c.audit ? ` · audit: produced ${c.audit.produced}, lost ${c.audit.lost}, duplicates ${c.audit.duplicates}, graceful scale-downs ${c.audit.scaleDowns}` : ''}</p>
${tl.length ? renderChart(c) + legend : ''}
${c.prediction ? `<p class="note">${esc(c.prediction.note)}</p><p class="note poll-phase">${esc(pollPhaseNote(c))}</p>` : ''}
<table class="exp"><thead><tr><th>#</th><th></th><th>expectation</th><th>observed</th></tr></thead><tbody>
${rows}
</tbody></table>
<details><summary>effective settings</summary><p>${esc(settingsList.join(' · '))}</p>
${
  eff
    ? `<p>${esc(`topic ${eff.topic} (${eff.partitions} partitions), group ${eff.group}; consumer ${eff.consumer.processMs} ms/record, start-up ${eff.consumer.startupDelaySeconds} s; HPA sync ${eff.hpa.syncSeconds} s; load ${eff.load.map((l) => `${l.records}@${l.throughput}/s`).join(', ') || 'none'}`)}</p>
${eff.scaled.length ? `<p>--fast changed: ${esc(eff.scaled.map((f) => `${f.path} ${f.from}→${f.to}${f.pinned ? ' (pinned)' : ''}`).join(', '))}</p>` : ''}`
    : ''
}
<p>${esc(c.description ?? '')}</p></details>
</section>`;
}

/** The report pages' stylesheet (run's report, conformance's). */
export const REPORT_CSS = `body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:960px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 4px}
.meta{color:#555}.verdict{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff;vertical-align:middle}
.verdict.pass{background:#2ca02c}.verdict.fail{background:#d62728}.verdict.error{background:#9467bd}.verdict.skipped{background:#7f7f7f}
svg.chart{font-size:11px;max-width:100%;height:auto}
.legend span{margin-right:14px;font-size:12px;white-space:nowrap}.legend i{display:inline-block;width:18px;height:4px;margin-right:4px;vertical-align:middle}
.legend i.dash{height:0;border-top:2px dashed}.legend i.dot{height:0;border-top:2px dotted}
table.exp{border-collapse:collapse;margin-top:8px;width:100%}table.exp td,table.exp th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
tr.ok td:first-child,tr.ok td.n+td{color:#2ca02c}tr.bad td:first-child,tr.bad td.n+td{color:#d62728}tr td.n{color:#888}.note,.reason{color:#555;font-size:12px}`;

export function renderHtml(r: RunReport): string {
  const title = `cma-demo run — ${r.cases.map((c) => c.name).join(', ')}`;
  const css = REPORT_CSS;
  const n = (v: string) => r.cases.filter((c) => c.verdict === v).length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${css}</style></head>
<body>
<h1>cma-demo run: ${r.passed ? 'passed' : r.interrupted ? 'interrupted' : 'failed'}</h1>
<p class="meta">target ${esc(r.target)} · ${r.profile.fast ? `--fast, F = ${r.profile.factor}` : 'real time, F = 1'} · ${n('pass')} passed, ${n('fail')} failed, ${n('error')} errors, ${n('skipped')} skipped · started ${esc(r.startedAt)}${r.runId ? ` · run id ${esc(r.runId)}` : ''}<br>
${esc(
  Object.entries(r.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · '),
)}</p>
${r.cases.map((c) => caseSection(c, c.timeline)).join('\n')}
${r.warnings.length ? `<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w.message)} [${esc(w.code)}]</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
