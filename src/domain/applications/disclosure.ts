/**
 * The Truth in Lending disclosure that comes with every offer (SPEC section 3): amount
 * financed, finance charge, total of payments and the APR by the actuarial method of
 * Regulation Z Appendix J, computed from the exact schedule the borrower will pay.
 */
import { aprBp as computeAprBp, type UnitPeriod } from './apr';
import { assertCents, type Cents } from '../common/money';

export interface DisclosureInput {
  /** What the borrower actually receives (here the loan amount: we charge no fees). */
  amountFinanced: Cents;
  /** Disbursement date: the term of the transaction starts here. */
  advanceDate: string;
  schedule: readonly { dueDate: string; total: Cents }[];
  /**
   * Appendix J's unit-period; by default it is determined from the schedule by the rules of
   * (b)(4) (a month for our monthly plans, even when the calendar clamps a due date).
   */
  unitPeriod?: UnitPeriod;
}

export interface TruthInLendingDisclosure {
  amountFinanced: Cents;
  /** The dollar cost of the credit: total of payments − amount financed. */
  financeCharge: Cents;
  totalOfPayments: Cents;
  /** Annual percentage rate in basis points (7.99% = 799). */
  aprBp: number;
}

export function truthInLending({
  amountFinanced,
  advanceDate,
  schedule,
  unitPeriod,
}: DisclosureInput): TruthInLendingDisclosure {
  assertCents(amountFinanced, 'amount financed');
  if (amountFinanced <= 0) throw new RangeError('amount financed must be positive');
  schedule.forEach((s) => assertCents(s.total, 'installment total'));
  const totalOfPayments = schedule.reduce((sum, s) => sum + s.total, 0);
  const payments = schedule.filter((s) => s.total > 0).map((s) => ({ amount: s.total, date: s.dueDate }));
  return {
    amountFinanced,
    financeCharge: totalOfPayments - amountFinanced,
    totalOfPayments,
    aprBp: computeAprBp({
      advances: [{ amount: amountFinanced, date: advanceDate }],
      payments,
      ...(unitPeriod ? { unitPeriod } : {}),
    }),
  };
}
