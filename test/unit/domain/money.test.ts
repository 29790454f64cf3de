import fc from 'fast-check';

import {
  allocateLargestRemainder,
  divRoundHalfUp,
  formatCents,
  formatMoney,
  formatRateBp,
  isWellFormedDecimal,
  parseDecimal,
  parseRateBp,
  percentOfBp,
} from '../../../src/domain/common/money';

describe('isWellFormedDecimal', () => {
  it.each(['0', '1500', '1500.5', '1500.00', '-5.00', '0.05', '9999999999999.99', '-9999999999999'])(
    'accepts %s',
    (s) => {
      expect(isWellFormedDecimal(s)).toBe(true);
    },
  );

  it.each([
    '',
    'abc',
    '1.234',
    '1.',
    '.5',
    '+1',
    '1e3',
    ' 1',
    '1 ',
    '1,000.00',
    '10000000000000',
    '--1',
    '0x10',
  ])('rejects %j', (s) => {
    expect(isWellFormedDecimal(s)).toBe(false);
  });
});

describe('parseDecimal and formatCents', () => {
  it.each([
    ['1500.00', 150_000],
    ['1500.5', 150_050],
    ['1500', 150_000],
    ['-5.00', -500],
    ['0.05', 5],
    ['0.5', 50],
    ['007.10', 710],
    ['9999999999999.99', 999_999_999_999_999],
  ])('parses %s as %d cents', (s, cents) => {
    expect(parseDecimal(s)).toBe(cents);
  });

  it('parses negative zero as plain zero', () => {
    expect(Object.is(parseDecimal('-0.00'), 0)).toBe(true);
  });

  it.each(['abc', '1.234', '', '1e2'])('throws a RangeError on %j', (s) => {
    expect(() => parseDecimal(s)).toThrow(RangeError);
  });

  it.each([
    [150_000, '1500.00'],
    [-500, '-5.00'],
    [5, '0.05'],
    [-5, '-0.05'],
    [0, '0.00'],
    [100, '1.00'],
    [999_999_999_999_999, '9999999999999.99'],
  ])('formats %d cents as %s', (cents, s) => {
    expect(formatCents(cents)).toBe(s);
  });

  it('refuses fractional cents', () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });

  it('round-trips every amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -999_999_999_999_999, max: 999_999_999_999_999 }), (c) => {
        expect(parseDecimal(formatCents(c))).toBe(c);
      }),
    );
  });
});

describe('divRoundHalfUp', () => {
  it.each([
    [5, 2, 3],
    [-5, 2, -3],
    [5, -2, -3],
    [-5, -2, 3],
    [4, 3, 1],
    [5, 3, 2],
    [-4, 3, -1],
    [-5, 3, -2],
    [1, 2, 1],
    [-1, 2, -1],
    [3, 2, 2],
    [7, 7, 1],
    [0, 9, 0],
  ])('%d / %d rounds to %d (halves away from zero)', (n, d, q) => {
    expect(divRoundHalfUp(n, d)).toBe(q);
  });

  it('never returns negative zero', () => {
    expect(Object.is(divRoundHalfUp(-1, 3), 0)).toBe(true);
  });

  it('is exact on bigints beyond 2^53', () => {
    // (2^60 + 2^59) / 2^60 = 1.5 exactly.
    expect(divRoundHalfUp(2n ** 60n + 2n ** 59n, 2n ** 60n)).toBe(2);
    // A month's interest at 29.99% on $999,999,999,999.99: the product exceeds 2^53, the result does not.
    expect(divRoundHalfUp(99_999_999_999_999n * 2_999n, 120_000n)).toBe(2_499_166_666_667);
  });

  it('throws on division by zero and on results that are not safe integers', () => {
    expect(() => divRoundHalfUp(1, 0)).toThrow(RangeError);
    expect(() => divRoundHalfUp(2n ** 60n, 1n)).toThrow(RangeError);
    expect(() => divRoundHalfUp(0.5, 1)).toThrow(RangeError);
  });

  it('matches the exact rational rounding for any integers', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 53n - 1n), max: 2n ** 53n - 1n }),
        fc.bigInt({ min: -(10n ** 6n), max: 10n ** 6n }).filter((d) => d !== 0n),
        (n, d) => {
          const q = divRoundHalfUp(n, d);
          // |n/d − q| ≤ 1/2, and a tie goes away from zero.
          const diff2 = 2n * n - 2n * BigInt(q) * d; // 2d·(n/d − q)
          const absD = d < 0n ? -d : d;
          const absDiff2 = diff2 < 0n ? -diff2 : diff2;
          expect(absDiff2 <= absD).toBe(true);
          if (absDiff2 === absD) expect(Math.abs(q) > Math.abs(Number(n / d))).toBe(true);
        },
      ),
    );
  });
});

