/**
 * The topic `plan` simulates instead of a broker: records produced, consumed and lagging, per partition, as
 * piecewise-linear functions of virtual time. Production follows the load phases; each consumer takes up to R
 * records/s; commits are instant. Every change of rate is an event (a phase starts or ends, a burst lands, a
 * partition drains, the caller changes the number of consumers), so advancing costs the same for a second as
 * for a day.
 *
 * Two models:
 * - fluid: one pool of lag shared evenly by the partitions; n consumers take min(n, P)·R records/s.
 * - per-partition: round-robin assignment (partition i → consumer i mod n); each consumer shares R among its
 *   partitions by water-filling (a drained partition takes only what is produced on it, the rest goes to the
 *   others); stalled partitions are assigned but never advance.
 *
 * Pure: no I/O, no clock.
 */
import type { PartitionOffsets } from './kedaLag.js';

/**
 * A load phase: `records` at `rate` records/s (Infinity = all at once), optionally only on some partitions;
 * or a pause.
 */
export type LoadPhase = { records: number; rate: number; partitions?: number[] } | { pauseS: number };

/** A load phase placed on the time line. */
export interface Segment {
  start: number;
  end: number;
  /** Records/s over [start, end). */
  rate: number;
  /** Records produced at `start` at once (rate Infinity). */
  burst: number;
  /** Partitions the phase writes to (null = all). */
  targets: number[] | null;
}

/** The phases one after the other from t = 0. */
export function segmentsOf(load: LoadPhase[]): Segment[] {
  const out: Segment[] = [];
  let t = 0;
  for (const p of load) {
    if ('pauseS' in p) {
      out.push({ start: t, end: t + p.pauseS, rate: 0, burst: 0, targets: null });
      t += p.pauseS;
      continue;
    }
    const burst = !Number.isFinite(p.rate);
    const d = burst ? 0 : p.records / p.rate;
    out.push({ start: t, end: t + d, rate: burst ? 0 : p.rate, burst: burst ? p.records : 0, targets: p.partitions?.length ? [...p.partitions] : null });
    t += d;
  }
  return out;
}

/** When the last phase ends. */
export const loadEndOf = (segs: Segment[]): number => (segs.length ? segs[segs.length - 1]!.end : 0);

export interface TopicOptions {
  partitions: number;
  load: LoadPhase[];
  /** Records/s one consumer takes (R). */
  consumerRate: number;
  perPartition: boolean;
  /** Partitions no consumer advances (per-partition model only). */
  stalled?: number[];
  /** The group has committed offsets; false = KEDA sees no commit until the first consumer starts. */
  committed: boolean;
  /** Where a consumer without a committed offset starts: latest skips the backlog, earliest reads it. */
  resetTo: 'latest' | 'earliest';
}

const EPS = 1e-6;

/** Records produced and consumed so far: one total (fluid) or one per partition. */
export interface TopicTotals {
  produced: number[];
  consumed: number[];
}

/** The share of `total` records that partition i of P holds (integer, monotone in total). */
const share = (total: number, P: number, i: number): number => {
  const n = Math.floor(total + 1e-6);
  return Math.floor(n / P) + (i < n % P ? 1 : 0);
};

export class TopicModel {
  /** Virtual time the model stands at. */
  t = 0;
  /** When the backlog last drained (null while records are waiting). */
  drainedS: number | null = null;
  /** Since when the total lag has not changed (the caller's "nothing moves any more" test). */
  lagSteadySince = 0;
  /** Records skipped by a consumer that started at `latest` without a committed offset. */
  skipped = 0;
  committed: boolean;

  private readonly P: number;
  private readonly R: number;
  private readonly segs: Segment[];
  private readonly stalled: ReadonlySet<number>;
  private readonly resetTo: 'latest' | 'earliest';
  readonly perPartition: boolean;
  /** Index of the first segment not yet ended, and of the next burst to land. */
  private seg = 0;
  private burst = 0;
  private readonly bursts: Segment[];
  // fluid model
  private produced = 0;
  private consumed = 0;
  // per-partition model
  private readonly prodP: number[];
  private consP: number[];
  /** Consumption rates of the current per-partition interval (valid for `ratesFor` consumers). */
  private rates: number[] | null = null;
  private ratesFor = -1;

  constructor(o: TopicOptions) {
    this.P = o.partitions;
    this.R = o.consumerRate;
    this.segs = segmentsOf(o.load);
    this.bursts = this.segs.filter((g) => g.burst > 0);
    this.stalled = new Set(o.stalled ?? []);
    this.perPartition = o.perPartition;
    this.committed = o.committed;
    this.resetTo = o.resetTo;
    this.prodP = Array.from({ length: this.P }, () => 0);
    this.consP = Array.from({ length: this.P }, () => 0);
    this.skipEnded();
  }

  get loadEnd(): number {
    return loadEndOf(this.segs);
  }

