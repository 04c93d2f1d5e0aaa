import { describe, expect, it } from 'vitest';
import { CmaError } from '../../src/errors.js';
import { parseDuration, parseInteger, parseIntList, parseNumber, readDuration, readNumber } from '../../src/util/numbers.js';

/** The CmaError fn throws (fails the test when it throws nothing or something else). */
function usage(fn: () => unknown): CmaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CmaError);
    expect((e as CmaError).exitCode).toBe(2);
    expect((e as CmaError).hint).toBeTruthy();
    return e as CmaError;
  }
  throw new Error('expected a usage error, nothing was thrown');
}

describe('readNumber: the number grammar', () => {
  it('reads digits, decimals, k/K/M suffixes and _ digit groups, exactly', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['10', 10],
      ['2.5', 2.5],
      ['10k', 10_000],
      ['10K', 10_000],
      ['1.5k', 1_500],
      ['1.1k', 1_100], // not 1100.0000000000002
      ['0.3M', 300_000],
      ['1M', 1_000_000],
      ['0.000001M', 1],
      ['1.0005k', 1000.5],
      ['1_000_000', 1_000_000],
      ['1_000.5', 1000.5],
      [' 42 ', 42],
    ];
    for (const [text, n] of cases) expect(readNumber(text), text).toBe(n);
  });

  it('refuses signs, exponents, hex, commas, lower-case m, stray _ and other junk', () => {
    for (const text of [
      '',
      ' ',
      '-1',
      '+1',
      '1e6',
      '0x10',
      '1,000',
      '1m',
      '1 k',
      '1kk',
      '10x',
      '_1',
      '1_',
      '1__0',
      '1._5',
      '1.',
      '.5',
      'k',
      'NaN',
      'Infinity',
    ]) {
      expect(readNumber(text), JSON.stringify(text)).toBeNull();
    }
  });

  it('suffixes can be turned off', () => {
    expect(readNumber('10k', { suffixes: false })).toBeNull();
    expect(readNumber('10', { suffixes: false })).toBe(10);
  });
});

describe('parseNumber / parseInteger', () => {
  it('undefined stays undefined (the caller applies its default)', () => {
    expect(parseNumber(undefined, '--x')).toBeUndefined();
    expect(parseInteger(undefined, '--x')).toBeUndefined();
  });

  it('accepts values in range, with suffixes', () => {
    expect(parseInteger('1M', '--num-records', { min: 1 })).toBe(1_000_000);
    expect(parseInteger('1.5k', '--num-records', { min: 1 })).toBe(1_500);
    expect(parseNumber('2.5', '--throughput', { min: 0, exclusiveMin: true })).toBe(2.5);
    expect(parseInteger('65535', '--port', { max: 65535 })).toBe(65535);
    expect(parseInteger('0', '--n')).toBe(0);
  });

  it('refuses out-of-range, fractional and malformed values, naming the flag, the value and the form', () => {
    const e = usage(() => parseInteger('1.5', '--num-records', { min: 1 }));
    expect(e.message).toBe('--num-records must be a whole number ≥ 1, got "1.5"');
    expect(e.hint).toMatch(/k \(×1,000\) or M \(×1,000,000\)/);
    expect(e.hint).toContain('e.g. --num-records 1');
    expect(usage(() => parseInteger('0', '--n', { min: 1 })).message).toMatch(/≥ 1/);
    expect(usage(() => parseNumber('0', '--rate', { exclusiveMin: true })).message).toMatch(/> 0/);
    expect(usage(() => parseInteger('65536', '--port', { max: 65535 })).message).toMatch(/≤ 65535/);
    expect(usage(() => parseInteger('1.0005k', '--n')).message).toMatch(/whole number/);
    for (const bad of ['x', '', '1e', '1e6', '10x', '1,000']) usage(() => parseInteger(bad, '--n'));
    expect(usage(() => parseInteger('10k', '--n', { suffixes: false })).hint).not.toMatch(/suffix/);
    expect(usage(() => parseInteger('2m', '--n')).hint).toMatch(/M means million/);
    expect(usage(() => parseInteger('99999999999999999', '--n')).hint).toMatch(/too large/);
  });

  it('refuses negative values, except a documented special one written exactly', () => {
    const throughput = { min: 0, exclusiveMin: true, special: [{ value: -1, meaning: 'no limit' }] } as const;
    expect(parseNumber('-1', '--throughput', throughput)).toBe(-1);
    const e = usage(() => parseNumber('-5', '--throughput', throughput));
    expect(e.message).toBe('--throughput must be a number > 0, or -1 (no limit), got "-5"');
    expect(e.hint).toMatch(/no other negative value/);
    usage(() => parseNumber('-1.0', '--throughput', throughput));
    usage(() => parseNumber('0', '--throughput', throughput));
    // Neighbour: without a special value, -1 is refused too.
    expect(usage(() => parseInteger('-1', '--process-ms')).hint).toMatch(/negative value means nothing/);
  });
});

