/**
 * An independent model of an account's money, written from SPEC sections 4, 5, 6 and 9 for
 * the property tests (it imports nothing from src/: the point is to check the product's math
 * against a second implementation). Integer cents everywhere, half-up rounding.
 *
 * A `Book` holds an account's plans and installments as the model expects them, and applies
 * what happens to them: purchases, refunds' cancelled parts, payments (allocation in due-date
 * order, fee → interest → principal, prepayment re-amortising the oldest plan, payoff without
 * future interest), conversions and the daily job (45-day conversion, late fees, days past
 * due, charge-off at 120 days).
 */

/** n / d rounded half-up, for n ≥ 0 and d > 0 (exact, through BigInt). */
export function divHalfUp(n: number, d: number): number {
  if (n < 0) return -divHalfUp(-n, d);
  const N = BigInt(n);
  const D = BigInt(d);
  return Number((2n * N + D) / (2n * D));
}

const parse = (date: string) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { y, m, d };
};
const fmt = (t: number) => new Date(t).toISOString().slice(0, 10);

export const addDays = (date: string, days: number): string => {
  const { y, m, d } = parse(date);
  return fmt(Date.UTC(y, m - 1, d + days));
};

export const daysBetween = (from: string, to: string): number => {
  const a = parse(from);
  const b = parse(to);
  return Math.round((Date.UTC(b.y, b.m - 1, b.d) - Date.UTC(a.y, a.m - 1, a.d)) / 86_400_000);
};

/** The start date plus k months, clamped to the last day of that month (SPEC section 5). */
export const addMonths = (date: string, k: number): string => {
  const { y, m, d } = parse(date);
  const first = new Date(Date.UTC(y, m - 1 + k, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return fmt(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, last)));
};

/** "7.99" → 799 basis points. */
export const aprBp = (apr: string): number => Math.round(Number(apr) * 100);

/** One month's interest: outstanding × APR / 12, half-up to the cent. */
export const monthInterest = (outstanding: number, bp: number): number =>
  divHalfUp(outstanding * bp, 12 * 10_000);

/** P·r / (1 − (1 + r)^−n), r = APR/12, half-up to the cent (P / n at 0%). */
export function levelPayment(principal: number, bp: number, n: number): number {
  if (bp === 0) return divHalfUp(principal, n);
  const r = bp / 120_000;
  return Math.round((principal * r) / (1 - (1 + r) ** -n));
}

export interface Row {
  number: number;
  dueDate: string;
  principal: number;
  interest: number;
}

/** Equal amortised payments over `dueDates`; the last one takes the principal left (the rounding). */
export function amortise(principal: number, bp: number, dueDates: string[], firstNumber = 1): Row[] {
  const pay = levelPayment(principal, bp, dueDates.length);
  let left = principal;
  return dueDates.map((dueDate, k) => {
    const interest = monthInterest(left, bp);
    const last = k === dueDates.length - 1;
    const p = last ? left : Math.min(Math.max(pay - interest, 0), left);
    left -= p;
    return { number: firstNumber + k, dueDate, principal: p, interest };
  });
}

/** The lesser of $15.00 and 5% of the installment. */
export const lateFee = (total: number): number => Math.min(1500, divHalfUp(total * 5, 100));

export type Category = 'TRAVEL' | 'DINING' | 'GROCERY' | 'SHOPPING' | 'OTHER';
/** 10 points a whole dollar for travel and dining, 1 otherwise. */
export const purchasePoints = (amount: number, category: Category): number =>
  Math.floor(amount / 100) * (category === 'TRAVEL' || category === 'DINING' ? 10 : 1);
/** 1 cent a point as statement credit, 1.25 cents as travel; half-up. */
export const redemptionValue = (points: number, kind: 'TRAVEL' | 'STATEMENT_CREDIT'): number =>
  kind === 'TRAVEL' ? divHalfUp(points * 125, 100) : points;
/** Points to reverse after refunding `refunded` of `amount`: in proportion, half-up, all when refunded fully. */
export const pointsReversedAfter = (earned: number, amount: number, refunded: number): number =>
  refunded >= amount ? earned : divHalfUp(earned * refunded, amount);

export const ON_TIME_POINTS = 50;
/**
 * The product pays on-time points only for installments of at least $25.00 (principal and
 * interest): a rule of its own beyond SPEC section 6 (so that splitting a purchase into tiny
 * installments earns nothing); the model follows it.
 */
export const ON_TIME_MIN = 2500;

