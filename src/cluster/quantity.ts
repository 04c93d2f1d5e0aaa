/** Kubernetes resource quantities as the external metrics API returns them ("1500", "1500m", "2k", "1.5e3"). Pure. */
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** math.MinInt64 as the HPA prints it (e.g. "-9223372036854775808m"). */
const MIN_INT64 = '-9223372036854775808';

export function parseQuantity(q: string | number | null | undefined): number | null {
  if (q === null || q === undefined) return null;
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti)?$/.exec(q.trim());
  if (!m) return null;
  // The HPA controller reports an External AverageValue it could not compute (first sync after activation,
  // status replicas 0) as the smallest int64 in milli-units: a sentinel, not a value. It means "unknown".
  if (m[1] === MIN_INT64) return null;
  return Number(m[1]) * SUFFIX[m[2] ?? '']!;
}
