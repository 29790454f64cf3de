import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { RequestAccountClosureDocument } from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { makeAdmin, openCreditLine, signUp, type SignedUp } from '../support/fixtures';
import { cents, dollars, moneyClient, type Category } from '../support/money';
import {
  addDays,
  apiPlans,
  ACCOUNT_STATE_FIELDS,
  type ApiAccountState,
  aprBp,
  Book,
  bucket,
  daysBetween,
  pointsReversedAfter,
  purchasePoints,
  Reached,
  redemptionValue,
  shown,
  unpaid,
  type Plan,
} from '../support/money-model';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * Random sequences of purchases, refunds, redemptions, conversions, payments, clock moves and
 * closure requests on a member's credit lines (several limits), through the real API. An
 * independent model (test/support/money-model.ts and the rewards rules below, written from
 * SPEC sections 4-6 and 9, importing nothing from src/) predicts every decision, plan,
 * installment, payoff quote, balance, transaction, point and clawback; after every step the
 * API must show exactly the model, the ledger must agree and balance, and nothing may be left
 * owed back to the member. Points never create credit. After a closure (or a charge-off) the
 * account goes on being checked: what it refuses, it refuses with the exact user error, and
 * its balances stay.
 */
let s: TestServer;
let admin: SignedUp;
let m: ReturnType<typeof moneyClient>;
beforeAll(async () => {
  // No amount here may hit the simulated gateway's failure or timeout amounts (refunds pay back through it).
  s = await startTestServer({
    env: { GATEWAY_FAIL_AMOUNTS: '99999.99', GATEWAY_TIMEOUT_AMOUNTS: '99999.98' },
  });
  admin = await makeAdmin(s);
  m = moneyClient(s);
});
afterAll(async () => {
  await s?.close();
});

const STATE = `query($id: ID!) {
  account(id: $id) {
    ${ACCOUNT_STATE_FIELDS}
    cards { status }
    transactions(first: 100) { edges { node { id kind status amount { amount } refunded { amount } rewardPoints declineReason } } }
  }
  payoffQuote(accountId: $id) { amount }
  me { rewards { balance } }
  sandboxClock { today }
}`;
interface State {
  account: ApiAccountState & {
    cards: { status: string }[];
    transactions: {
      edges: {
        node: {
          id: string;
          kind: string;
          status: string;
          amount: { amount: string };
          refunded: { amount: string };
          rewardPoints: number;
          declineReason: string | null;
        };
      }[];
    };
  };
  payoffQuote: { amount: string };
  me: { rewards: { balance: number } };
  sandboxClock: { today: string };
}

type BuyAmount = 'all' | 'overAvailable' | 'cent' | 'small' | 'onTimeMin' | 'random';
type RedeemHow = 'all' | 'min' | 'under' | 'payoff' | 'overPayoff';
type PayHow = 'payoff' | 'share' | 'cent' | 'next' | 'prepay';
type Op =
  | { kind: 'buy'; target: number; how: BuyAmount; amount: number; category: Category }
  | { kind: 'refund'; target: number; pick: number; full: boolean; share: number; latest?: boolean }
  | { kind: 'redeem'; target: number; how: RedeemHow; travel: boolean }
  | { kind: 'convert'; target: number; pick: number; months: number }
  /** A purchase in a 10-point category, its points redeemed, then refunded: the clawback's ground. */
  | { kind: 'cycle'; target: number; amount: number; full: boolean; share: number; travel: boolean }
  | { kind: 'pay'; target: number; how: PayHow; share: number }
  | { kind: 'advance'; to: 'day' | 'twoWeeks' | 'pastGrace' | 'past45' }
  | { kind: 'close'; target: number };