export type InstStatus = 'SCHEDULED' | 'PARTIALLY_PAID' | 'PAID' | 'LATE';
export interface Inst {
  number: number;
  dueDate: string;
  principal: number;
  interest: number;
  fee: number;
  paidFee: number;
  paidInterest: number;
  paidPrincipal: number;
  status: InstStatus;
  /** Interest taken into income (on its due date, or when some of it was paid). */
  recognized: boolean;
}
export type PlanKind = 'MONTHLY' | 'INTEREST_FREE_45';
export type PlanStatus = 'ACTIVE' | 'PAID_OFF' | 'CHARGED_OFF' | 'CONVERTED';
export interface Plan {
  kind: PlanKind;
  status: PlanStatus;
  bp: number;
  /** The purchase (or charge) a 45-day bill or its conversion is for, in the caller's terms. */
  source: string | null;
  installments: Inst[];
}

export const paid = (i: Inst) => i.paidFee + i.paidInterest + i.paidPrincipal;
export const unpaid = (i: Inst) => i.fee + i.interest + i.principal - paid(i);

const newInst = (r: Row): Inst => ({
  ...r,
  fee: 0,
  paidFee: 0,
  paidInterest: 0,
  paidPrincipal: 0,
  status: 'SCHEDULED',
  recognized: false,
});

export interface Allocation {
  plan: Plan;
  inst: Inst;
  fee: number;
  interest: number;
  principal: number;
}

export interface Applied {
  allocations: Allocation[];
  prepayment: number;
  /** On-time points earned, and the 45-day bills (by source) that earned them. */
  points: number;
  onTimeSources: string[];
}

export class Book {
  plans: Plan[] = [];
  /** `today`: the business date; `accountBp`: the account's APR, for the conversions the daily job makes. */
  constructor(
    public today: string,
    public accountBp: number,
  ) {}

  active(): Plan[] {
    return this.plans.filter((p) => p.status === 'ACTIVE');
  }

  /** The plans the API lists: all but 45-day bills replaced by their conversion. */
  listed(): Plan[] {
    return this.plans.filter((p) => p.status !== 'CONVERTED');
  }

  monthly(principal: number, bp: number, months: number, start: string, source: string | null): Plan {
    const dates = Array.from({ length: months }, (_, k) => addMonths(start, k + 1));
    const plan: Plan = {
      kind: 'MONTHLY',
      status: 'ACTIVE',
      bp,
      source,
      installments: amortise(principal, bp, dates).map(newInst),
    };
    this.plans.push(plan);
    return plan;
  }

  bill(amount: number, source: string): Plan {
    const plan: Plan = {
      kind: 'INTEREST_FREE_45',
      status: 'ACTIVE',
      bp: 0,
      source,
      installments: [
        newInst({ number: 1, dueDate: addDays(this.today, 45), principal: amount, interest: 0 }),
      ],
    };
    this.plans.push(plan);
    return plan;
  }

  billOf(source: string): Plan | undefined {
    return this.plans.find((p) => p.kind === 'INTEREST_FREE_45' && p.source === source);
  }

  private items(plans = this.active()) {
    return plans.flatMap((plan) =>
      plan.installments.filter((i) => unpaid(i) > 0).map((inst) => ({ plan, inst })),
    );
  }

  /** What the payment goes to, in order: every past-due installment, then each plan's next one; by due date, older plan first. */
  payable(plans = this.active()): { plan: Plan; inst: Inst }[] {
    const open = this.items(plans);
    const pastDue = open.filter((x) => x.inst.dueDate < this.today);
    const next = new Map<Plan, { plan: Plan; inst: Inst }>();
    for (const x of open) {
      if (x.inst.dueDate < this.today) continue;
      const cur = next.get(x.plan);
      if (!cur || x.inst.dueDate < cur.inst.dueDate) next.set(x.plan, x);
    }
    const order = (p: Plan) => this.plans.indexOf(p);
    return [...pastDue, ...next.values()].sort(
      (a, b) =>
        (a.inst.dueDate < b.inst.dueDate ? -1 : a.inst.dueDate > b.inst.dueDate ? 1 : 0) ||
        order(a.plan) - order(b.plan),
    );
  }

  /** Unpaid principal, with the interest and fees of installments already due (today included). */
  payoff(plans = this.active()): number {
    return this.items(plans).reduce(
      (s, { inst: i }) =>
        s +
        i.principal -
        i.paidPrincipal +
        (i.dueDate <= this.today ? i.fee - i.paidFee + i.interest - i.paidInterest : 0),
      0,
    );
  }

  unpaidPrincipal(): number {
    return this.active()
      .flatMap((p) => p.installments)
      .reduce((s, i) => s + i.principal - i.paidPrincipal, 0);
  }

  /** What the ledger holds as owed: principal, fees, and interest once recognised. */
  owed(): number {
    return this.active()
      .flatMap((p) => p.installments)
      .reduce(
        (s, i) =>
          s +
          i.principal -
          i.paidPrincipal +
          i.fee -
          i.paidFee +
          (i.recognized ? i.interest - i.paidInterest : 0),
        0,
      );
  }