describe('readDuration / parseDuration', () => {
  it('reads a bare number in the flag unit, or number+unit parts', () => {
    expect(readDuration('30', 's')).toBe(30_000);
    expect(readDuration('30', 'ms')).toBe(30);
    expect(readDuration('30s', 's')).toBe(30_000);
    expect(readDuration('2m', 's')).toBe(120_000);
    expect(readDuration('1h30m', 's')).toBe(5_400_000);
    expect(readDuration('2m30s', 'ms')).toBe(150_000);
    expect(readDuration('500ms', 's')).toBe(500);
    expect(readDuration('1.5s', 'ms')).toBe(1_500);
    for (const bad of ['', 's', '1M', '10k', '-1', '1x', '2 m', 'm2', '1mss', '1d']) expect(readDuration(bad, 's'), bad).toBeNull();
  });

  it('returns the value in the flag unit and checks the bounds', () => {
    expect(parseDuration('2m', '--timeout', { unit: 's', min: 0, exclusiveMin: true })).toBe(120);
    expect(parseDuration('2s', '--commit-interval-ms', { unit: 'ms' })).toBe(2_000);
    expect(parseDuration('0.5', '--interval', { unit: 's', exclusiveMin: true })).toBe(0.5);
    expect(parseDuration(undefined, '--interval', { unit: 's' })).toBeUndefined();
    const e = usage(() => parseDuration('0', '--interval', { unit: 's', exclusiveMin: true }));
    expect(e.message).toBe('--interval must be a duration > 0 seconds, got "0"');
    expect(e.hint).toContain('e.g. --interval 30, 30s, 2m or 1h30m');
    expect(usage(() => parseDuration('500ms', '--polling-interval', { unit: 's', min: 1, integer: true })).message).toMatch(/whole seconds/);
    expect(usage(() => parseDuration('1.5', '--process-ms', { unit: 'ms', integer: true })).message).toMatch(/whole milliseconds/);
    usage(() => parseDuration('-1', '--process-ms', { unit: 'ms' }));
    usage(() => parseDuration('11m', '--hpa-sync-period', { unit: 's', max: 600 }));
  });
});

