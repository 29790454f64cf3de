import { monthlySchedule, type ScheduledInstallment } from '../common/amortization';
import { truthInLending, type TruthInLendingDisclosure } from './disclosure';
import type { Cents } from '../common/money';
import type { Decision, Product } from './scorecard';

/** What an approval offers, as shown to the applicant and stored with the decision. */
export interface Offer {
  amount: Cents;
  termMonths: number | null;
  aprBp: number;
  /** Loans: the first (regular) installment; credit lines: null. */
  monthlyPayment: Cents | null;
  /** Loans: computed as if disbursed on `startDate`; recomputed from the actual disbursement. */
  schedule: ScheduledInstallment[];
  /** Truth in Lending (closed-end) disclosure; loans only. */
  disclosure: TruthInLendingDisclosure | null;
}

/**
 * The offer of an approved decision: for a loan the amortised schedule at the decision's
 * APR starting on `startDate` and its Regulation Z disclosure; for a credit line the limit
 * and APR. Null when the decision approves nothing.
 */
export function buildOffer(
  decision: Decision,
  product: Product,
  termMonths: number | null,
  startDate: string,
): Offer | null {
  if (decision.outcome !== 'APPROVED' || decision.approvedAmount === null || decision.aprBp === null)
    return null;
  if (product === 'CREDIT_LINE') {
    return {
      amount: decision.approvedAmount,
      termMonths: null,
      aprBp: decision.aprBp,
      monthlyPayment: null,
      schedule: [],
      disclosure: null,
    };
  }
  const term = termMonths!;
  const schedule = monthlySchedule({
    principal: decision.approvedAmount,
    aprBp: decision.aprBp,
    termMonths: term,
    startDate,
  });
  return {
    amount: decision.approvedAmount,
    termMonths: term,
    aprBp: decision.aprBp,
    monthlyPayment: schedule[0]!.total,
    schedule,
    disclosure: truthInLending({ amountFinanced: decision.approvedAmount, advanceDate: startDate, schedule }),
  };
}
