/**
 * The live view of `run`: on a TTY a small block redrawn in place (replicas, lag, rate, a lag sparkline, the
 * expectation checklist ticking); without a TTY one plain line per sample on stderr.
 */
import type { ChalkInstance } from 'chalk';
import type { LiveState } from '../scenarios/runner.js';

const BARS = '▁▂▃▄▅▆▇█';

/** A sparkline of the last `width` values (pure). */
export function sparkline(values: Array<number | null>, width = 40): string {
  const v = values.slice(-width).map((x) => x ?? 0);
  const max = Math.max(1, ...v);
  return v.map((x) => BARS[Math.min(BARS.length - 1, Math.round((x / max) * (BARS.length - 1)))]).join('');
}

const fmtLag = (v: number | null) => (v === null ? '?' : v >= 10000 ? `${(v / 1000).toFixed(0)}k` : String(v));

/** The plain line of one sample (pure). */
export function plainLine(s: LiveState): string {
  const p = s.point;
  const done = s.results.filter((r) => r.ok === true).length;
  const failed = s.results.filter((r) => r.ok === false).length;
  return `${s.name} t=${p.t.toFixed(1)}s replicas=${p.replicas} ready=${p.readyReplicas} desired=${p.desiredReplicas ?? '-'} active=${p.active ?? '-'} lag=${fmtLag(p.totalLag)} metric=${p.metric ?? '-'} rate=${p.produceRate}/s ${s.phase} expectations ${done}/${s.results.length} met${failed ? `, ${failed} failed` : ''}`;
}

/** The TTY block of one sample (pure). */
export function ttyBlock(s: LiveState, c: ChalkInstance): string[] {
  const p = s.point;
  const lines = [
    `${c.bold(s.name)}  t=${p.t.toFixed(0)} s  ${s.phase}`,
    `  replicas ${c.bold(String(p.replicas))} (ready ${p.readyReplicas}, HPA desired ${p.desiredReplicas ?? '-'})  active ${p.active === null ? '-' : p.active ? c.green('yes') : 'no'}  lag ${fmtLag(p.totalLag)}  metric ${p.metric ?? '-'}  produce ${p.produceRate}/s`,
    `  lag      ${c.cyan(sparkline(s.timeline.map((x) => x.totalLag)))}`,
    `  replicas ${c.red(sparkline(s.timeline.map((x) => x.replicas)))}`,
  ];
  for (const r of s.results) lines.push(`  ${r.ok === true ? c.green('✔') : r.ok === false ? c.red('✘') : c.dim('…')} ${r.text} ${c.dim(r.observed)}`);
  return lines;
}

export class LiveView {
  private drawn = 0;
  constructor(
    private readonly err: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly color: ChalkInstance,
  ) {}

  update(s: LiveState): void {
    if (!this.tty) {
      this.err.write(plainLine(s) + '\n');
      return;
    }
    const lines = ttyBlock(s, this.color);
    let out = this.drawn ? `\x1b[${this.drawn}A` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    this.err.write(out);
    this.drawn = lines.length;
  }

  /** Leaves the last block on screen and starts a new one below. */
  done(): void {
    this.drawn = 0;
  }
}
