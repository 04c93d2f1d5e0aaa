import { describe, expect, it } from 'vitest';
import { computeAudit, countRanges, parseAuditText } from '../../src/kafka/audit.js';

describe('zero-loss arithmetic', () => {
  it('nothing lost when every acknowledged number is audited', () => {
    expect(computeAudit([[0, 9]], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 2)).toEqual({ produced: 10, processed: 10, lost: 0, duplicates: 0, scaleDowns: 2 });
  });

  it('lost = acknowledged numbers missing from the audit', () => {
    expect(computeAudit([[0, 9]], [0, 1, 2, 4, 5, 6, 8, 9]).lost).toBe(2);
    expect(
      computeAudit(
        [
          [0, 4],
          [10, 14],
        ],
        [0, 1, 2, 3, 4],
      ).lost,
    ).toBe(5);
  });

  it('duplicates = numbers seen more than once, each counted once', () => {
    const a = computeAudit([[0, 4]], [0, 1, 1, 1, 2, 3, 3, 4]);
    expect(a).toMatchObject({ processed: 8, lost: 0, duplicates: 2 });
  });

  it('numbers outside the acknowledged ranges are processed, not lost', () => {
    const a = computeAudit([[0, 2]], [0, 1, 2, 3, 3]);
    expect(a).toMatchObject({ produced: 3, processed: 5, lost: 0, duplicates: 1 });
  });

  it('parses audit text and counts ranges', () => {
    expect(parseAuditText('1\n2\n\nx\n3\n')).toEqual({ seqs: [1, 2, 3], malformed: 1 });
    expect(
      countRanges([
        [0, 9],
        [20, 20],
      ]),
    ).toBe(11);
  });
});