  /** Days since the oldest installment unpaid after its due date. */
  daysPastDue(): number {
    const due = this.items()
      .filter((x) => x.inst.dueDate < this.today)
      .map((x) => x.inst.dueDate)
      .sort();
    return due.length ? daysBetween(due[0]!, this.today) : 0;
  }

  private settle(inst: Inst, plan: Plan, earns: boolean, out: Applied): void {
    const scheduled = inst.principal + inst.interest;
    if (paid(inst) >= scheduled + inst.fee) {
      if (inst.status !== 'PAID') {
        inst.status = 'PAID';
        if (earns && this.today <= inst.dueDate && scheduled > 0 && scheduled >= ON_TIME_MIN) {
          out.points += ON_TIME_POINTS;
          if (plan.kind === 'INTEREST_FREE_45' && plan.source) out.onTimeSources.push(plan.source);
        }
      }
    } else if (paid(inst) > 0 && inst.status === 'SCHEDULED') inst.status = 'PARTIALLY_PAID';
  }

  /**
   * Money received (a payment, a redemption, a refund's paid part): allocated in due-date
   * order, the rest prepaying the oldest plan's untouched installments (re-amortised over the
   * same dates); equal to the payoff, it pays every principal and no future interest.
   */
  apply(amount: number, opts: { earns?: boolean; plans?: Plan[] } = {}): Applied {
    const plans = opts.plans ?? this.active();
    const earns = opts.earns ?? true;
    const payoff = this.payoff(plans);
    if (amount > payoff) throw new Error(`model: ${amount} over the payoff ${payoff}`);
    const out: Applied = { allocations: [], prepayment: 0, points: 0, onTimeSources: [] };
    const payable = new Set(this.payable(plans).map((x) => x.inst));
    let left = amount;
    if (amount === payoff) {
      for (const { plan, inst } of this.items(plans)) {
        const due = inst.dueDate <= this.today;
        out.allocations.push({
          plan,
          inst,
          fee: due ? inst.fee - inst.paidFee : 0,
          interest: due ? inst.interest - inst.paidInterest : 0,
          principal: inst.principal - inst.paidPrincipal,
        });
      }
      out.allocations = out.allocations.filter((a) => a.fee + a.interest + a.principal > 0);
      for (const plan of plans)
        for (const i of plan.installments) if (i.dueDate > this.today) i.interest = i.paidInterest;
      left = 0;
    } else {
      for (const { plan, inst } of this.payable(plans)) {
        if (left <= 0) break;
        const fee = Math.min(left, inst.fee - inst.paidFee);
        left -= fee;
        const interest = Math.min(left, inst.interest - inst.paidInterest);
        left -= interest;
        const principal = Math.min(left, inst.principal - inst.paidPrincipal);
        left -= principal;
        out.allocations.push({ plan, inst, fee, interest, principal });
      }
    }
    for (const a of out.allocations) {
      if (a.interest > 0) a.inst.recognized = true;
      a.inst.paidFee += a.fee;
      a.inst.paidInterest += a.interest;
      a.inst.paidPrincipal += a.principal;
      this.settle(a.inst, a.plan, earns && payable.has(a.inst), out);
    }
    out.prepayment = left;
    for (const plan of plans) {
      if (left <= 0) break;
      const future = plan.installments.filter((i) => paid(i) === 0 && i.dueDate >= this.today);
      const remaining = future.reduce((s, i) => s + i.principal, 0);
      if (remaining <= 0) continue;
      const take = Math.min(left, remaining);
      left -= take;
      const rows =
        remaining - take > 0
          ? amortise(
              remaining - take,
              plan.bp,
              future.map((i) => i.dueDate),
              future[0]!.number,
            )
          : [];
      future.forEach((inst, k) => {
        inst.principal = rows[k]?.principal ?? 0;
        inst.interest = rows[k]?.interest ?? 0;
        if (!rows[k]) this.settle(inst, plan, false, out);
      });
    }
    if (left !== 0) throw new Error(`model: ${left} cents left unallocated`);
    for (const plan of plans)
      if (plan.status === 'ACTIVE' && plan.installments.every((i) => i.status === 'PAID'))
        plan.status = 'PAID_OFF';
    return out;
  }

  /** Converts what is unpaid of a 45-day bill into a monthly plan starting on `start`. */
  convert(bill: Plan, months: number, bp: number, start: string): Plan {
    const i = bill.installments[0]!;
    bill.status = 'CONVERTED';
    return this.monthly(i.principal - i.paidPrincipal, bp, months, start, bill.source);
  }

