/**
 * A terminal chart of a scaling timeline: replicas as a block chart (one row a replica), desired replicas
 * marked where they exceed the replicas, KEDA's activity as a bar and the lag as a sparkline. Pure: returns
 * lines of text.
 */
export interface ChartPoint {
  t: number;
  replicas: number;
  desiredReplicas: number | null;
  active: boolean | null;
  lag: number | null;
}

export interface ChartOptions {
  /** Columns for the plot area (default 60). */
  width?: number;
  /** ASCII only (no block characters). */
  ascii?: boolean;
}

const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const SPARK_ASCII = ['_', '.', '-', '-', '=', '=', '#', '#'];

function fmtCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function renderChart(points: ChartPoint[], opts: ChartOptions = {}): string[] {
  if (points.length === 0) return ['(no samples)'];
  const width = Math.max(10, opts.width ?? 60);
  const t0 = points[0]!.t;
  const t1 = points[points.length - 1]!.t;
  const span = Math.max(t1 - t0, 1e-9);
  const cols = Math.min(width, Math.max(1, points.length));
  // One column covers [t0 + i·span/cols, t0 + (i+1)·span/cols]; it shows the maximum of its points.
  const buckets = Array.from({ length: cols }, () => ({ replicas: 0, desired: 0, active: false, lag: 0, n: 0 }));
  for (const p of points) {
    const i = Math.min(cols - 1, Math.floor(((p.t - t0) / span) * cols));
    const b = buckets[i]!;
    b.replicas = Math.max(b.replicas, p.replicas);
    b.desired = Math.max(b.desired, p.desiredReplicas ?? 0);
    b.active = b.active || p.active === true;
    b.lag = Math.max(b.lag, p.lag ?? 0);
    b.n++;
  }
  // Empty buckets (sparse samples) carry the previous column.
  for (let i = 1; i < cols; i++) if (buckets[i]!.n === 0) buckets[i] = { ...buckets[i - 1]!, n: 0 };

  const full = opts.ascii ? '#' : '█';
  const want = opts.ascii ? '.' : '·';
  const top = Math.max(1, ...buckets.map((b) => Math.max(b.replicas, b.desired)));
  const label = (s: string): string => s.padStart(9);
  const lines: string[] = [];
  lines.push(`${label('replicas')} ${opts.ascii ? '' : ''}(${full} replicas, ${want} desired above them)`);
  for (let y = top; y >= 1; y--) {
    let row = '';
    for (const b of buckets) row += b.replicas >= y ? full : b.desired >= y ? want : ' ';
    lines.push(`${label(String(y))} |${row}`);
  }
  lines.push(`${label('0')} +${'-'.repeat(cols)}`);
  lines.push(`${label('active')}  ${buckets.map((b) => (b.active ? (opts.ascii ? '=' : '▀') : ' ')).join('')}`);
  const maxLag = Math.max(...buckets.map((b) => b.lag));
  const spark = opts.ascii ? SPARK_ASCII : SPARK;
  const lagRow = buckets.map((b) => (b.lag <= 0 ? ' ' : spark[Math.min(7, Math.floor((b.lag / maxLag) * 7.999))]!)).join('');
  lines.push(`${label('lag')}  ${lagRow}  max ${fmtCount(maxLag)}`);
  // x axis: labels at the start, middle and end.
  const axis = Array.from({ length: cols + 12 }, () => ' ');
  const put = (col: number, s: string): void => {
    const at = Math.max(0, Math.min(cols + 12 - s.length, col));
    for (let i = 0; i < s.length; i++) axis[at + i] = s[i]!;
  };
  put(0, `${Math.round(t0)}s`);
  put(Math.floor(cols / 2) - 2, `${Math.round(t0 + span / 2)}s`);
  put(cols - 3, `${Math.round(t1)}s`);
  lines.push(`${label('')}  ${axis.join('').trimEnd()}`);
  return lines;
}
