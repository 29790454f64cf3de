import {
  CHECKOUT_MAX,
  CHECKOUT_MIN,
  planMonths,
  settlementFigures,
  shrinkFromLast,
} from '../../../src/domain/merchants/checkout';

describe('settlementFigures (SPEC section 8)', () => {
  it('takes 3% of gross − refunds, half-up, and leaves the rest as net', () => {
    // 3% of 160.04 = 4.8012 → 4.80
    expect(settlementFigures(17_004, 1_000)).toEqual({ fees: 480, net: 15_524 });
    // 3% of 0.50 = 0.015 → 0.02 (half-up)
    expect(settlementFigures(50, 0)).toEqual({ fees: 2, net: 48 });
    // 3% of 0.49 = 0.0147 → 0.01
    expect(settlementFigures(49, 0)).toEqual({ fees: 1, net: 48 });
    expect(settlementFigures(0, 0)).toEqual({ fees: 0, net: 0 });
  });

  it('gives fees back when a day’s refunds exceed its sales (the net is collected from the merchant)', () => {
    expect(settlementFigures(0, 10_000)).toEqual({ fees: -300, net: -9_700 });
  });
});

describe('shrinkFromLast', () => {
  const plan = [
    { principal: 2_500, paidPrincipal: 2_500 },
    { principal: 2_500, paidPrincipal: 0 },
    { principal: 2_500, paidPrincipal: 0 },
    { principal: 2_500, paidPrincipal: 0 },
  ];

  it('cuts the last installment first, then the one before', () => {
    expect(shrinkFromLast(plan, 3_000)).toEqual({ cuts: [0, 0, 500, 2_500], excess: 0 });
  });

  it('never cuts below what was paid: the rest of the refund is excess to return', () => {
    expect(shrinkFromLast(plan, 10_000)).toEqual({ cuts: [0, 2_500, 2_500, 2_500], excess: 2_500 });
    expect(shrinkFromLast([{ principal: 1_000, paidPrincipal: 400 }], 900)).toEqual({
      cuts: [600],
      excess: 300,
    });
  });

  it('cuts nothing from a plan already paid', () => {
    expect(shrinkFromLast([{ principal: 0, paidPrincipal: 0 }], 700)).toEqual({ cuts: [0], excess: 700 });
  });
});

describe('checkout rules', () => {
  it('spans $50.00 to $2,000.00 and names the months of monthly plans', () => {
    expect([CHECKOUT_MIN, CHECKOUT_MAX]).toEqual([5_000, 200_000]);
    expect([planMonths('PAY_IN_4'), planMonths('MONTHLY_6'), planMonths('MONTHLY_12')]).toEqual([
      null,
      6,
      12,
    ]);
  });
});