const target = fc.nat({ max: 11 });
const pick = fc.nat({ max: 99 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('buy' as const),
      target,
      how: fc.constantFrom<BuyAmount>(
        'random',
        'random',
        'random',
        'all',
        'overAvailable',
        'cent',
        'small',
        'onTimeMin',
      ),
      amount: fc.integer({ min: 100, max: 40_000 }),
      // mostly 10-point categories, so that redemptions and the refunds that follow them are common
      category: fc.constantFrom<Category>(
        'TRAVEL',
        'DINING',
        'TRAVEL',
        'DINING',
        'GROCERY',
        'SHOPPING',
        'OTHER',
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      target,
      pick,
      full: fc.boolean(),
      share: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('redeem' as const),
      target,
      how: fc.constantFrom<RedeemHow>('all', 'all', 'min', 'min', 'payoff', 'under', 'overPayoff'),
      travel: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('convert' as const),
      target,
      pick,
      months: fc.constantFrom(3, 6, 12),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('cycle' as const),
      target,
      amount: fc.integer({ min: 10_000, max: 40_000 }),
      full: fc.boolean(),
      share: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
      travel: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      target,
      how: fc.constantFrom<PayHow>('payoff', 'share', 'cent', 'next', 'prepay'),
      share: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      to: fc.constantFrom(
        'day' as const,
        'twoWeeks' as const,
        'pastGrace' as const,
        'pastGrace' as const,
        'past45' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), target }) },
);

const CASES = [
  'limit $500',
  'limit $1,000',
  'limit $2,500',
  'limit $10,000',
  'purchase approved',
  'declined: insufficient credit',
  'purchase of all available credit',
  'declined: card frozen',
  'declined: card closed',
  'partial refund',
  'full refund',
  'refund of a paid purchase',
  'refund after redemption',
  'clawback charged',
  'refund of converted refused',
  'redemption succeeded',
  'redemption over payoff refused',
  'redemption as payoff',
  'conversion',
  'auto conversion',
  'late fee',
  'payment',
  'payoff',
  'prepayment',
  'on-time points',
  'closure at once',
  'closure pending',
  'closed by settling',
  'refused after closure',
] as const;
type Case = (typeof CASES)[number];
/**
 * What the three examples alone reach (measured: at least these), so that a random draw short
 * of a case cannot fail the run; the random runs add to every count.
 */
const MINIMUM: Record<Case, number> = {
  'limit $500': 1,
  'limit $1,000': 1,
  'limit $2,500': 1,
  'limit $10,000': 1,
  'purchase approved': 12,
  'declined: insufficient credit': 1,
  'purchase of all available credit': 1,
  'declined: card frozen': 1,
  'declined: card closed': 1,
  'partial refund': 2,
  'full refund': 3,
  'refund of a paid purchase': 2,
  'refund after redemption': 4,
  'clawback charged': 2,
  'refund of converted refused': 1,
  'redemption succeeded': 5,
  'redemption over payoff refused': 1,
  'redemption as payoff': 1,
  conversion: 2,
  'auto conversion': 1,
  'late fee': 1,
  payment: 3,
  payoff: 5,
  prepayment: 1,
  'on-time points': 4,
  'closure at once': 1,
  'closure pending': 1,
  'closed by settling': 1,
  'refused after closure': 3,
};
const reached = new Reached(CASES);

/** A card transaction as the model expects it. */
interface Txn {
  id: string;
  kind: 'PURCHASE' | 'REWARDS_CLAWBACK';
  status: 'APPROVED' | 'DECLINED' | 'REFUNDED';
  declineReason: string | null;
  amount: number;
  refunded: number;
  /** Purchase points earned and reversed. */
  earned: number;
  reversed: number;
  /** On-time points its 45-day bill earned, and how many refunds reversed. */
  onTime: number;
  onTimeReversed: number;
  converted: boolean;
}

type Status = 'ACTIVE' | 'CHARGED_OFF' | 'CLOSED';
interface Line {
  accountId: string;
  cardId: string;
  limit: number;
  book: Book;
  status: Status;
  closing: boolean;
  requested: boolean;
  dpd: number;
  txns: Txn[];
}
/** The member's points, and their redemptions (oldest first) with the points refunds clawed back. */
interface Member {
  u: SignedUp;
  balance: number;
  redemptions: { points: number; value: number; clawedBack: number }[];
  lines: Line[];
  /** A redemption succeeded since the member's last refund started. */
  redeemedBefore: boolean;
}

const available = (l: Line) => (l.status === 'CHARGED_OFF' ? 0 : l.limit - l.book.unpaidPrincipal());

