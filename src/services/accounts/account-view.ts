import type { Card, CreditAccount, Installment, InstallmentPlan } from '../../entities';

/*
 * Accounts, cards and plans as the API shows them: JSON-safe (cents as numbers, instants as
 * ISO strings, calendar dates as YYYY-MM-DD). A card view never holds its number: the full
 * PAN and CVV only leave through `CreditAccountService.revealCard`, in a shape of their own.
 */

export interface AccountView {
  id: string;
  kind: string;
  status: string;
  aprBp: number;
  /** Credit lines: the limit. Loans: the principal. */
  creditLimit: number;
  availableCredit: number;
  daysPastDue: number;
  fundingSource: string | null;
  openedAt: string;
  /** When the owner asked to close it; null if never. */
  closureRequestedAt: string | null;
}

export interface CardView {
  id: string;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  status: string;
}

export interface PlanView {
  id: string;
  kind: string;
  status: string;
  aprBp: number;
  principal: number;
  startDate: string;
}

export interface InstallmentView {
  number: number;
  dueDate: string;
  status: string;
  principal: number;
  interest: number;
  fee: number;
  paid: number;
  paidAt: string | null;
}

export const accountView = (a: CreditAccount): AccountView => ({
  id: a.id,
  kind: a.kind,
  status: a.status,
  aprBp: a.aprBp,
  creditLimit: Number(a.creditLimit),
  availableCredit: Number(a.availableCredit),
  daysPastDue: a.daysPastDue,
  fundingSource: a.fundingSource,
  openedAt: a.openedAt.toISOString(),
  closureRequestedAt: a.closureRequestedAt ? a.closureRequestedAt.toISOString() : null,
});

export const cardView = (c: Card): CardView => ({
  id: c.id,
  last4: c.last4,
  expiryMonth: c.expiryMonth,
  expiryYear: c.expiryYear,
  status: c.status,
});

export const planView = (p: InstallmentPlan): PlanView => ({
  id: p.id,
  kind: p.kind,
  status: p.status,
  aprBp: p.aprBp,
  principal: Number(p.principal),
  startDate: p.startDate,
});

export const installmentView = (i: Installment): InstallmentView => ({
  number: i.number,
  dueDate: i.dueDate,
  status: i.status,
  principal: Number(i.principal),
  interest: Number(i.interest),
  fee: Number(i.fee),
  paid: Number(i.paid),
  paidAt: i.paidAt ? i.paidAt.toISOString() : null,
});
