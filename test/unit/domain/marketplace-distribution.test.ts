import fc from 'fast-check';

import {
  DEFAULT_SERVICING_FEE_BP,
  distributePayment,
  splitLargestRemainder,
} from '../../../src/domain/marketplace/distribution';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Note amounts as the marketplace issues them: multiples of $25, 1–400 notes. */
const noteAmountsArb = fc.array(
  fc.integer({ min: 1, max: 400 }).map((k) => k * 2_500),
  { minLength: 1, maxLength: 400 },
);

/** Each part is floor or ceil of total·w/W: |part·W − total·w| < W. */
function expectFloorOrCeilOfShare(total: number, weights: readonly number[], parts: readonly number[]) {
  const sumW = BigInt(sum(weights));
  parts.forEach((part, i) => {
    const gap = BigInt(part) * sumW - BigInt(total) * BigInt(weights[i] as number);
    expect((gap < 0n ? -gap : gap) < sumW).toBe(true);
  });
}

describe('splitLargestRemainder', () => {
  it.each([
    [100, [1, 1, 1], [34, 33, 33]],
    [2, [1, 1, 1], [1, 1, 0]], // three equal remainders, two cents: the lowest indexes get them
    [1, [1, 1], [1, 0]],
    [101, [2, 1], [67, 34]], // 67.33 and 33.67: the larger remainder gets the cent
    [1, [2_500, 2_500, 5_000], [0, 0, 1]], // 0.25, 0.25, 0.5
    [3, [2_500, 2_500, 5_000], [1, 1, 1]], // 0.75, 0.75, 1.5: both 0.75 beat 0.5
    [2, [2_500, 5_000, 2_500], [1, 1, 0]], // 0.5, 1, 0.5: the tie goes to index 0, not 2
    [0, [2_500, 5_000], [0, 0]],
    [10_000, [2_500, 7_500], [2_500, 7_500]],
    [7, [1], [7]],
  ])('splits %d over %j as %j', (total, weights, parts) => {
    expect(splitLargestRemainder(total, weights)).toEqual(parts);
  });

  it('breaks ties by index, whatever order the equal remainders are in', () => {
    // 5 over [3, 1, 1, 3] (W = 8): shares 1.875, 0.625, 0.625, 1.875; floors 1, 0, 0, 1;
    // three cents left: 0.875 at indexes 0 and 3 first (0 before 3), then 0.625 at index 1.
    expect(splitLargestRemainder(5, [3, 1, 1, 3])).toEqual([2, 1, 0, 2]);
    expect(splitLargestRemainder(2, [1, 1, 1, 1, 1])).toEqual([1, 1, 0, 0, 0]);
  });

  it.each([
    [-1, [1, 1]],
    [1.5, [1, 1]],
    [Number.NaN, [1]],
    [100, []],
    [100, [1, 0]],
    [100, [1, -1]],
    [100, [1, 1.5]],
    [100, [Number.POSITIVE_INFINITY]],
  ])('refuses total %p over weights %p', (total, weights) => {
    expect(() => splitLargestRemainder(total, weights)).toThrow(RangeError);
  });

  it('adds up exactly, each part the floor or the ceiling of its exact share (notes of $25 multiples)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), noteAmountsArb, (total, weights) => {
        const parts = splitLargestRemainder(total, weights);
        expect(parts).toHaveLength(weights.length);
        expect(sum(parts)).toBe(total);
        parts.forEach((p) => expect(Number.isSafeInteger(p) && p >= 0).toBe(true));
        expectFloorOrCeilOfShare(total, weights, parts);
      }),
      { numRuns: 300 },
    );
  });

  it('gives equal notes parts that differ by at most a cent, the extra cents to the earliest notes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 400 }), (total, n) => {
        const parts = splitLargestRemainder(
          total,
          Array.from({ length: n }, () => 2_500),
        );
        const floor = Math.floor(total / n);
        const extra = total - floor * n;
        expect(parts).toEqual(Array.from({ length: n }, (_, i) => (i < extra ? floor + 1 : floor)));
      }),
    );
  });
});