/** The API shows exactly the model, the ledger agrees and balances, nothing is owed back. */
async function check(mem: Member, l: Line): Promise<void> {
  const st = ok(await s.gql<State>(STATE, { id: l.accountId }, { token: mem.u.accessToken }));
  const a = st.account;
  const { book } = l;
  expect(st.sandboxClock.today).toBe(book.today);
  expect({
    status: a.status,
    closureRequested: a.closureRequestedAt !== null,
    cards: a.cards.map((c) => c.status),
  }).toEqual({
    status: l.status,
    closureRequested: l.requested,
    cards: [l.status === 'ACTIVE' ? (l.closing ? 'FROZEN' : 'ACTIVE') : 'CLOSED'],
  });
  expect({ daysPastDue: a.daysPastDue, bucket: a.delinquencyBucket }).toEqual({
    daysPastDue: l.dpd,
    bucket: bucket(l.dpd),
  });
  expect(apiPlans(a.installmentPlans)).toEqual(book.listed().map(shown));
  // a clawback charge the model made is the API's new one
  for (const e of a.transactions.edges) {
    const pending = l.txns.find((t) => t.id === '' && t.kind === e.node.kind);
    if (!l.txns.some((t) => t.id === e.node.id) && pending) {
      pending.id = e.node.id;
      for (const p of book.plans) if (p.source === '') p.source = e.node.id;
    }
  }
  const byId = (x: { id: string }, y: { id: string }) => x.id.localeCompare(y.id);
  expect(
    a.transactions.edges
      .map((e) => ({
        id: e.node.id,
        kind: e.node.kind,
        status: e.node.status,
        declineReason: e.node.declineReason,
        amount: cents(e.node.amount.amount),
        refunded: cents(e.node.refunded.amount),
        rewardPoints: e.node.rewardPoints,
      }))
      .sort(byId),
  ).toEqual(
    l.txns
      .map((t) => ({
        id: t.id,
        kind: t.kind,
        status: t.status,
        declineReason: t.declineReason,
        amount: t.amount,
        refunded: t.refunded,
        rewardPoints: t.earned - t.reversed,
      }))
      .sort(byId),
  );
  expect(st.me.rewards.balance).toBe(mem.balance);
  const owed = l.status === 'CHARGED_OFF' ? 0 : book.owed();
  expect(cents(a.outstandingBalance.amount)).toBe(owed);
  expect(cents(st.payoffQuote.amount)).toBe(book.payoff());
  expect(cents(a.availableCredit.amount)).toBe(available(l));
  const id = fromGlobalId(l.accountId)!.id;
  const ledger = (await s.app.services.ledger.receivables(s.app.orm.em.fork(), [id])).get(id)!;
  expect(ledger.principal + ledger.interest + ledger.fees).toBe(owed);
  expect(ledger.principal).toBe(l.status === 'CHARGED_OFF' ? 0 : book.unpaidPrincipal());
}

/** The product closes a line asked to close as soon as it owes nothing. */
function settleClosure(l: Line): void {
  if (l.closing && l.status === 'ACTIVE' && l.book.owed() === 0) {
    l.status = 'CLOSED';
    l.closing = false;
    reached.hit('closed by settling');
  }
}

/** Money applied to the line (payment, redemption, a refund's paid part), points earned on time credited. */
function applyTo(mem: Member, l: Line, amount: number, opts: { earns: boolean; plans?: Plan[] }) {
  const applied = l.book.apply(amount, opts);
  mem.balance += applied.points;
  for (const src of applied.onTimeSources) l.txns.find((t) => t.id === src)!.onTime += 50;
  if (applied.points > 0) reached.hit('on-time points');
  if (applied.prepayment > 0) reached.hit('prepayment');
  if (l.status === 'ACTIVE') l.dpd = l.book.daysPastDue();
  return applied;
}

const expectRefused = (
  r: { userErrors: { code: string; field?: string[] | null }[] },
  code: string,
  field: string[],
) => expect(r.userErrors).toEqual([expect.objectContaining({ code, field })]);

