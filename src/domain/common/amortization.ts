/**
 * Installment plans (SPEC section 5): equal amortised monthly payments, pay-in-4 and the
 * 45-day interest-free purchase. Interest is the scheduled amount for each installment (no
 * daily accrual), computed in exact integer cents; only the level payment itself needs
 * floating point, because its formula has a power in it.
 */
import { addDays, formatDate, shiftMonths } from './calendar';
import { assertCents, divRoundHalfUp, percentOfBp, type Cents } from './money';

export { addDays, ageOnDate, daysBetween } from './calendar';

export interface ScheduledInstallment {
  /** 1-based position in the plan. */
  number: number;
  /** `YYYY-MM-DD`. */
  dueDate: string;
  principal: Cents;
  interest: Cents;
  total: Cents;
}

/** Twelve months a year, 10,000 basis points a unit: the monthly rate is aprBp / 120,000. */
const MONTHLY_RATE_DENOMINATOR = 120_000;

/** The lesser of $15.00 and 5% of the installment is the late fee (SPEC section 5). */
export const LATE_FEE_CAP: Cents = 1_500;
export const LATE_FEE_BP = 500;

/** Pay-in-4: four parts, two weeks apart. */
export const PAY_IN_4_PARTS = 4;
export const PAY_IN_4_INTERVAL_DAYS = 14;

/** 45-day purchases are due in full 45 days after the purchase. */
export const INTEREST_FREE_DAYS = 45;

function assertAprBp(aprBp: number): void {
  if (!Number.isSafeInteger(aprBp) || aprBp < 0)
    throw new RangeError(`APR must be non-negative basis points, got ${aprBp}`);
}

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}`);
}

/**
 * Monthly due date k: the start date plus k months counted from the start date (not from the
 * previous due date), clamped to the month's last day. A plan started on 31 January is due on
 * 28 February, then 31 March: the borrower keeps "the last day of the month".
 */
export function addMonthsClamped(date: string, months: number): string {
  return formatDate(shiftMonths(date, months));
}

/**
 * The level monthly payment P·r / (1 − (1 + r)^−n), r = APR / 12, rounded half-up to the
 * cent. At 0% it is the equal split P / n rounded half-up; the last installment absorbs
 * whatever the rounding leaves.
 */
export function monthlyPayment(principal: Cents, aprBp: number, n: number): Cents {
  assertCents(principal, 'principal');
  if (principal < 0) throw new RangeError('principal must not be negative');
  assertAprBp(aprBp);
  assertCount(n, 'number of payments');
  if (aprBp === 0) return divRoundHalfUp(principal, n);
  const r = aprBp / MONTHLY_RATE_DENOMINATOR;
  const exact = (principal * r) / (1 - Math.pow(1 + r, -n));
  return Math.floor(exact + 0.5);
}

/** One month's scheduled interest on an outstanding principal, exact and half-up. */
export function monthlyInterest(outstanding: Cents, aprBp: number): Cents {
  return divRoundHalfUp(BigInt(outstanding) * BigInt(aprBp), MONTHLY_RATE_DENOMINATOR);
}

/**
 * Splits level payments into interest (outstanding × r, to the cent) and principal; the last
 * installment takes exactly what principal remains, so the principals always add up to the
 * amount lent.
 */
function amortize(
  outstanding: Cents,
  aprBp: number,
  dueDates: readonly string[],
  firstNumber: number,
): ScheduledInstallment[] {
  const payment = monthlyPayment(outstanding, aprBp, dueDates.length);
  let remaining = outstanding;
  return dueDates.map((dueDate, index) => {
    const interest = monthlyInterest(remaining, aprBp);
    const isLast = index === dueDates.length - 1;
    // Only tiny plans can reach zero early (a few cents over many months); the cap keeps the
    // outstanding principal from ever going negative.
    const principal = isLast ? remaining : Math.min(Math.max(payment - interest, 0), remaining);
    remaining -= principal;
    return { number: firstNumber + index, dueDate, principal, interest, total: principal + interest };
  });
}

export interface MonthlyScheduleInput {
  principal: Cents;
  aprBp: number;
  termMonths: number;
  /** Disbursement (or conversion) date; installment k is due k months later. */
  startDate: string;
}

/** A `MONTHLY` plan: equal amortised payments with the last one absorbing rounding. */
export function monthlySchedule({
  principal,
  aprBp,
  termMonths,
  startDate,
}: MonthlyScheduleInput): ScheduledInstallment[] {
  assertCents(principal, 'principal');
  if (principal < 0) throw new RangeError('principal must not be negative');
  assertCount(termMonths, 'termMonths');
  const dueDates = Array.from({ length: termMonths }, (_, i) => addMonthsClamped(startDate, i + 1));
  return amortize(principal, aprBp, dueDates, 1);
}

export interface ReamortizeInput {
  /** Principal still owed after the prepayment. */
  outstanding: Cents;
  aprBp: number;
  /** The remaining installments' due dates, which do not move. */
  dueDates: readonly string[];
  /** Number of the first remaining installment, so numbering continues the original plan. */
  firstNumber: number;
}

/**
 * After a prepayment, the remaining principal is spread again over the same remaining due
 * dates with the same rules: the borrower pays less each month, not for fewer months.
 */
export function reamortize({
  outstanding,
  aprBp,
  dueDates,
  firstNumber,
}: ReamortizeInput): ScheduledInstallment[] {
  assertCents(outstanding, 'outstanding');
  if (outstanding < 0) throw new RangeError('outstanding must not be negative');
  assertCount(dueDates.length, 'number of remaining installments');
  assertCount(firstNumber, 'firstNumber');
  return amortize(outstanding, aprBp, dueDates, firstNumber);
}

/**
 * Merchant pay-in-4: no interest, four equal parts with the odd cents on the first part (paid
 * at checkout, so the shopper never owes a larger amount later), then every 14 days.
 */
export function payIn4Schedule(total: Cents, startDate: string): ScheduledInstallment[] {
  assertCents(total, 'total');
  if (total < 0) throw new RangeError('total must not be negative');
  const part = Math.floor(total / PAY_IN_4_PARTS);
  const first = total - part * (PAY_IN_4_PARTS - 1);
  return Array.from({ length: PAY_IN_4_PARTS }, (_, i) => {
    const amount = i === 0 ? first : part;
    return {
      number: i + 1,
      dueDate: addDays(startDate, i * PAY_IN_4_INTERVAL_DAYS),
      principal: amount,
      interest: 0,
      total: amount,
    };
  });
}

/** A card purchase is one interest-free installment due 45 days after the purchase. */
export function interestFree45Schedule(total: Cents, purchaseDate: string): ScheduledInstallment[] {
  assertCents(total, 'total');
  if (total < 0) throw new RangeError('total must not be negative');
  return [
    { number: 1, dueDate: addDays(purchaseDate, INTEREST_FREE_DAYS), principal: total, interest: 0, total },
  ];
}

/** The late fee for an installment: the lesser of $15.00 and 5% of it, half-up. */
export function lateFee(installmentTotal: Cents): Cents {
  assertCents(installmentTotal, 'installment total');
  if (installmentTotal <= 0) return 0;
  return Math.min(LATE_FEE_CAP, percentOfBp(installmentTotal, LATE_FEE_BP));
}
