import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../../src/cluster/quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['1500', 1500],
    ['1500m', 1.5],
    ['2k', 2000],
    ['1.5e3', 1500],
    ['-200', -200],
    ['-9223372036854775807m', -9223372036854775.807], // eslint-disable-line no-loss-of-precision -- the literal spells the quantity; it rounds to the same double parseQuantity returns
  ])('%s → %d', (q, v) => {
    expect(parseQuantity(q)).toBeCloseTo(v as number, 3);
  });
  it("reads the HPA's MinInt64 sentinel (metric not computed yet) as unknown, not as a huge negative number", () => {
    expect(parseQuantity('-9223372036854775808m')).toBeNull();
    expect(parseQuantity('-9223372036854775808')).toBeNull();
  });
  it('rejects garbage', () => {
    expect(parseQuantity('abc')).toBeNull();
    expect(parseQuantity(undefined)).toBeNull();
  });
});