async function buy(mem: Member, l: Line, o: Extract<Op, { kind: 'buy' }>): Promise<void> {
  const room = available(l);
  const amount =
    { all: room, overAvailable: room + 1, cent: 1, small: 99, onTimeMin: 2500, random: o.amount }[o.how] || 1;
  const r = await m.buy(mem.u, l.cardId, dollars(amount), o.category);
  expect(r.userErrors).toEqual([]);
  const decline =
    l.status !== 'ACTIVE'
      ? 'CARD_CLOSED'
      : l.closing
        ? 'CARD_FROZEN'
        : room < amount
          ? 'INSUFFICIENT_CREDIT'
          : null;
  const earned = decline ? 0 : purchasePoints(amount, o.category);
  const t: Txn = {
    id: r.transaction!.id,
    kind: 'PURCHASE',
    status: decline ? 'DECLINED' : 'APPROVED',
    declineReason: decline,
    amount,
    refunded: 0,
    earned,
    reversed: 0,
    onTime: 0,
    onTimeReversed: 0,
    converted: false,
  };
  l.txns.push(t);
  expect({ status: r.transaction!.status, points: r.transaction!.rewardPoints }).toEqual({
    status: t.status,
    points: earned,
  });
  if (decline === 'CARD_CLOSED') reached.hit('declined: card closed');
  if (decline === 'CARD_FROZEN') reached.hit('declined: card frozen');
  if (decline === 'INSUFFICIENT_CREDIT') reached.hit('declined: insufficient credit');
  if (decline) return;
  reached.hit('purchase approved');
  if (amount === room) reached.hit('purchase of all available credit');
  mem.balance += earned;
  l.book.bill(amount, t.id);
}

/** Points a refund takes back beyond the balance are charged at their redeemed value, latest redemptions first. */
function clawback(mem: Member, short: number): number {
  let left = short;
  let value = 0;
  for (const r of [...mem.redemptions].reverse()) {
    if (left <= 0) break;
    const points = Math.min(left, r.points - r.clawedBack);
    if (points <= 0) continue;
    const worth = (clawed: number) => Math.floor((r.value * clawed * 2 + r.points) / (2 * r.points));
    value += worth(r.clawedBack + points) - worth(r.clawedBack);
    r.clawedBack += points;
    left -= points;
  }
  return value + left;
}

async function refund(mem: Member, l: Line, o: Extract<Op, { kind: 'refund' }>): Promise<void> {
  const candidates = l.txns.filter((t) => t.kind === 'PURCHASE' && t.status === 'APPROVED');
  if (!candidates.length) return;
  const t = o.latest ? candidates[candidates.length - 1]! : candidates[o.pick % candidates.length]!;
  const left = t.amount - t.refunded;
  const amount = o.full ? left : Math.max(1, Math.round(left * o.share));
  const r = await m.refund(mem.u, t.id, dollars(amount));
  if (t.converted) {
    expectRefused(r, 'INVALID_STATE', ['input', 'transactionId']);
    reached.hit('refund of converted refused');
    return;
  }
  expect(r.userErrors).toEqual([]);
  reached.hit(amount === left ? 'full refund' : 'partial refund');
  if (mem.redeemedBefore) reached.hit('refund after redemption');
  mem.redeemedBefore = false;
  const { book } = l;
  // what is still owed of the purchase is cancelled; the rest was paid and is credited or returned
  const bill = book.billOf(t.id)!;
  const inst = bill.installments[0]!;
  const owedPart = Math.min(amount, Math.max(0, inst.principal - inst.paidPrincipal));
  inst.principal -= owedPart;
  if (owedPart > 0 && unpaid(inst) <= 0) {
    inst.status = 'PAID';
    bill.status = 'PAID_OFF';
  }
  const returned = amount - owedPart;
  if (returned > 0) reached.hit('refund of a paid purchase');
  t.refunded += amount;
  if (t.refunded === t.amount) t.status = 'REFUNDED';
  // points back in proportion (the purchase's, and the on-time points of its bill); beyond the balance, charged
  const reverse = pointsReversedAfter(t.earned, t.amount, t.refunded) - t.reversed;
  t.reversed += reverse;
  const back = pointsReversedAfter(t.onTime, t.amount, t.refunded) - t.onTimeReversed;
  t.onTimeReversed += back;
  const taken = Math.min(mem.balance, reverse + back);
  mem.balance -= taken;
  const value = reverse + back > taken ? clawback(mem, reverse + back - taken) : 0;
  let charge: Plan | null = null;
  if (value > 0) {
    reached.hit('clawback charged');
    l.txns.push({
      id: '',
      kind: 'REWARDS_CLAWBACK',
      status: 'APPROVED',
      declineReason: null,
      amount: value,
      refunded: 0,
      earned: 0,
      reversed: 0,
      onTime: 0,
      onTimeReversed: 0,
      converted: false,
    });
    charge = book.bill(value, '');
  }
  // the paid part pays the charge first, then what else is owed (no points); the rest goes back to the bank
  let credited = 0;
  if (charge && returned > 0) {
    credited = Math.min(returned, value);
    applyTo(mem, l, credited, { earns: false, plans: [charge] });
  }
  const rest = Math.min(returned - credited, book.payoff());
  if (rest > 0) applyTo(mem, l, rest, { earns: false });
  else if (l.status === 'ACTIVE') l.dpd = book.daysPastDue();
  settleClosure(l);
}

