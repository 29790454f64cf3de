import { daysBetween } from '../common/calendar';
import type { Cents } from '../common/money';

/**
 * How a repayment is spread over what an account owes (SPEC section 5). Pure: the caller
 * loads the items, applies the result and posts it.
 */
export interface OwedItem {
  /** Stable reference the caller understands (installment or purchase id). */
  ref: string;
  kind: 'INSTALLMENT' | 'PURCHASE';
  /** The plan an installment belongs to. */
  planId: string | null;
  /** Plans in creation order: 0 is the oldest. */
  planOrder: number;
  dueDate: string;
  /** What is still unpaid of each part. */
  fee: Cents;
  interest: Cents;
  principal: Cents;
}

export interface Allocation {
  ref: string;
  kind: 'INSTALLMENT' | 'PURCHASE';
  planId: string | null;
  fee: Cents;
  interest: Cents;
  principal: Cents;
}

export interface AllocationResult {
  allocations: Allocation[];
  /** Left after every due and next-upcoming item: prepays principal, oldest plan first. */
  prepayment: Cents;
}

const unpaid = (i: OwedItem) => i.fee + i.interest + i.principal;

/**
 * The items a payment goes to, in order: every past-due installment, then each plan's next
 * upcoming installment and each 45-day purchase (paying a bill early is paying that bill),
 * all in due-date order (ties: older plan first, then purchases).
 */
export function payableItems(items: readonly OwedItem[], today: string): OwedItem[] {
  const open = items.filter((i) => unpaid(i) > 0);
  const pastDue = open.filter((i) => i.kind === 'INSTALLMENT' && i.dueDate < today);
  const nextByPlan = new Map<string, OwedItem>();
  for (const i of open) {
    if (i.kind !== 'INSTALLMENT' || i.dueDate < today) continue;
    const cur = nextByPlan.get(i.planId!);
    if (!cur || i.dueDate < cur.dueDate) nextByPlan.set(i.planId!, i);
  }
  const purchases = open.filter((i) => i.kind === 'PURCHASE');
  return [...pastDue, ...nextByPlan.values(), ...purchases].sort(
    (a, b) =>
      (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0) ||
      (a.kind === b.kind ? a.planOrder - b.planOrder : a.kind === 'INSTALLMENT' ? -1 : 1),
  );
}

/** Within each item: late fee, then interest, then principal. */
export function allocate(items: readonly OwedItem[], amount: Cents, today: string): AllocationResult {
  let left = amount;
  const allocations: Allocation[] = [];
  for (const item of payableItems(items, today)) {
    if (left <= 0) break;
    const fee = Math.min(left, item.fee);
    left -= fee;
    const interest = Math.min(left, item.interest);
    left -= interest;
    const principal = Math.min(left, item.principal);
    left -= principal;
    allocations.push({ ref: item.ref, kind: item.kind, planId: item.planId, fee, interest, principal });
  }
  return { allocations, prepayment: left };
}

/**
 * The exact amount that closes the account today: all unpaid principal, plus the interest
 * and fees of installments already due; no future interest.
 */
export function payoffAmount(items: readonly OwedItem[], today: string): Cents {
  return items.reduce(
    (sum, i) => sum + i.principal + (i.kind === 'PURCHASE' || i.dueDate <= today ? i.fee + i.interest : 0),
    0,
  );
}

/**
 * Days past due: from the due date of the oldest installment still unpaid after it; 0 when
 * nothing is past due. A payment recomputes it at once; the daily job every day.
 */
export function daysPastDue(items: readonly OwedItem[], today: string): number {
  let oldest: string | null = null;
  for (const i of items) {
    if (unpaid(i) > 0 && i.dueDate < today && (oldest === null || i.dueDate < oldest)) oldest = i.dueDate;
  }
  return oldest === null ? 0 : daysBetween(oldest, today);
}
