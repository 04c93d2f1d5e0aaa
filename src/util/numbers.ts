/**
 * The one grammar for numeric flags (and their CMA_DEMO_* environment twins). Every bad value is a usage error
 * (exit 2) naming the flag, the value and the accepted form.
 *
 * Numbers
 *   DIGITS [. DIGITS] [SUFFIX]         10, 2.5, 10k, 1.5k, 1M, 1_000_000
 *   DIGITS  = 0-9, and `_` between two digits to group them (1_000_000), as in JavaScript literals; `_1`, `1_`
 *             and `1__0` are refused.
 *   SUFFIX  = k or K (× 1,000), M (× 1,000,000), where the flag counts things (records, rates, thresholds).
 *             A lower-case m is refused in a number: in a duration it means minutes.
 *   No sign, exponent, hexadecimal or thousands comma (commas separate list items). A negative value is
 *   accepted only where the flag documents it (--throughput -1 = no limit, Kafka's perf-tool convention).
 *   The value after the suffix must be whole where the flag wants a whole number (1.5k = 1500 is, 1.0005k is not).
 *
 * Lists of integers (partitions)
 *   ITEM[,ITEM…], ITEM = N or N-M (inclusive)     0,3   0,2-3,7
 *   The syntax of KEDA's partitionLimitation (kedacore/keda pkg/util/parse_string.go, ParseInt32List: terms split
 *   on commas, a term with one dash is a range from its first to its last number). Unlike KEDA, blanks around items
 *   are allowed, a backwards range (5-3) is an error instead of an empty range, and the result is sorted without
 *   duplicates. This is for our own flags (--stall-partitions, --load …:0,3); a ScaledObject's partitionLimitation
 *   is read exactly as the chosen KEDA release reads it, by scaling/validate.ts parsePartitionLimitation.
 *
 * Durations
 *   NUMBER[UNIT] or a sequence like 1h30m or 2m30s, UNIT = ms, s, m (minutes), h.
 *   A bare number is in the flag's own unit: seconds for --interval, --timeout, --pod-start-delay, …; milliseconds
 *   for the *-ms flags. No k/M suffixes in durations.
 */
import { usageError, type CmaError } from '../errors.js';

// ───────────────────────────────────────── pure readers (null when malformed) ─────────────────────────────────────────

const DIGITS = '\\d+(?:_\\d+)*';
const NUMBER_RE = new RegExp(`^(${DIGITS})(?:\\.(${DIGITS}))?([kKM]?)$`);
const SCALE: Record<string, number> = { '': 0, k: 3, K: 3, M: 6 };

/**
 * Reads a non-negative number of the grammar above, exactly: the decimal point is shifted by the suffix in the
 * text, so 1.1k is 1100 (not 1100.0000000000002). Null when the text is not one.
 */