async function redeem(mem: Member, l: Line, o: Extract<Op, { kind: 'redeem' }>): Promise<void> {
  const kind = o.travel ? 'TRAVEL' : 'STATEMENT_CREDIT';
  const payoff = l.book.payoff();
  // points worth the payoff quote (at most): a redemption that pays the line off
  const forPayoff = o.travel ? Math.floor((payoff * 100) / 125) : payoff;
  const points = {
    all: Math.max(1000, Math.min(mem.balance, forPayoff)),
    min: 1000,
    under: 999,
    payoff: Math.max(1000, forPayoff),
    overPayoff: Math.max(1000, forPayoff + 1),
  }[o.how];
  const value = redemptionValue(points, kind);
  const r = await m.redeem(mem.u, l.accountId, points, kind);
  if (points < 1000) return expectRefused(r, 'INVALID_INPUT', ['input', 'points']);
  if (l.status !== 'ACTIVE') {
    reached.hit('refused after closure');
    return expectRefused(r, 'INVALID_STATE', ['input', 'accountId']);
  }
  if (points > mem.balance) return expectRefused(r, 'INSUFFICIENT_POINTS', ['input', 'points']);
  if (value > payoff) {
    reached.hit('redemption over payoff refused');
    return expectRefused(r, 'AMOUNT_EXCEEDS_BALANCE', ['input', 'points']);
  }
  expect(r.userErrors).toEqual([]);
  expect(cents(r.redemption!.value.amount)).toBe(value);
  mem.balance -= points;
  mem.redemptions.push({ points, value, clawedBack: 0 });
  mem.redeemedBefore = true;
  reached.hit('redemption succeeded');
  if (value === payoff) reached.hit('redemption as payoff');
  applyTo(mem, l, value, { earns: true });
  settleClosure(l);
}

async function convert(mem: Member, l: Line, o: Extract<Op, { kind: 'convert' }>): Promise<void> {
  const candidates = l.txns.filter((t) => t.kind === 'PURCHASE' && t.status !== 'DECLINED');
  if (!candidates.length) return;
  const t = candidates[o.pick % candidates.length]!;
  const r = await m.convert(mem.u, t.id, o.months);
  const bill = l.book.billOf(t.id)!;
  const i = bill.installments[0]!;
  if (t.status !== 'APPROVED' || t.converted || bill.status !== 'ACTIVE' || l.book.today >= i.dueDate)
    return expectRefused(r, 'INVALID_STATE', ['input', 'transactionId']);
  expect(r.userErrors).toEqual([]);
  const plan = l.book.convert(bill, o.months, l.book.accountBp, l.book.today);
  t.converted = true;
  expect(cents(r.plan!.principal.amount)).toBe(plan.installments.reduce((sum, x) => sum + x.principal, 0));
  reached.hit('conversion');
}