describe('distributePayment', () => {
  it('splits principal and interest pro rata and deducts a 1% fee split the same way', () => {
    // p + i = 150 cents: the fee is 1.5 → 2 cents, half-up.
    const d = distributePayment({ principal: 100, interest: 50, noteAmounts: [2_500, 2_500, 2_500] });
    expect(d).toEqual({
      principal: [34, 33, 33],
      interest: [17, 17, 16],
      fee: [1, 1, 0],
      net: [50, 49, 49],
      feeTotal: 2,
    });
  });

  it.each([
    [150, 0, 2], // 1.5 → 2
    [149, 0, 1], // 1.49 → 1
    [100, 50, 2],
    [50, 0, 1], // 0.5 → 1
    [0, 49, 0], // 0.49 → 0
    [0, 0, 0],
    [88_849, 0, 888], // 888.49 → 888
    [80_000, 8_850, 889], // 888.5 → 889
  ])('principal %d + interest %d: the fee is %d', (principal, interest, feeTotal) => {
    const d = distributePayment({ principal, interest, noteAmounts: [2_500, 5_000, 10_000] });
    expect(d.feeTotal).toBe(feeTotal);
    expect(sum(d.fee)).toBe(feeTotal);
    expect(sum(d.net)).toBe(principal + interest - feeTotal);
  });

  it('defaults the fee to 100 bp and takes another rate when given', () => {
    expect(DEFAULT_SERVICING_FEE_BP).toBe(100);
    const payment = { principal: 30_000, interest: 1_000, noteAmounts: [2_500, 7_500] };
    expect(distributePayment(payment).feeTotal).toBe(310);
    expect(distributePayment({ ...payment, feeBp: 100 }).feeTotal).toBe(310);
    expect(distributePayment({ ...payment, feeBp: 250 }).feeTotal).toBe(775);
    const free = distributePayment({ ...payment, feeBp: 0 });
    expect(free.fee).toEqual([0, 0]);
    expect(free.net).toEqual([7_750, 23_250]);
  });

  it('for the payment that repays the last principal, each note gets exactly its outstanding principal', () => {
    // Pro rata, 3334 over [2500, 2500, 5000] would be [834, 833, 1667]; earlier rounding left
    // these notes with [833, 834, 1667] to repay, and that is what they get.
    const d = distributePayment({
      principal: 3_334,
      interest: 40,
      noteAmounts: [2_500, 2_500, 5_000],
      principalOutstanding: [833, 834, 1_667],
    });
    expect(d.principal).toEqual([833, 834, 1_667]);
    expect(d.interest).toEqual([10, 10, 20]);
    expect(d.feeTotal).toBe(34); // 1% of 3374 = 33.74 → 34
    expect(d.fee).toEqual([9, 8, 17]); // 8.5, 8.5, 17: the tie goes to the first note
    expect(d.net).toEqual([834, 836, 1_670]);
    expect(sum(d.net)).toBe(3_334 + 40 - 34);
  });

  it('ignores principalOutstanding when the payment is not the payoff', () => {
    const base = { principal: 3_333, interest: 40, noteAmounts: [2_500, 2_500, 5_000] };
    const withOutstanding = distributePayment({ ...base, principalOutstanding: [833, 834, 1_667] });
    expect(withOutstanding).toEqual(distributePayment(base));
    expect(withOutstanding.principal).toEqual([833, 833, 1_667]);
  });

  it('never repays a note beyond its outstanding principal: a drifting split goes by what is outstanding', () => {
    // Split by amounts alone, these payments leave the notes' outstanding at [-1, 2]: ties
    // favour the first note every time. Kept by outstanding, no note ever goes below zero.
    const amounts = [2_500, 2_500];
    let outstanding = [...amounts];
    for (const principal of [205, 2_875, 1_919]) {
      const d = distributePayment({
        principal,
        interest: 0,
        noteAmounts: amounts,
        principalOutstanding: outstanding,
      });
      expect(sum(d.principal)).toBe(principal);
      outstanding = outstanding.map((o, i) => o - d.principal[i]!);
      expect(outstanding.every((o) => o >= 0)).toBe(true);
    }
    expect(sum(outstanding)).toBe(5_000 - 205 - 2_875 - 1_919);
    const last = distributePayment({
      principal: sum(outstanding),
      interest: 0,
      noteAmounts: amounts,
      principalOutstanding: outstanding,
    });
    expect(last.principal).toEqual(outstanding);
    expect(() =>
      distributePayment({ principal: 10, interest: 0, noteAmounts: amounts, principalOutstanding: [4, 5] }),
    ).toThrow(RangeError);
  });

  it('never repays beyond outstanding over random payment sequences (outstanding kept as the service keeps it)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 4_000 }), { minLength: 1, maxLength: 30 }),
        (units, payments) => {
          const amounts = units.map((u) => u * 2_500);
          let outstanding = [...amounts];
          for (const p of payments) {
            const left = sum(outstanding);
            if (left === 0) break;
            const principal = Math.min(p, left);
            const d = distributePayment({
              principal,
              interest: 0,
              noteAmounts: amounts,
              principalOutstanding: outstanding,
            });
            outstanding = outstanding.map((o, i) => o - d.principal[i]!);
            expect(outstanding.every((o) => o >= 0)).toBe(true);
          }
        },
      ),
    );
  });

  it('adds up for any notes and payment: principal, interest, fee, net', () => {
    fc.assert(
      fc.property(
        noteAmountsArb,
        fc.integer({ min: 0, max: 100_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (noteAmounts, principal, interest) => {
          const d = distributePayment({ principal, interest, noteAmounts });
          expect(sum(d.principal)).toBe(principal);
          expect(sum(d.interest)).toBe(interest);
          expect(d.feeTotal).toBe(Math.floor((principal + interest + 50) / 100)); // 1%, half-up
          expect(sum(d.fee)).toBe(d.feeTotal);
          expect(sum(d.net)).toBe(principal + interest - d.feeTotal);
          expectFloorOrCeilOfShare(principal, noteAmounts, d.principal);
          expectFloorOrCeilOfShare(interest, noteAmounts, d.interest);
          expectFloorOrCeilOfShare(d.feeTotal, noteAmounts, d.fee);
          d.net.forEach((n, i) => {
            expect(n).toBe((d.principal[i] as number) + (d.interest[i] as number) - (d.fee[i] as number));
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('repays every note to the cent over an amortising loan’s life, never below zero on the way', () => {
    fc.assert(
      fc.property(
        noteAmountsArb,
        fc.integer({ min: 1, max: 60 }), // term in months
        fc.integer({ min: 0, max: 3_600 }), // APR in basis points
        (noteAmounts, term, aprBp) => {
          const loan = sum(noteAmounts);
          const monthly = aprBp / 120_000;
          const installment =
            monthly === 0
              ? Math.ceil(loan / term)
              : Math.round((loan * monthly) / (1 - (1 + monthly) ** -term));
          const outstanding = [...noteAmounts];
          let left = loan;
          for (let month = 1; month <= term && left > 0; month++) {
            const interest = Math.round(left * monthly);
            const principal = month === term ? left : Math.min(left, installment - interest);
            const d = distributePayment({
              principal,
              interest,
              noteAmounts,
              principalOutstanding: outstanding,
            });
            if (principal === left) expect(d.principal).toEqual(outstanding);
            expect(sum(d.net)).toBe(principal + interest - d.feeTotal);
            d.principal.forEach((p, i) => (outstanding[i] = (outstanding[i] as number) - p));
            expect(outstanding.every((o) => o >= 0)).toBe(true);
            left -= principal;
          }
          expect(left).toBe(0);
          expect(outstanding.every((o) => o === 0)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('repays the notes exactly on an early payoff after any one pro-rata payment', () => {
    fc.assert(
      fc.property(noteAmountsArb, fc.integer({ min: 0, max: 999 }), (noteAmounts, permille) => {
        const loan = sum(noteAmounts);
        const first = distributePayment({
          principal: Math.floor((loan * permille) / 1_000),
          interest: 0,
          noteAmounts,
        });
        const outstanding = noteAmounts.map((a, i) => a - (first.principal[i] as number));
        const payoff = distributePayment({
          principal: sum(outstanding),
          interest: 123,
          noteAmounts,
          principalOutstanding: outstanding,
        });
        expect(payoff.principal).toEqual(outstanding);
        noteAmounts.forEach((a, i) => {
          expect((first.principal[i] as number) + (payoff.principal[i] as number)).toBe(a);
        });
      }),
    );
  });

  it.each([
    ['a negative principal', { principal: -1, interest: 0, noteAmounts: [2_500] }],
    ['a fractional interest', { principal: 0, interest: 0.5, noteAmounts: [2_500] }],
    ['no notes', { principal: 100, interest: 0, noteAmounts: [] }],
    ['a zero note amount', { principal: 100, interest: 0, noteAmounts: [2_500, 0] }],
    ['a negative note amount', { principal: 100, interest: 0, noteAmounts: [-2_500] }],
    ['a fractional fee rate', { principal: 100, interest: 0, noteAmounts: [2_500], feeBp: 1.5 }],
    ['a negative fee rate', { principal: 100, interest: 0, noteAmounts: [2_500], feeBp: -1 }],
    [
      'outstanding amounts of another length',
      { principal: 100, interest: 0, noteAmounts: [2_500, 2_500], principalOutstanding: [100] },
    ],
    [
      'a negative outstanding amount',
      { principal: 100, interest: 0, noteAmounts: [2_500, 2_500], principalOutstanding: [101, -1] },
    ],
  ])('refuses %s', (_what, input) => {
    expect(() => distributePayment(input)).toThrow(RangeError);
  });
});
