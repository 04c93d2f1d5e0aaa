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
const H = 340;
const M = { l: 64, r: 56, t: 16, b: 44 };

/** Another observed timeline drawn over the case's own (conformance: the emulator's run over the real KEDA's). */
export interface ChartOverlay {
  /** CSS class of its polylines (`<cls>-replicas`, `<cls>-lag`). */
  cls: string;
  color: string;
  /** On the case's clock. */
  timeline: Array<Pick<TimelinePoint, 't' | 'replicas' | 'totalLag'>>;
}

export function renderChart(c: CaseReport, overlays: readonly ChartOverlay[] = []): string {
  const tl = c.timeline;
  const pred = c.prediction?.timeline ?? [];
  const over = overlays.flatMap((o) => o.timeline);
  const tMax = Math.max(1, ...tl.map((p) => p.t), ...pred.map((p) => p.t), ...over.map((p) => p.t));
  const xs = niceScale(tMax, 8);
  const lagMax = niceScale(Math.max(0, ...tl.map((p) => p.totalLag ?? 0), ...pred.map((p) => p.lag ?? 0), ...over.map((p) => p.totalLag ?? 0)));
  const repMax = niceScale(
    Math.max(1, c.settings.maxReplicaCount, ...tl.map((p) => Math.max(p.replicas, p.desiredReplicas ?? 0)), ...pred.map((p) => p.replicas), ...over.map((p) => p.replicas)),
    Math.min(10, Math.max(2, c.settings.maxReplicaCount)),
  );
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const X = (t: number) => r1(M.l + (t / xs.max) * pw);
  const YL = (v: number) => r1(M.t + ph - (v / lagMax.max) * ph);
  const YR = (v: number) => r1(M.t + ph - (v / repMax.max) * ph);
  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.name)}: lag, replicas, desired replicas and activity over time">`);
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="#fff" stroke="#ccc"/>`);
  // activity band: one rect per sample interval where active
  for (let i = 0; i < tl.length; i++) {
    const p = tl[i]!;
    if (p.active !== true) continue;
    const next = tl[i + 1]?.t ?? p.t + 1;
    parts.push(`<rect class="active" x="${X(p.t)}" y="${M.t}" width="${Math.max(0.5, r1(X(Math.min(next, xs.max)) - X(p.t)))}" height="${ph}" fill="#2ca02c" fill-opacity="0.08"/>`);
  }
  // grid + axes
  for (let t = 0; t <= xs.max + 1e-9; t += xs.step) {
    parts.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${M.t}" y2="${M.t + ph}" stroke="#eee"/><text x="${X(t)}" y="${H - M.b + 16}" text-anchor="middle">${r1(t)}</text>`);
  }
  for (let v = 0; v <= lagMax.max + 1e-9; v += lagMax.step) {
    parts.push(`<line x1="${M.l}" x2="${M.l + pw}" y1="${YL(v)}" y2="${YL(v)}" stroke="#f2f2f2"/><text x="${M.l - 6}" y="${YL(v) + 4}" text-anchor="end" fill="#1f77b4">${v >= 10000 ? `${r1(v / 1000)}k` : r1(v)}</text>`);
  }
  for (let v = 0; v <= repMax.max + 1e-9; v += repMax.step) {
    parts.push(`<text x="${M.l + pw + 6}" y="${YR(v) + 4}" fill="#d62728">${r1(v)}</text>`);
  }
  parts.push(`<text x="${M.l + pw / 2}" y="${H - 6}" text-anchor="middle">time (s)</text>`);
  parts.push(`<text transform="translate(14 ${M.t + ph / 2}) rotate(-90)" text-anchor="middle" fill="#1f77b4">total lag (records)</text>`);
  parts.push(`<text transform="translate(${W - 12} ${M.t + ph / 2}) rotate(90)" text-anchor="middle" fill="#d62728">replicas</text>`);
  const poly = (cls: string, pts: string[], style: string) => (pts.length ? `<polyline class="${cls}" data-points="${pts.length}" fill="none" ${style} points="${pts.join(' ')}"/>` : '');
  const lagPts = tl.filter((p) => p.totalLag !== null).map((p) => `${X(p.t)},${YL(p.totalLag!)}`);
  parts.push(poly('lag', lagPts, 'stroke="#1f77b4" stroke-width="1.5"'));
  if (pred.length) {
    parts.push(poly('plan-replicas', pred.map((p) => `${X(p.t)},${YR(p.replicas)}`), 'stroke="#7f7f7f" stroke-width="2" stroke-dasharray="2 4"'));
    const pl = pred.filter((p) => p.lag !== undefined && p.lag !== null);
    if (pl.length) parts.push(poly('plan-lag', pl.map((p) => `${X(p.t)},${YL(p.lag!)}`), 'stroke="#9ecae1" stroke-width="1" stroke-dasharray="2 4"'));
  }
  for (const o of overlays) {
    parts.push(poly(`${o.cls}-lag`, o.timeline.filter((p) => p.totalLag !== null).map((p) => `${X(p.t)},${YL(p.totalLag!)}`), `stroke="${o.color}" stroke-opacity="0.5" stroke-width="1.5"`));
    parts.push(poly(`${o.cls}-replicas`, o.timeline.map((p) => `${X(p.t)},${YR(p.replicas)}`), `stroke="${o.color}" stroke-width="2" stroke-dasharray="8 3"`));
  }
  const desired = tl.filter((p) => p.desiredReplicas !== null).map((p) => `${X(p.t)},${YR(p.desiredReplicas!)}`);
  parts.push(poly('desired', desired, 'stroke="#ff7f0e" stroke-width="1.5" stroke-dasharray="6 3"'));
  parts.push(poly('replicas', tl.map((p) => `${X(p.t)},${YR(p.replicas)}`), 'stroke="#d62728" stroke-width="2.5"'));
  for (const ev of [
    { t: c.events.loadStart, label: 'load starts' },
    { t: c.events.loadEnd, label: 'load ends' },
  ]) {
    if (ev.t === null) continue;
    parts.push(`<line x1="${X(ev.t)}" x2="${X(ev.t)}" y1="${M.t}" y2="${M.t + ph}" stroke="#555" stroke-dasharray="3 3"/><text x="${X(ev.t) + 4}" y="${M.t + 12}" fill="#555">${ev.label}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

const legend = `<div class="legend">
<span><i style="background:#1f77b4"></i>total lag (left axis)</span>
<span><i style="background:#d62728"></i>replicas (right axis)</span>
<span><i class="dash" style="border-color:#ff7f0e"></i>desired replicas</span>
<span><i style="background:#2ca02c;opacity:.3"></i>ScaledObject active</span>
<span><i class="dot" style="border-color:#7f7f7f"></i>plan prediction (replicas, lag)</span>
</div>`;

function caseSection(c: CaseReport, tl: TimelinePoint[]): string {
  const s = c.settings;
  const rows = c.expectations
    .map((e) => `<tr class="${e.ok === true ? 'ok' : e.ok === false ? 'bad' : 'open'}"><td>${e.ok === true ? '✔' : e.ok === false ? '✘' : '–'}</td><td>${esc(e.text)}</td><td>${esc(e.observed)}</td></tr>`)
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
    ...(['scaleToZeroOnInvalidOffset', 'excludePersistentLag', 'allowIdleConsumers', 'limitToPartitionsWithLag'] as const).filter((k) => s[k]).map((k) => `${k}`),
  ];
  return `<section>
<h2>${esc(c.name)} <span class="verdict ${c.verdict}">${c.verdict}</span></h2>
${c.reason ? `<p class="reason">${esc(c.reason)}</p>` : ''}
<p class="summary">${tl.length ? `replicas ${replicaPath(tl).join(' → ')} · peak ${peakReplicas(tl)} · ${tl.length} samples over ${c.durationSeconds} s` : 'no samples'}${c.prediction?.peak != null ? ` · plan predicts peak ${c.prediction.peak}` : ''}${c.audit ? ` · audit: produced ${c.audit.produced}, lost ${c.audit.lost}, duplicates ${c.audit.duplicates}, graceful scale-downs ${c.audit.scaleDowns}` : ''}</p>
${tl.length ? renderChart(c) + legend : ''}
${c.prediction ? `<p class="note">${esc(c.prediction.note)}</p>` : ''}
<table class="exp"><thead><tr><th></th><th>expectation</th><th>observed</th></tr></thead><tbody>
${rows}
</tbody></table>
<details><summary>effective settings</summary><p>${esc(settingsList.join(' · '))}</p>
${eff ? `<p>${esc(`topic ${eff.topic} (${eff.partitions} partitions), group ${eff.group}; consumer ${eff.consumer.processMs} ms/record, start-up ${eff.consumer.startupDelaySeconds} s; HPA sync ${eff.hpa.syncSeconds} s; load ${eff.load.map((l) => `${l.records}@${l.throughput}/s`).join(', ') || 'none'}`)}</p>
${eff.scaled.length ? `<p>--fast changed: ${esc(eff.scaled.map((f) => `${f.path} ${f.from}→${f.to}${f.pinned ? ' (pinned)' : ''}`).join(', '))}</p>` : ''}` : ''}
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
tr.ok td:first-child{color:#2ca02c}tr.bad td:first-child{color:#d62728}.note,.reason{color:#555;font-size:12px}`;

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
${esc(Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(' · '))}</p>
${r.cases.map((c) => caseSection(c, c.timeline)).join('\n')}
${r.warnings.length ? `<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w.message)} [${esc(w.code)}]</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