async function pay(mem: Member, l: Line, o: Extract<Op, { kind: 'pay' }>): Promise<void> {
  const payoff = l.book.payoff();
  const next = l.book.payable()[0];
  const dueNow = l.book.payable().reduce((sum, x) => sum + unpaid(x.inst), 0);
  const amount =
    {
      payoff,
      share: Math.max(1, Math.floor(payoff * o.share)),
      cent: 1,
      next: next ? unpaid(next.inst) : 1,
      // every bill payable now, and a share of the rest: a prepayment of the oldest plan
      prepay: Math.min(payoff, dueNow + Math.max(1, Math.floor((payoff - dueNow) * o.share))),
    }[o.how] || 1;
  const r = await m.pay(mem.u, l.accountId, dollars(amount));
  if (l.status !== 'ACTIVE') {
    reached.hit('refused after closure');
    return expectRefused(r, 'INVALID_STATE', ['input', 'accountId']);
  }
  if (amount > payoff) return expectRefused(r, 'AMOUNT_EXCEEDS_BALANCE', ['input', 'amount']);
  expect(r.userErrors).toEqual([]);
  expect(r.payment!.status).toBe('SUCCEEDED');
  const applied = applyTo(mem, l, amount, { earns: true });
  expect(cents(r.payment!.prepayment.amount)).toBe(applied.prepayment);
  reached.hit(amount === payoff ? 'payoff' : 'payment');
  settleClosure(l);
}

async function close(mem: Member, l: Line): Promise<void> {
  const r = ok(
    await s.gql(
      RequestAccountClosureDocument,
      { input: { accountId: l.accountId, idempotencyKey: randomUUID() } },
      { token: mem.u.accessToken },
    ),
  ).requestAccountClosure;
  if (l.status === 'CHARGED_OFF' && !l.requested)
    return expectRefused(r, 'INVALID_STATE', ['input', 'accountId']);
  expect(r.userErrors).toEqual([]);
  if (l.status === 'ACTIVE' && !l.requested) {
    l.requested = true;
    if (l.book.owed() === 0) {
      l.status = 'CLOSED';
      reached.hit('closure at once');
    } else {
      l.closing = true;
      reached.hit('closure pending');
    }
  } else if (l.status === 'CLOSED') reached.hit('refused after closure');
  expect(r.account!.status).toBe(l.status);
}

/** Each day costs a daily job (~75 ms here): a run moves the clock at most this far. */
const DAY_BUDGET = 80;

async function advance(mem: Member, o: Extract<Op, { kind: 'advance' }>, used: number): Promise<number> {
  const today = mem.lines[0]!.book.today;
  const dues = mem.lines.flatMap((l) =>
    l.book
      .active()
      .filter((p) => (o.to === 'past45' ? p.kind === 'INTEREST_FREE_45' : true))
      .flatMap((p) => p.installments)
      .filter((i) => i.status !== 'PAID' && i.dueDate >= today)
      .map((i) => i.dueDate),
  );
  const next = dues.sort()[0];
  let days = {
    day: 1,
    twoWeeks: 14,
    pastGrace: next ? daysBetween(today, addDays(next, 4)) : 3,
    past45: next ? daysBetween(today, addDays(next, 1)) : 3,
  }[o.to];
  if (used + days > DAY_BUDGET) days = 1;
  await m.advance(admin, days);
  for (const l of mem.lines)
    for (let d = 0; d < days; d++) {
      const day = addDays(l.book.today, 1);
      if (l.status !== 'ACTIVE') {
        l.book.today = day;
        continue;
      }
      const { conversions, lateFees } = l.book.day(day, true);
      for (const plan of conversions) {
        l.txns.find((t) => t.id === plan.source)!.converted = true;
        reached.hit('auto conversion');
      }
      reached.hit('late fee', lateFees);
      l.dpd = l.book.daysPastDue();
      if (l.dpd >= 120) {
        l.status = 'CHARGED_OFF';
        l.book.chargeOff();
      }
    }
  return days;
}

const LIMITS: Record<number, Case> = {
  50_000: 'limit $500',
  100_000: 'limit $1,000',
  250_000: 'limit $2,500',
  1_000_000: 'limit $10,000',
};