  /** Total lag (produced − consumed), records, as a float. */
  lag(): number {
    return this.totalProduced() - this.totalConsumed();
  }

  /** When the current phase ends (Infinity after the load). */
  segmentEnd(): number {
    return this.current()?.end ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Everything the model's future and its offsets depend on, relative to now: the phase, the lags, and the
   * fractions and residues (mod P) of the totals that the integer offsets are cut from. Two moments with the
   * same signature in the same phase evolve alike.
   */
  signature(): string {
    const q = (x: number): number => Math.round(x * 1e6);
    const whole = (x: number): number => Math.floor(x + 1e-6);
    const parts: number[] = [this.seg, this.committed ? 1 : 0];
    if (this.perPartition) {
      for (let i = 0; i < this.P; i++) {
        const p = this.prodP[i]!;
        const c = this.consP[i]!;
        parts.push(q(p - c), q(p - whole(p)), q(c - whole(c)));
      }
    } else {
      const p = this.produced;
      const c = this.consumed;
      parts.push(q(p - c), whole(p) % this.P, q(p - whole(p)), whole(c) % this.P, q(c - whole(c)));
    }
    return parts.join(',');
  }

  totals(): TopicTotals {
    return this.perPartition ? { produced: [...this.prodP], consumed: [...this.consP] } : { produced: [this.produced], consumed: [this.consumed] };
  }

  /**
   * Repeats `n` more times what happened since `then` (totals taken `period` seconds ago with the same
   * signature): the totals grow by n times their (whole) change, the clock by n periods, and the drain and
   * steady marks that fell inside the period move with it.
   */
  repeat(then: TopicTotals, n: number, period: number): void {
    const since = this.t - period;
    const grow = (now: number[], before: number[]): number[] => now.map((x, i) => x + n * Math.round(x - before[i]!));
    const produced = grow(this.totals().produced, then.produced);
    const consumed = grow(this.totals().consumed, then.consumed);
    if (this.perPartition) {
      produced.forEach((x, i) => (this.prodP[i] = x));
      this.consP = consumed;
    } else {
      this.produced = produced[0]!;
      this.consumed = consumed[0]!;
    }
    const move = (x: number): number => (x > since + EPS ? x + n * period : x);
    if (this.drainedS !== null) this.drainedS = move(this.drainedS);
    this.lagSteadySince = move(this.lagSteadySince);
    this.t += n * period;
    this.rates = null;
  }

  /** The offsets KEDA and the HPA would read now. */
  offsets(topic: string): PartitionOffsets[] {
    const out: PartitionOffsets[] = new Array(this.P);
    for (let i = 0; i < this.P; i++) {
      out[i] = {
        topic,
        partition: i,
        committedOffset: this.committed ? (this.perPartition ? Math.floor(this.consP[i]! + 1e-6) : share(this.consumed, this.P, i)) : null,
        logEndOffset: this.perPartition ? Math.floor(this.prodP[i]! + 1e-6) : share(this.produced, this.P, i),
      };
    }
    return out;
  }

  /** The next time the model changes rate by itself with `consumers` ready: a phase boundary, a burst, a drain. */
  nextChange(consumers: number): number {
    let next = Number.POSITIVE_INFINITY;
    const g = this.segs[this.seg];
    if (g) next = g.start > this.t + EPS ? g.start : g.end;
    const b = this.bursts[this.burst];
    if (b && b.start < next) next = b.start;
    return Math.min(next, this.nextDrain(consumers));
  }

  /**
   * Moves the model from t to t1 with `consumers` ready consumers throughout (the caller makes every change
   * of consumers an event), then lands the bursts due at t1.
   */
  advance(t1: number, consumers: number): void {
    if (t1 > this.t) {
      const before = this.lag();
      const n = this.committed ? Math.min(consumers, this.P) : 0;
      if (this.perPartition) this.advancePerPartition(t1, n);
      else this.advanceFluid(t1, n);
      if (Math.abs(this.lag() - before) > EPS) this.lagSteadySince = t1;
      this.t = t1;
    }
    this.skipEnded();
    this.landBursts();
  }

  /** A consumer with no committed offset starts: `latest` skips to the log end, `earliest` reads from 0. */
  startConsuming(): void {
    if (this.committed) return;
    this.committed = true;
    this.rates = null;
    if (this.resetTo === 'latest') {
      const backlog = this.lag();
      this.skipped += backlog;
      this.consumed = this.produced;
      this.consP = [...this.prodP];
      if (backlog > 1e-9) this.lagSteadySince = this.t;
    }
  }

  private totalProduced(): number {
    if (!this.perPartition) return this.produced;
    let s = 0;
    for (const x of this.prodP) s += x;
    return s;
  }

  private totalConsumed(): number {
    if (!this.perPartition) return this.consumed;
    let s = 0;
    for (const x of this.consP) s += x;
    return s;
  }

  /** Steps past the phases that have ended (zero-length ones included). */
  private skipEnded(): void {
    while (this.segs[this.seg] && this.segs[this.seg]!.end <= this.t + EPS) this.seg++;
  }

  private landBursts(): void {
    while (this.burst < this.bursts.length && this.bursts[this.burst]!.start <= this.t + EPS) {
      const g = this.bursts[this.burst++]!;
      const targets = g.targets ?? Array.from({ length: this.P }, (_, i) => i);
      for (const i of targets) this.prodP[i]! += g.burst / targets.length;
      this.produced += g.burst;
      this.rates = null;
      if (g.burst > 0) this.lagSteadySince = this.t;
    }
  }

  /** The segment producing over (t, t + δ), if any. */
  private current(): Segment | undefined {
    const g = this.segs[this.seg];
    return g && g.start <= this.t + EPS && this.t < g.end - EPS ? g : undefined;
  }

  /** Production rate of partition i in the current segment. */
  private rateOf(g: Segment | undefined, i: number): number {
    if (!g || g.rate === 0) return 0;
    if (g.targets === null) return g.rate / this.P;
    return g.targets.includes(i) ? g.rate / g.targets.length : 0;
  }

  private nextDrain(consumers: number): number {
    const n = this.committed ? Math.min(consumers, this.P) : 0;
    if (n === 0) return Number.POSITIVE_INFINITY;
    if (!this.perPartition) {
      const p = this.current()?.rate ?? 0;
      const c = n * this.R;
      const lag = this.lag();
      return lag > EPS && c > p ? this.t + lag / (c - p) : Number.POSITIVE_INFINITY;
    }
    const g = this.current();
    const rates = this.ratesWith(n);
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.P; i++) {
      const lag = this.prodP[i]! - this.consP[i]!;
      const net = rates[i]! - this.rateOf(g, i);
      if (lag > EPS && net > 1e-12) next = Math.min(next, this.t + lag / net);
    }
    return next;
  }