describe('percentOfBp', () => {
  it.each([
    [1_000_050, 300, 30_002], // 3% of $10,000.50 = 300.0150 → $300.02
    [50, 300, 2], // 1.5 cents → 2
    [-50, 300, -2],
    [30_010, 500, 1_501], // 5% of $300.10 = 15.005 → $15.01
    [29_989, 500, 1_499], // 14.9945 → $14.99
    [100_000, 0, 0],
    [100_000, 10_000, 100_000],
  ])('percentOfBp(%d, %d) = %d', (amount, bp, expected) => {
    expect(percentOfBp(amount, bp)).toBe(expected);
  });
});

describe('allocateLargestRemainder', () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [100, [1, 1, 1, 0], [34, 33, 33, 0]],
    [2, [1, 1, 1], [1, 1, 0]],
    [101, [2, 1], [67, 34]], // 67.33 and 33.67: the larger remainder gets the cent
    [10, [0, 5, 0, 5], [0, 5, 0, 5]],
    [0, [0, 0], [0, 0]],
    [0, [3, 4], [0, 0]],
    [-100, [1, 1, 1], [-34, -33, -33]],
    [1, [2_500, 2_500, 5_000], [0, 0, 1]],
    [3, [2_500, 2_500, 5_000], [1, 1, 1]], // 0.75, 0.75, 1.5: the two 0.75 remainders beat 0.5
    [1, [1, 1], [1, 0]], // equal remainders: the lower index gets the cent
    [2, [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]],
  ])('splits %d over %j as %j', (total, weights, parts) => {
    expect(allocateLargestRemainder(total, weights)).toEqual(parts);
  });

  it('refuses a non-zero total over all-zero weights, and bad weights', () => {
    expect(() => allocateLargestRemainder(5, [0, 0])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(5, [])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(5, [1, -1])).toThrow(RangeError);
    expect(() => allocateLargestRemainder(5, [1.5, 1])).toThrow(RangeError);
  });

  it('always adds up exactly, with each part within a cent of its exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }),
        fc
          .array(fc.integer({ min: 0, max: 100_000_000 }), { minLength: 1, maxLength: 40 })
          .filter((ws) => ws.some((w) => w > 0)),
        (total, weights) => {
          const parts = allocateLargestRemainder(total, weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sumW = BigInt(weights.reduce((a, b) => a + b, 0));
          parts.forEach((part, i) => {
            const w = BigInt(weights[i] as number);
            if (w === 0n) expect(part).toBe(0);
            // |part − total·w/W| < 1  ⇔  |part·W − total·w| < W
            const gap = BigInt(part) * sumW - BigInt(total) * w;
            expect((gap < 0n ? -gap : gap) < sumW).toBe(true);
          });
        },
      ),
    );
  });
});

describe('rates in basis points', () => {
  it.each([
    [799, '7.99'],
    [2_999, '29.99'],
    [0, '0.00'],
    [50, '0.50'],
    [1_200, '12.00'],
  ])('formats %d bp as %s', (bp, s) => {
    expect(formatRateBp(bp)).toBe(s);
  });

  it.each([
    ['7.99', 799],
    ['12', 1_200],
    ['0.5', 50],
    ['29.99', 2_999],
  ])('parses %s as %d bp', (s, bp) => {
    expect(parseRateBp(s)).toBe(bp);
  });
});

describe('formatMoney', () => {
  it.each([
    [0, '$0.00'],
    [5, '$0.05'],
    [123456, '$1,234.56'],
    [100000000, '$1,000,000.00'],
    [-500, '-$5.00'],
  ])('%i cents read %s', (cents, text) => {
    expect(formatMoney(cents)).toBe(text);
  });
});