describe('parseIntList: numbers and ranges (KEDA partitionLimitation syntax)', () => {
  it('expands ranges, sorts, drops duplicates, allows blanks around items', () => {
    expect(parseIntList('0,2-3,7', '--p')).toEqual([0, 2, 3, 7]);
    expect(parseIntList('3, 0,3', '--p')).toEqual([0, 3]);
    expect(parseIntList('5 - 7, 1', '--p')).toEqual([1, 5, 6, 7]);
    // KEDA's own cases (pkg/util/parse_string_test.go, TestParseint32List)
    expect(parseIntList('100', '--p')).toEqual([100]);
    expect(parseIntList('1,2,3,4,5,6,10', '--p')).toEqual([1, 2, 3, 4, 5, 6, 10]);
    expect(parseIntList('1,2,4-10', '--p')).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10]);
    expect(parseIntList('1-10', '--p')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('refuses junk, backwards ranges, values out of bounds and runaway ranges', () => {
    for (const bad of ['a,2,3', 'a-3', 'a-3-', '1-2-3', '0,a', '1,,2', '1,', '-1', '1.5', '1k']) {
      const e = usage(() => parseIntList(bad, '--stall-partitions'));
      expect(e.message).toContain('--stall-partitions');
      expect(e.hint).toContain('0,2-3,7');
    }
    expect(usage(() => parseIntList('5-3', '--p')).message).toMatch(/backwards/);
    expect(usage(() => parseIntList('0,12', '--p', { max: 9 })).message).toMatch(/outside 0..9/);
    expect(usage(() => parseIntList('0-1000000000', '--p')).message).toMatch(/more than/);
  });

  it('an empty value is [] only where allowed', () => {
    expect(parseIntList('', '--p', { allowEmpty: true })).toEqual([]);
    expect(parseIntList(' ', '--p', { allowEmpty: true })).toEqual([]);
    expect(usage(() => parseIntList('', '--p')).message).toMatch(/empty/);
  });
});

describe('the call sites speak the grammar', () => {
  it('produce: 1M records, -1 = no limit, other negatives refused (were unthrottled)', async () => {
    const { resolveProduceNumbers } = await import('../../src/commands/produce.js');
    const { validateProduceOptions } = await import('../../src/kafka/producer.js');
    expect(resolveProduceNumbers(['1M', '10k', '1_000'], {})).toEqual({ numRecords: 1_000_000, throughput: 10_000, recordSize: 1000 });
    expect(resolveProduceNumbers([], { throughput: '-1' }).throughput).toBe(-1);
    expect(usage(() => resolveProduceNumbers([], { throughput: '-5' })).message).toMatch(/--throughput .*-1 \(no limit\)/);
    expect(usage(() => resolveProduceNumbers(['1000', '-5', '100'], {})).message).toContain('"-5"');
    // The library check refuses them too (scenario loads reach produce() without the flag parser).
    const o = { numRecords: 10, recordSize: 10, topic: 't' };
    expect(() => validateProduceOptions({ ...o, throughput: -1 })).not.toThrow();
    expect(usage(() => validateProduceOptions({ ...o, throughput: -5 })).hint).toMatch(/only -1/);
  });

  it('ScaledObject flags: counts take suffixes, periods take durations', async () => {
    const { settingsFromFlags } = await import('../../src/scaling/settings.js');
    const s = settingsFromFlags({ lagThreshold: '1k', cooldownPeriod: '5m', pollingInterval: '15' });
    expect([s.lagThreshold, s.cooldownPeriod, s.pollingInterval]).toEqual([1000, 300, 15]);
    expect(usage(() => settingsFromFlags({ lagThreshold: '1e3' })).message).toContain('--lag-threshold');
    expect(usage(() => settingsFromFlags({ pollingInterval: '1.5s' })).message).toMatch(/--polling-interval .*whole seconds/);
  });

  it('plan --load: suffixes, durations as pauses, KEDA-style partition ranges', async () => {
    const { parseLoad } = await import('../../src/scaling/plan.js');
    expect(parseLoad('1.5M@2.5k')).toEqual({ records: 1_500_000, rate: 2_500 });
    expect(parseLoad('2m')).toEqual({ pauseS: 120 });
    expect(parseLoad('1m30s')).toEqual({ pauseS: 90 });
    expect(parseLoad('100@10:0,2-3')).toEqual({ records: 100, rate: 10, partitions: [0, 2, 3] });
    for (const bad of ['1m@10', '1,000@10', '10', '1e3@10']) expect(usage(() => parseLoad(bad)).message).toContain(bad);
  });
});