  /**
   * The daily job for the day `day` (the clock is on it): interest due is recognised, 45-day
   * bills unpaid after their due date become 6-month plans from that date, installments
   * unpaid 3 days after their due date are LATE with their fee (once). Returns what happened;
   * the caller decides the charge-off from `daysPastDue()`.
   */
  day(day: string, accountActive: boolean): { conversions: Plan[]; lateFees: number } {
    this.today = day;
    const plans = this.active();
    const out = { conversions: [] as Plan[], lateFees: 0 };
    for (const plan of plans)
      for (const i of plan.installments) if (i.dueDate <= day && i.interest > 0) i.recognized = true;
    if (accountActive)
      for (const plan of plans) {
        const i = plan.installments[0]!;
        if (plan.kind !== 'INTEREST_FREE_45' || i.dueDate >= day || i.principal <= i.paidPrincipal) continue;
        out.conversions.push(this.convert(plan, 6, this.accountBp, i.dueDate));
      }
    for (const plan of plans) {
      if (plan.status !== 'ACTIVE') continue;
      for (const i of plan.installments) {
        if (i.dueDate > addDays(day, -3) || i.status === 'PAID' || i.status === 'LATE' || unpaid(i) <= 0)
          continue;
        i.status = 'LATE';
        if (i.fee === 0) {
          i.fee = lateFee(i.principal + i.interest);
          out.lateFees++;
        }
      }
    }
    return out;
  }

  /** Charged off: every active plan stops. */
  chargeOff(): void {
    for (const p of this.active()) p.status = 'CHARGED_OFF';
  }
}

/** A cut-down view of the API's installment, for comparing with the model. */
export interface ShownInstallment {
  number: number;
  dueDate: string;
  status: string;
  principal: number;
  interest: number;
  fee: number;
  paid: number;
}

export const shown = (p: Plan) => ({
  kind: p.kind,
  status: p.status,
  installments: p.installments.map((i): ShownInstallment => ({
    number: i.number,
    dueDate: i.dueDate,
    status: i.status,
    principal: i.principal,
    interest: i.interest,
    fee: i.fee,
    paid: paid(i),
  })),
});

/** An account's plans as the API shows them (`installmentPlans`), cut down the same way, in cents. */
/**
 * What both property tests read of an account after every step: the GraphQL selection and
 * its type (each test adds what else it needs).
 */
export const ACCOUNT_STATE_FIELDS = `apr status daysPastDue delinquencyBucket closureRequestedAt
    availableCredit { amount } outstandingBalance { amount }
    installmentPlans { id kind status installments { number dueDate status principal { amount } interest { amount } fee { amount } paid { amount } } }`;

export interface ApiAccountState {
  apr: string;
  status: string;
  daysPastDue: number;
  delinquencyBucket: string;
  closureRequestedAt: string | null;
  availableCredit: { amount: string };
  outstandingBalance: { amount: string };
  installmentPlans: (ApiPlan & { id: string })[];
}

export interface ApiPlan {
  kind: string;
  status: string;
  installments: {
    number: number;
    dueDate: string;
    status: string;
    principal: { amount: string };
    interest: { amount: string };
    fee: { amount: string };
    paid: { amount: string };
  }[];
}
const inCents = (amount: string): number => Math.round(Number(amount) * 100);
export const apiPlans = (plans: ApiPlan[]) =>
  plans.map((pl) => ({
    kind: pl.kind,
    status: pl.status,
    installments: pl.installments.map((i): ShownInstallment => ({
      number: i.number,
      dueDate: i.dueDate,
      status: i.status,
      principal: inCents(i.principal.amount),
      interest: inCents(i.interest.amount),
      fee: inCents(i.fee.amount),
      paid: inCents(i.paid.amount),
    })),
  }));

/** The delinquency bucket of some days past due. */
export const bucket = (days: number): string =>
  days <= 0
    ? 'CURRENT'
    : days <= 30
      ? 'DPD_1_30'
      : days <= 60
        ? 'DPD_31_60'
        : days <= 90
          ? 'DPD_61_90'
          : 'DPD_90_PLUS';

/** Counts of the cases a property run reached, printed at the end and checked against minimums. */
export class Reached {
  readonly counts = new Map<string, number>();
  constructor(readonly names: readonly string[]) {
    for (const n of names) this.counts.set(n, 0);
  }
  hit(name: string, n = 1): void {
    if (!this.counts.has(name)) throw new Error(`unknown case ${name}`);
    this.counts.set(name, this.counts.get(name)! + n);
  }
  /** A small table for the log. */
  table(title: string): string {
    const width = Math.max(...this.names.map((n) => n.length));
    return [title, ...this.names.map((n) => `  ${n.padEnd(width)}  ${this.counts.get(n)}`)].join('\n');
  }
}