export function readNumber(text: string, opts: { suffixes?: boolean } = {}): number | null {
  const m = NUMBER_RE.exec(text.trim());
  if (!m) return null;
  const suffix = m[3]!;
  if (suffix && opts.suffixes === false) return null;
  const int = m[1]!.replace(/_/g, '');
  const frac = (m[2] ?? '').replace(/_/g, '');
  const shift = SCALE[suffix]!;
  const whole = int + frac.slice(0, shift).padEnd(shift, '0');
  const rest = frac.slice(shift);
  return Number(rest ? `${whole}.${rest}` : whole);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_PART_RE = new RegExp(`(${DIGITS}(?:\\.${DIGITS})?)(ms|s|m|h)`, 'y');

/**
 * Reads a duration in milliseconds: a bare number in `unit`, or one or more NUMBER UNIT parts (2m30s).
 * Null when the text is not one.
 */
export function readDuration(text: string, unit: 's' | 'ms'): number | null {
  const t = text.trim();
  const bare = readNumber(t, { suffixes: false });
  if (bare !== null) return bare * UNIT_MS[unit]!;
  if (t === '') return null;
  let total = 0;
  DURATION_PART_RE.lastIndex = 0;
  while (DURATION_PART_RE.lastIndex < t.length) {
    const m = DURATION_PART_RE.exec(t);
    if (!m) return null;
    total += readNumber(m[1]!, { suffixes: false })! * UNIT_MS[m[2]!]!;
  }
  return total;
}

// ───────────────────────────────────────── flag parsers (usage errors) ─────────────────────────────────────────

export interface NumberRule {
  /** Smallest accepted value (inclusive, or exclusive with exclusiveMin). Default 0. */
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
  /** A whole number is required. */
  integer?: boolean;
  /** Values accepted outside the range when written exactly so, with their meaning: [{ value: -1, meaning: 'no limit' }]. */
  special?: ReadonlyArray<{ value: number; meaning: string }>;
  /** k/K and M suffixes (default true). */
  suffixes?: boolean;
  /** An example value for the hint (default: the lower bound or 1). */
  example?: string;
  /** A whole example instead, for flags not written `--flag VALUE` (e.g. '--fast=10'). */
  usage?: string;
}

const NUMBER_HINT = 'digits with an optional k (×1,000) or M (×1,000,000) suffix; _ may group digits (1_000_000)';

function bounds(rule: NumberRule): string {
  const lo = `${rule.exclusiveMin ? '>' : '≥'} ${rule.min ?? 0}`;
  const range = rule.max !== undefined ? `${lo} and ≤ ${rule.max}` : lo;
  const special = (rule.special ?? []).map((s) => `, or ${s.value} (${s.meaning})`).join('');
  return range + special;
}

function exampleOf(rule: NumberRule): string {
  if (rule.example) return rule.example;
  const lo = rule.min ?? 0;
  return String(rule.exclusiveMin || lo < 1 ? Math.max(1, Math.ceil(lo)) : lo);
}

function inRange(n: number, rule: NumberRule): boolean {
  const min = rule.min ?? 0;
  if (rule.exclusiveMin ? n <= min : n < min) return false;
  return rule.max === undefined || n <= rule.max;
}

/** `flag` must be … — the problem and the accepted form, exit 2. */
function bad(flag: string, v: string, what: string, hint: string): CmaError {
  return usageError(`${flag} must be ${what}, got "${v}"`, hint);
}

/** Parses a numeric flag under `rule`; undefined stays undefined (the caller applies its default). */
export function parseNumber(v: string | undefined, flag: string, rule: NumberRule = {}): number | undefined {
  if (v === undefined) return undefined;
  const what = `${rule.integer ? 'a whole number' : 'a number'} ${bounds(rule)}`;
  const hint = `write ${rule.suffixes === false ? 'digits (_ may group them)' : NUMBER_HINT}, e.g. ${rule.usage ?? `${flag} ${exampleOf(rule)}`}`;
  const t = v.trim();
  const special = rule.special?.find((s) => String(s.value) === t);
  if (special !== undefined) return special.value;
  const n = readNumber(t, { suffixes: rule.suffixes });
  if (n === null) {
    if (/^-\s*[\d.]/.test(t))
      throw bad(
        flag,
        v,
        what,
        `${hint}; ${rule.special?.some((s) => s.value < 0) ? 'no other negative value has a meaning here' : 'a negative value means nothing here'}`,
      );
    throw bad(flag, v, what, /^\d[\d_.]*m$/.test(t) ? `${hint} (M means million; a lower-case m is no number suffix)` : hint);
  }
  if (rule.integer && !Number.isInteger(n)) throw bad(flag, v, what, hint);
  if (!Number.isFinite(n) || (rule.integer && !Number.isSafeInteger(n))) throw bad(flag, v, what, `${hint}; this one is too large`);
  if (!inRange(n, rule)) throw bad(flag, v, what, hint);
  return n;
}

/** A whole-number flag ≥ min (default 0): counts, sizes, ports. */
export function parseInteger(v: string | undefined, flag: string, rule: Omit<NumberRule, 'integer'> = {}): number | undefined {
  return parseNumber(v, flag, { ...rule, integer: true });
}

export interface DurationRule {
  /** The unit of a bare number, and of the result. */
  unit: 's' | 'ms';
  /** Bounds in that unit. Default min 0. */
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
  /** The result (in `unit`) must be whole. */
  integer?: boolean;
}

/** Parses a duration flag; the result is in the rule's unit (seconds or ms). */
export function parseDuration(v: string | undefined, flag: string, rule: DurationRule): number | undefined {
  if (v === undefined) return undefined;
  const u = rule.unit;
  const name = u === 's' ? 'seconds' : 'milliseconds';
  const what = `a duration ${bounds(rule)}${rule.integer ? ` whole ${name}` : ` ${name}`}`;
  const example = u === 's' ? '30, 30s, 2m or 1h30m' : '500, 500ms or 2s';
  const hint = `write a number of ${name} or a number with a unit (ms, s, m = minutes, h), e.g. ${flag} ${example}`;
  const ms = readDuration(v, u);
  if (ms === null) throw bad(flag, v, what, hint);
  const n = u === 's' ? ms / 1000 : ms;
  if (rule.integer && !Number.isInteger(n)) throw bad(flag, v, what, hint);
  if (!Number.isFinite(n) || !inRange(n, rule)) throw bad(flag, v, what, hint);
  return n;
}

/** Refuses lists that would expand to more items than this (a typo like 0-1000000000). */
const MAX_LIST_ITEMS = 100_000;

/**
 * Parses a list of integers with ranges, `0,2-3,7` (KEDA's partitionLimitation syntax; see the module comment).
 * Sorted, without duplicates. An empty or blank value is [] only with allowEmpty.
 */
export function parseIntList(v: string, flag: string, opts: { min?: number; max?: number; allowEmpty?: boolean } = {}): number[] {
  const min = opts.min ?? 0;
  const hint = `write numbers and inclusive ranges separated by commas, e.g. ${flag} 0,2-3,7`;
  if (v.trim() === '') {
    if (opts.allowEmpty) return [];
    throw usageError(`${flag} is empty`, hint);
  }
  const out = new Set<number>();
  for (const raw of v.split(',')) {
    const item = raw.trim();
    const m = /^(\d+)\s*(?:-\s*(\d+))?$/.exec(item);
    if (!m) throw usageError(`${flag} "${v}": "${item}" is not a number or a range N-M`, hint);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw usageError(`${flag} "${v}": range ${lo}-${hi} is backwards`, `write the lower bound first, e.g. ${hi}-${lo}`);
    if (lo < min || (opts.max !== undefined && hi > opts.max)) {
      throw usageError(`${flag} "${v}": "${item}" is outside ${min}..${opts.max ?? '∞'}`, hint);
    }
    if (hi - lo + 1 + out.size > MAX_LIST_ITEMS) throw usageError(`${flag} "${v}" names more than ${MAX_LIST_ITEMS} items`, hint);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}