  /** Fluid: the lag falls at c − p until it is gone, then consumers keep pace with production. */
  private advanceFluid(t1: number, n: number): void {
    const dt = t1 - this.t;
    const p = this.current()?.rate ?? 0;
    const c = n * this.R;
    const lag0 = this.produced - this.consumed;
    if (lag0 + (p - c) * dt >= -EPS || c <= p) {
      this.consumed += c * dt;
      if (lag0 > EPS && this.produced + p * dt - this.consumed <= EPS) this.drainedS = t1;
    } else {
      const tau = lag0 / (c - p);
      this.consumed += c * tau + p * (dt - tau);
      if (lag0 > EPS) this.drainedS = this.t + tau;
    }
    this.produced += p * dt;
    if (this.consumed > this.produced) this.consumed = this.produced;
    if (this.produced - this.consumed > EPS) this.drainedS = null;
  }

  /**
   * Water-filling: each consumer's partitions, by demand (a drained partition wants what is produced on it,
   * one with lag wants everything), each take min(demand, an equal share of what is left).
   */
  private ratesWith(n: number): number[] {
    if (this.rates && this.ratesFor === n) return this.rates;
    const g = this.current();
    const rates = Array.from({ length: this.P }, () => 0);
    for (let j = 0; j < n; j++) {
      const mine: Array<{ i: number; demand: number }> = [];
      for (let i = j; i < this.P; i += n) {
        if (this.stalled.has(i)) continue;
        const drained = this.prodP[i]! - this.consP[i]! <= EPS;
        mine.push({ i, demand: drained ? this.rateOf(g, i) : Number.POSITIVE_INFINITY });
      }
      mine.sort((a, b) => a.demand - b.demand);
      let cap = this.R;
      for (let k = 0; k < mine.length; k++) {
        const give = Math.min(mine[k]!.demand, cap / (mine.length - k));
        rates[mine[k]!.i] = give;
        cap -= give;
      }
    }
    this.rates = rates;
    this.ratesFor = n;
    return rates;
  }

  /** Per-partition: constant rates up to t1 (the next drain is an event, so no partition crosses 0 inside). */
  private advancePerPartition(t1: number, n: number): void {
    const dt = t1 - this.t;
    const g = this.current();
    const rates = n > 0 ? this.ratesWith(n) : null;
    const lagBefore = this.lag();
    for (let i = 0; i < this.P; i++) {
      this.prodP[i]! += this.rateOf(g, i) * dt;
      if (rates) this.consP[i] = Math.min(this.prodP[i]!, this.consP[i]! + rates[i]! * dt);
      // A partition that reached its drain event is exactly drained (no float residue).
      if (this.prodP[i]! - this.consP[i]! < 1e-7) this.consP[i] = this.prodP[i]!;
    }
    this.rates = null;
    const lag = this.lag();
    if (lagBefore > EPS && lag <= EPS) this.drainedS = t1;
    if (lag > EPS) this.drainedS = null;
  }
}
