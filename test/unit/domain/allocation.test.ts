import fc from 'fast-check';
import {
  allocate,
  daysPastDue,
  payableItems,
  payoffAmount,
  type OwedItem,
} from '../../../src/domain/repayments/allocation';

const inst = (
  ref: string,
  planId: string,
  planOrder: number,
  dueDate: string,
  principal: number,
  interest: number,
  fee = 0,
): OwedItem => ({
  ref,
  kind: 'INSTALLMENT',
  planId,
  planOrder,
  dueDate,
  principal,
  interest,
  fee,
});
const purchase = (ref: string, dueDate: string, principal: number): OwedItem => ({
  ref,
  kind: 'PURCHASE',
  planId: null,
  planOrder: 0,
  dueDate,
  principal,
  interest: 0,
  fee: 0,
});

describe('allocation', () => {
  const items = [
    inst('a1', 'A', 0, '2026-01-10', 1000, 100, 50), // past due, with a late fee
    inst('a2', 'A', 0, '2026-02-10', 1000, 90),
    inst('a3', 'A', 0, '2026-03-10', 1000, 80),
    inst('b1', 'B', 1, '2026-02-05', 500, 20),
    inst('b2', 'B', 1, '2026-03-05', 500, 10),
    purchase('p1', '2026-02-20', 700),
  ];
  const today = '2026-02-01';

  it('goes to past-due installments, then each plan’s next installment and each purchase, by due date', () => {
    expect(payableItems(items, today).map((i) => i.ref)).toEqual(['a1', 'b1', 'a2', 'p1']);
  });

  it('within an installment: fee, then interest, then principal; the rest is prepayment', () => {
    const r = allocate(items, 100_000, today);
    expect(r.allocations[0]).toEqual({
      ref: 'a1',
      kind: 'INSTALLMENT',
      planId: 'A',
      fee: 50,
      interest: 100,
      principal: 1000,
    });
    expect(r.prepayment).toBe(100_000 - (1150 + 520 + 1090 + 700));
    const partial = allocate(items, 120, today);
    expect(partial.allocations).toEqual([
      { ref: 'a1', kind: 'INSTALLMENT', planId: 'A', fee: 50, interest: 70, principal: 0 },
    ]);
    expect(partial.prepayment).toBe(0);
  });

  it('the payoff is all principal plus what is due, no future interest', () => {
    expect(payoffAmount(items, today)).toBe(1000 * 3 + 500 * 2 + 700 + 150);
  });

  it('allocates exactly the amount paid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (amount) => {
        const r = allocate(items, amount, today);
        return (
          r.allocations.reduce((s, a) => s + a.fee + a.interest + a.principal, 0) + r.prepayment === amount
        );
      }),
    );
  });
});

describe('days past due', () => {
  it('counts from the oldest installment still unpaid after its due date', () => {
    const items = [
      inst('a', 'p1', 0, '2026-01-10', 100, 10),
      inst('b', 'p1', 0, '2026-02-10', 100, 10),
      inst('c', 'p2', 1, '2026-03-10', 100, 0),
    ];
    expect(daysPastDue(items, '2026-01-10')).toBe(0); // due today is not past due
    expect(daysPastDue(items, '2026-01-15')).toBe(5);
    expect(daysPastDue(items, '2026-02-15')).toBe(36);
  });

  it('is 0 once everything past due is paid, whatever is still to come', () => {
    const paid = { ...inst('a', 'p1', 0, '2026-01-10', 0, 0) };
    expect(daysPastDue([paid, inst('b', 'p1', 0, '2026-02-10', 100, 10)], '2026-01-20')).toBe(0);
  });
});