async function play(limits: number[], ops: Op[]): Promise<void> {
  const u = await signUp(s);
  const mem: Member = { u, balance: 0, redemptions: [], lines: [], redeemedBefore: false };
  for (const limit of limits) {
    const today = ok(
      await s.gql<Pick<State, 'sandboxClock'>>('{ sandboxClock { today } }', {}, { token: u.accessToken }),
    ).sandboxClock.today;
    const { accountId, cardId } = await openCreditLine(s, u, dollars(limit));
    const st = ok(await s.gql<State>(STATE, { id: accountId }, { token: u.accessToken }));
    const l: Line = {
      accountId,
      cardId,
      limit,
      book: new Book(today, aprBp(st.account.apr)),
      status: 'ACTIVE',
      closing: false,
      requested: false,
      dpd: 0,
      txns: [],
    };
    mem.lines.push(l);
    reached.hit(LIMITS[limit]!);
    await check(mem, l);
  }
  let used = 0;
  for (const o of ops) {
    const l = mem.lines['target' in o ? o.target % mem.lines.length : 0]!;
    if (o.kind === 'cycle') {
      await buy(mem, l, { kind: 'buy', target: 0, how: 'random', amount: o.amount, category: 'TRAVEL' });
      await check(mem, l);
      await redeem(mem, l, { kind: 'redeem', target: 0, how: 'all', travel: o.travel });
      await check(mem, l);
      await refund(mem, l, {
        kind: 'refund',
        target: 0,
        pick: 0,
        full: o.full,
        share: o.share,
        latest: true,
      });
    } else if (o.kind === 'buy') await buy(mem, l, o);
    else if (o.kind === 'refund') await refund(mem, l, o);
    else if (o.kind === 'redeem') await redeem(mem, l, o);
    else if (o.kind === 'convert') await convert(mem, l, o);
    else if (o.kind === 'pay') await pay(mem, l, o);
    else if (o.kind === 'close') await close(mem, l);
    else used += await advance(mem, o, used);
    // a clock move touches every line; anything else, its own (the member's points are checked with it)
    for (const x of o.kind === 'advance' ? mem.lines : [l]) await check(mem, x);
    const tb = await m.trialBalance(admin);
    expect(tb.totalDebits).toEqual(tb.totalCredits);
    // refunds paid back through the gateway: nothing is left owed to members
    expect(tb.accounts.find((a) => a.code === 'platform:customer_payable')?.balance.amount ?? '0.00').toBe(
      '0.00',
    );
  }
  // What is left is paid off, so that these lines leave the daily job of the next runs.
  for (const l of mem.lines)
    if (l.status === 'ACTIVE' && l.book.payoff() > 0) {
      await pay(mem, l, { kind: 'pay', target: 0, how: 'payoff', share: 1 });
      await check(mem, l);
    }
}

