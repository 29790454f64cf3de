import type { Disbursement, Payment, PaymentAllocation } from '../../entities';

export const PAYMENT_TYPE = 'Payment';
export const DISBURSEMENT_TYPE = 'Disbursement';

/*
 * Payments and payouts as the API shows them: JSON-safe (cents as numbers, ISO strings).
 * A payment's summary is also the payload of `paymentPosted`.
 */

/** Where part of a payment went. */
export interface AllocationView {
  planId: string | null;
  installmentNumber: number | null;
  transactionId: string | null;
  fee: number;
  interest: number;
  principal: number;
}

/** A payment without where it went: a row of a list, or a live event (allocations are read apart). */
export interface PaymentSummaryView {
  id: string;
  accountId: string;
  status: string;
  source: string;
  failureReason: string | null;
  amount: number;
  prepayment: number;
  createdAt: string;
}

export interface PaymentView extends PaymentSummaryView {
  allocations: AllocationView[];
}

export interface DisbursementView {
  id: string;
  status: string;
  amount: number;
  failureReason: string | null;
  createdAt: string;
}

export const paymentSummaryView = (p: Payment): PaymentSummaryView => ({
  id: p.id,
  accountId: p.accountId,
  status: p.status,
  source: p.source,
  failureReason: p.failureReason,
  amount: Number(p.amount),
  prepayment: Number(p.prepayment),
  createdAt: p.createdAt.toISOString(),
});

export const allocationView = (a: PaymentAllocation): AllocationView => ({
  planId: a.planId,
  installmentNumber: a.installmentNumber,
  transactionId: a.transactionId,
  fee: Number(a.fee),
  interest: Number(a.interest),
  principal: Number(a.principal),
});

export const disbursementView = (d: Disbursement): DisbursementView => ({
  id: d.id,
  status: d.status,
  amount: Number(d.amount),
  failureReason: d.failureReason,
  createdAt: d.createdAt.toISOString(),
});
