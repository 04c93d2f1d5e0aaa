/**
 * The consumer's audit (pure): the text format the consumer writes (kafka/consumer.ts, one sequence number a line)
 * and the zero-loss arithmetic over it. lost = acknowledged sequence numbers missing from the audit; duplicates =
 * sequence numbers the audit holds more than once (counted once each, however often they repeat).
 */

/** What an audit proves about a run (the scenario expectations check it). */
export interface Audit {
  /** Acknowledged sequence numbers. */
  produced: number;
  /** Audit entries (records processed, duplicates included). */
  processed: number;
  lost: number;
  duplicates: number;
  /** Consumers that exited 0 after SIGTERM (graceful scale-downs). */
  scaleDowns: number;
}

/** Inclusive ranges of acknowledged sequence numbers, as the producer reports them. */
export type SeqRanges = ReadonlyArray<readonly [number, number]>;

export function countRanges(r: SeqRanges): number {
  return r.reduce((n, [a, b]) => n + (b >= a ? b - a + 1 : 0), 0);
}

/** Parses audit file text: one decimal sequence number a line; blank and malformed lines are skipped (and counted). */
export function parseAuditText(text: string): { seqs: number[]; malformed: number } {
  const seqs: number[] = [];
  let malformed = 0;
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (!s) continue;
    if (/^\d+$/.test(s)) seqs.push(Number(s));
    else malformed++;
  }
  return { seqs, malformed };
}

/**
 * Compares what the producer had acknowledged with what the consumers audited.
 * `seen` may hold numbers outside the acknowledged ranges (e.g. sent but not acknowledged before Ctrl-C):
 * they count as processed, never as lost.
 */
export function computeAudit(acked: SeqRanges, seen: Iterable<number>, scaleDowns = 0): Audit {
  let lo = Infinity;
  let hi = -Infinity;
  for (const [a, b] of acked) {
    if (b < a) continue;
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  const counts = new Map<number, number>();
  const dense = Number.isFinite(lo) && hi - lo < 50_000_000 ? new Uint8Array(hi - lo + 1) : null;
  let processed = 0;
  let duplicates = 0;
  for (const s of seen) {
    processed++;
    if (dense && s >= lo && s <= hi) {
      const i = s - lo;
      const c = dense[i]!;
      if (c === 1) duplicates++;
      if (c < 255) dense[i] = c + 1;
    } else {
      const c = counts.get(s) ?? 0;
      if (c === 1) duplicates++;
      counts.set(s, c + 1);
    }
  }
  let lost = 0;
  for (const [a, b] of acked) {
    for (let s = a; s <= b; s++) {
      const c = dense && s >= lo && s <= hi ? dense[s - lo]! : (counts.get(s) ?? 0);
      if (c === 0) lost++;
    }
  }
  return { produced: countRanges(acked), processed, lost, duplicates, scaleDowns };
}