it('no sequence of legitimate calls creates money, and every figure is what the independent model says', async () => {
  const run = fc.asyncProperty(
    fc.array(fc.constantFrom(50_000, 100_000, 250_000, 1_000_000), { minLength: 1, maxLength: 2 }),
    fc.array(op, { minLength: 6, maxLength: 14 }),
    play,
  );
  await fc.assert(run, {
    numRuns: 13,
    // A failing sequence is reported as it is, not shrunk through dozens of re-runs until the
    // test's time runs out (one CI run ended in a bare timeout that way, with no sequence to
    // look at); a run stuck for a minute fails with its sequence too.
    endOnFailure: true,
    timeout: 60_000,
    examples: [
      // the case: buy, redeem the points, refund (and again), then close and keep going
      [
        [100_000, 50_000],
        [
          { kind: 'buy', target: 0, how: 'random', amount: 40_000, category: 'TRAVEL' },
          { kind: 'redeem', target: 0, how: 'all', travel: true },
          { kind: 'refund', target: 0, pick: 0, full: true, share: 1 },
          { kind: 'buy', target: 0, how: 'random', amount: 20_000, category: 'DINING' },
          { kind: 'pay', target: 0, how: 'share', share: 0.5 },
          { kind: 'redeem', target: 0, how: 'min', travel: false },
          { kind: 'refund', target: 0, pick: 0, full: true, share: 1 },
          { kind: 'buy', target: 1, how: 'all', amount: 0, category: 'OTHER' },
          { kind: 'buy', target: 1, how: 'cent', amount: 0, category: 'OTHER' },
          { kind: 'close', target: 1 },
          { kind: 'buy', target: 1, how: 'cent', amount: 0, category: 'OTHER' },
          { kind: 'redeem', target: 0, how: 'overPayoff', travel: false },
          { kind: 'pay', target: 1, how: 'payoff', share: 1 },
          { kind: 'buy', target: 1, how: 'cent', amount: 0, category: 'OTHER' },
          { kind: 'pay', target: 1, how: 'cent', share: 1 },
          { kind: 'close', target: 1 },
          { kind: 'redeem', target: 1, how: 'min', travel: false },
          // points worth more than the payoff are refused; worth exactly the payoff, they pay the line off
          { kind: 'buy', target: 0, how: 'random', amount: 20_000, category: 'TRAVEL' },
          { kind: 'pay', target: 0, how: 'share', share: 0.95 },
          { kind: 'redeem', target: 0, how: 'overPayoff', travel: false },
          { kind: 'redeem', target: 0, how: 'payoff', travel: false },
          // a 12-month plan prepaid
          { kind: 'buy', target: 0, how: 'random', amount: 24_000, category: 'SHOPPING' },
          { kind: 'convert', target: 0, pick: 3, months: 12 },
          { kind: 'pay', target: 0, how: 'share', share: 0.5 },
        ],
      ],
      // a partly paid purchase converted, one left to convert itself, the clock through due dates, paid off, closed
      [
        [250_000, 1_000_000],
        [
          { kind: 'buy', target: 0, how: 'random', amount: 30_000, category: 'OTHER' },
          { kind: 'buy', target: 1, how: 'onTimeMin', amount: 0, category: 'DINING' },
          { kind: 'pay', target: 0, how: 'share', share: 0.4 },
          { kind: 'convert', target: 0, pick: 0, months: 3 },
          { kind: 'refund', target: 0, pick: 0, full: true, share: 1 },
          { kind: 'pay', target: 1, how: 'next', share: 1 },
          { kind: 'buy', target: 1, how: 'random', amount: 12_000, category: 'GROCERY' },
          { kind: 'advance', to: 'past45' },
          { kind: 'advance', to: 'pastGrace' },
          { kind: 'pay', target: 0, how: 'share', share: 0.7 },
          { kind: 'redeem', target: 1, how: 'payoff', travel: false },
          { kind: 'pay', target: 0, how: 'payoff', share: 1 },
          { kind: 'close', target: 0 },
          { kind: 'refund', target: 0, pick: 0, full: true, share: 1 },
          { kind: 'buy', target: 0, how: 'cent', amount: 0, category: 'OTHER' },
        ],
      ],
      // refunds, partial and full, each after a redemption, between purchases
      [
        [1_000_000],
        [
          { kind: 'buy', target: 0, how: 'random', amount: 60_000, category: 'TRAVEL' },
          { kind: 'buy', target: 0, how: 'random', amount: 40_000, category: 'DINING' },
          { kind: 'buy', target: 0, how: 'random', amount: 30_000, category: 'GROCERY' },
          { kind: 'redeem', target: 0, how: 'min', travel: false },
          { kind: 'refund', target: 0, pick: 0, full: false, share: 0.25 },
          { kind: 'redeem', target: 0, how: 'min', travel: false },
          { kind: 'refund', target: 0, pick: 1, full: false, share: 0.5 },
          { kind: 'redeem', target: 0, how: 'min', travel: false },
          { kind: 'refund', target: 0, pick: 2, full: true, share: 1 },
          { kind: 'buy', target: 0, how: 'random', amount: 20_000, category: 'OTHER' },
          { kind: 'buy', target: 0, how: 'random', amount: 15_000, category: 'SHOPPING' },
        ],
      ],
    ],
  });
  console.log(reached.table('accounts-property: cases reached'));
  for (const c of CASES)
    expect({ case: c, reached: reached.counts.get(c)! >= MINIMUM[c] }).toEqual({ case: c, reached: true });
}, 240_000);
