import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { buildSchema, getNamedType, isInputObjectType, isObjectType, type GraphQLObjectType } from 'graphql';
import { SubmitApplicationDocument } from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { makeAdmin, openCreditLine, primeLoan, signUp, type SignedUp } from '../support/fixtures';
import { marketClient } from '../support/marketplace';
import { shopClient } from '../support/merchants';
import { moneyClient } from '../support/money';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * The idempotency sweep (SPEC section 1): every mutation of the schema whose input has an
 * `idempotencyKey` is in KEYED and gets the same checks through real requests (a replay moves
 * nothing, a reused key is refused, ten concurrent calls move money once, keys of 0 and 101
 * characters are refused); every other mutation is classified, and the ones that move money
 * without a key are shown to move it once, guarded by state. Both tables are compared with
 * the schema, so a new mutation without an entry fails here.
 *
 * "Moved" is measured by a footprint: what the ledger, the gateway and the tables hold for the
 * users a call concerns (see FOOTPRINT). Every entry works on users of its own, so entries
 * cannot disturb each other's footprints and their set-ups are built concurrently.
 */

const schema = buildSchema(readFileSync(join(__dirname, '../../src/schema/schema.graphql'), 'utf8'));
const mutations = schema.getMutationType()!.getFields();
const inputArg = (name: string) => mutations[name]!.args.find((a) => a.name === 'input');
const keyedInSchema = Object.keys(mutations)
  .filter((name) => {
    const input = inputArg(name) && getNamedType(inputArg(name)!.type);
    return isInputObjectType(input) && 'idempotencyKey' in input.getFields();
  })
  .sort();

/** A document for one mutation, made from the schema: the payload's objects by id, and its userErrors. */
function documentFor(name: string): string {
  const payload = getNamedType(mutations[name]!.type) as GraphQLObjectType;
  const selection = Object.values(payload.getFields()).flatMap((f) => {
    if (f.name === 'userErrors') return ['userErrors { field code message }'];
    const type = getNamedType(f.type);
    return isObjectType(type) && type.getFields().id ? [`${f.name} { id }`] : [];
  });
  return `mutation Sweep($input: ${String(inputArg(name)!.type)}) { ${name}(input: $input) { ${selection.join(' ')} } }`;
}

interface UserError {
  field: string[] | null;
  code: string;
  message: string;
}
type Answer = { userErrors: UserError[] } & Record<string, unknown>;
type Input = Record<string, unknown>;

/** What a call needs: who sends it, whose state it may change (the footprint's users), its input. */
interface Setup {
  actor: SignedUp;
  users: SignedUp[];
  input: Input;
}
interface KeyedSetup extends Setup {
  /** Another input for the same operation (same key: refused). */
  otherInput: Input;
}
interface KeyedEntry {
  build: () => Promise<KeyedSetup>;
  /** Whether the call posts to the ledger (a checkout or an application only creates records). */
  posts: boolean;
}
interface GuardedEntry {
  build: () => Promise<Setup>;
  /** What a repeat of the call answers. */
  refusal: Pick<UserError, 'code' | 'field'>;
}

let s: TestServer;
let db: Pool;
let m: ReturnType<typeof moneyClient>;
let market: ReturnType<typeof marketClient>;
let shop: ReturnType<typeof shopClient>;

const localId = (u: SignedUp) => fromGlobalId(u.id)!.id;
const newKey = () => `sweep-${randomUUID()}`;
/** A key of exactly 100 characters: the longest allowed. */
const longestKey = () => newKey().padEnd(100, 'k');

async function call(name: string, actor: SignedUp, input: Input): Promise<Answer> {
  const res = await s.gql<Record<string, Answer>>(documentFor(name), { input }, { token: actor.accessToken });
  return ok(res)[name]!;
}

/** Every object id in an answer (its payload objects; userErrors carry none). */
function idsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(idsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (k === 'id' && typeof v === 'string' ? [v] : idsIn(v)));
}

// ---------------------------------------------------------------------------------------------
// Builders (every call through the API, as a client's)

const lineHolder = async () => {
  const u = await signUp(s);
  return { u, ...(await openCreditLine(s, u)) };
};

const investorWith = (cash: string) => market.investor(cash);

/** A borrower's MARKETPLACE loan listed at grade B (bureau score 600 scores 778): only autoInvest's entry lists grade B. */
async function gradeBListing(): Promise<void> {
  const { grade } = await market.listLoan(await signUp(s), '1000.00', 12, { creditScore: 600 });
  if (grade !== 'B') throw new Error(`expected grade B, got ${grade}`);
}

/** A merchant's checkout paid by a shopper with pay-in-4. */
async function completedCheckout() {
  const merchant = await shop.merchant();
  const checkoutId = await shop.open(merchant.accessToken, '100.00');
  const { u: shopper, accountId } = await lineHolder();
  const paid = await shop.confirm(shopper, checkoutId, 'PAY_IN_4', { accountId });
  if (paid.userErrors.length) throw new Error(JSON.stringify(paid.userErrors));
  return { merchant, shopper, checkoutId };
}

/** Every mutation whose input has an idempotency key: a fresh set-up per call, and two inputs. */
const KEYED: Record<string, KeyedEntry> = {
  authorizeCardTransaction: {
    posts: true,
    build: async () => {
      const { u, cardId } = await lineHolder();
      const input = { cardId, amount: '10.00', merchantName: 'Shop', category: 'OTHER' };
      return { actor: u, users: [u], input, otherInput: { ...input, amount: '11.00' } };
    },
  },
  refundCardTransaction: {
    posts: true,
    build: async () => {
      const { u, cardId } = await lineHolder();
      const transactionId = (await m.buy(u, cardId, '50.00')).transaction!.id;
      const input = { transactionId, amount: '5.00' };
      return { actor: u, users: [u], input, otherInput: { ...input, amount: '6.00' } };
    },
  },
  makePayment: {
    posts: true,
    build: async () => {
      const { u, accountId, cardId } = await lineHolder();
      await m.buy(u, cardId, '50.00');
      const input = { accountId, amount: '10.00' };
      return { actor: u, users: [u], input, otherInput: { ...input, amount: '11.00' } };
    },
  },
  redeemRewards: {
    posts: true,
    build: async () => {
      const { u, accountId, cardId } = await lineHolder();
      await m.buy(u, cardId, '300.00', 'TRAVEL'); // 3,000 points
      const input = { accountId, points: 1000, kind: 'STATEMENT_CREDIT' };
      return { actor: u, users: [u], input, otherInput: { ...input, points: 1100 } };
    },
  },
  requestDisbursement: {
    // A cash draw: unlike a loan's one payout, every draw moves money, so only the key stops a repeat.
    posts: true,
    build: async () => {
      const { u, accountId } = await lineHolder();
      const input = { accountId, amount: '100.00', termMonths: 3 };
      return { actor: u, users: [u], input, otherInput: { ...input, amount: '110.00' } };
    },
  },
  requestAccountClosure: {
    // Nothing owed: the line closes at once (no posting; its state and its card change).
    posts: false,
    build: async () => {
      const { u, accountId } = await lineHolder();
      const second = await openCreditLine(s, u);
      return { actor: u, users: [u], input: { accountId }, otherInput: { accountId: second.accountId } };
    },
  },
  submitApplication: {
    posts: false,
    build: async () => {
      const u = await signUp(s);
      return { actor: u, users: [u], input: primeLoan(), otherInput: primeLoan({ amount: '6000.00' }) };
    },
  },
  depositCash: {
    posts: true,
    build: async () => {
      const u = await investorWith('0.00');
      return { actor: u, users: [u], input: { amount: '100.00' }, otherInput: { amount: '101.00' } };
    },
  },
  withdrawCash: {
    posts: true,
    build: async () => {
      const u = await investorWith('500.00');
      return { actor: u, users: [u], input: { amount: '100.00' }, otherInput: { amount: '101.00' } };
    },
  },
  invest: {
    posts: true,
    build: async () => {
      const borrower = await signUp(s);
      const [{ listingId }, u] = await Promise.all([market.listLoan(borrower), investorWith('500.00')]);
      const input = { listingId, amount: '25.00' };
      return { actor: u, users: [u, borrower], input, otherInput: { ...input, amount: '50.00' } };
    },
  },
  autoInvest: {
    // It buys in whichever grade-B listing is oldest, so only the investor's footprint counts.
    posts: true,
    build: async () => {
      const [u] = await Promise.all([investorWith('500.00'), gradeBListing()]);
      const input = { amount: '25.00', grades: ['B'] };
      return { actor: u, users: [u], input, otherInput: { ...input, amount: '50.00' } };
    },
  },
  createCheckout: {
    posts: false,
    build: async () => {
      const merchant = await shop.merchant();
      const input = { amount: '100.00', orderReference: 'order-1', description: 'Tent' };
      return { actor: merchant, users: [merchant], input, otherInput: { ...input, amount: '101.00' } };
    },
  },
  confirmCheckout: {
    posts: true,
    build: async () => {
      const merchant = await shop.merchant();
      const [checkoutId, { u, accountId }] = await Promise.all([
        shop.open(merchant.accessToken, '100.00'),
        lineHolder(),
      ]);
      const input = { checkoutId, plan: 'PAY_IN_4', accountId };
      return { actor: u, users: [u, merchant], input, otherInput: { ...input, plan: 'MONTHLY_6' } };
    },
  },
  refundCheckout: {
    posts: true,
    build: async () => {
      const { merchant, shopper, checkoutId } = await completedCheckout();
      const input = { checkoutId, amount: '10.00' };
      return {
        actor: merchant,
        users: [merchant, shopper],
        input,
        otherInput: { ...input, amount: '11.00' },
      };
    },
  },
};

/** Mutations that move money without a key: the state they leave refuses a repeat. */
const GUARDED: Record<string, GuardedEntry> = {
  acceptOffer: {
    // Opens the account: a credit line's whole limit becomes available credit.
    refusal: { code: 'INVALID_STATE', field: ['input', 'applicationId'] },
    build: async () => {
      const u = await signUp(s);
      const app = ok(
        await s.gql(
          SubmitApplicationDocument,
          { input: primeLoan({ product: 'CREDIT_LINE', termMonths: null, amount: '1000.00' }) as never },
          { token: u.accessToken },
        ),
      ).submitApplication.application!;
      return { actor: u, users: [u], input: { applicationId: app.id } };
    },
  },
  convertToInstallments: {
    // Moves a purchase's balance from its 45-day bill to a monthly plan.
    refusal: { code: 'INVALID_STATE', field: ['input', 'transactionId'] },
    build: async () => {
      const { u, cardId } = await lineHolder();
      const transactionId = (await m.buy(u, cardId, '120.00')).transaction!.id;
      return { actor: u, users: [u], input: { transactionId, months: 3 } };
    },
  },
};

/** Mutations that move no money at all. */
const MOVES_NO_MONEY = [
  'cancelApplication',
  'closeCard',
  'createApiKey',
  'deleteMyAccount', // refused while money is owed or held; closes only empty accounts
  'freezeCard',
  'markNotificationsRead',
  'refreshToken',
  'registerWebhook',
  'reinstateMerchant',
  'removeWebhook',
  'revealCard',
  'reviewApplication', // an admin's decision: an offer, no money yet
  'revokeApiKey',
  'signIn',
  'signOut',
  'signUp',
  'suspendMerchant',
  'unfreezeCard',
  'updateApplication',
  'updateMerchantProfile',
];

/**
 * Moves money on every call by design: each call is another business day, whose daily job
 * (interest, fees, autopay, settlements) runs once per day (`daily_job_run`), tested below.
 */
const BUSINESS_TIME = ['advanceSandboxClock'];

// ---------------------------------------------------------------------------------------------
// The footprint: what the ledger, the gateway and the tables hold for some users.

const FOOTPRINT = `
with u(id) as (select unnest($1::uuid[])),
  acc as (select * from credit_account where owner_id in (select id from u)),
  mer as (select id from merchant where user_id in (select id from u)),
  co as (select * from checkout where merchant_id in (select id from mer) or shopper_id in (select id from u)),
  refs(id) as (
    select id from acc
    union all select id from card_transaction where owner_id in (select id from u)
    union all select id from cash_movement where user_id in (select id from u)
    union all select id from note where investor_id in (select id from u)
    union all select id from listing where borrower_id in (select id from u)
    union all select id from reward_redemption where user_id in (select id from u)
    union all select id from disbursement where owner_id in (select id from u)
    union all select id from payment where owner_id in (select id from u)
    union all select id from co
    union all select id from checkout_refund where merchant_id in (select id from mer)
    union all select id from installment_plan where owner_id in (select id from u)),
  codes(code) as (
    select 'account:' || acc.id || ':' || part from acc, unnest(array['principal', 'interest', 'fees']) part
    union all select 'investor:' || id || ':cash' from u
    union all select 'merchant:' || id || ':payable' from mer),
  lines as (
    select id from journal_line where entry_id in (
      select id from journal_entry where credit_account_id in (select id from acc) or ref_id in (select id from refs))
    union select id from journal_line where ledger_code in (select code from codes))
select
  (select count(*) from lines)::int as "journalLines",
  (select count(*) from gateway_operation where reference in (select id::text from refs))::int as "gatewayOperations",
  (select coalesce(sum(available_credit), 0) from acc)::float8 as "availableCredit",
  (select coalesce(sum(cash), 0) from investor_account where user_id in (select id from u))::float8 as "investorCash",
  (select coalesce(sum(balance), 0) from reward_balance where user_id in (select id from u))::float8 as "rewardPoints",
  (select coalesce(sum(refunded), 0) from card_transaction where owner_id in (select id from u))::float8 as "cardRefunds",
  (select coalesce(sum(funded), 0) from listing where borrower_id in (select id from u))::float8 as "listingsFunded",
  (select count(*) from card_transaction where owner_id in (select id from u))::int as "cardTransactions",
  (select count(*) from note where investor_id in (select id from u))::int as notes,
  (select count(*) from reward_redemption where user_id in (select id from u))::int as redemptions,
  (select count(*) from checkout_refund where merchant_id in (select id from mer))::int as "checkoutRefunds",
  (select count(*) from credit_application where applicant_id in (select id from u))::int as applications,
  (select count(*) from notification where user_id in (select id from u))::int as notifications,
  (select count(*) from audit_entry where actor_id in (select id from u))::int as "auditEntries",
  (select count(*) from idempotency_key where user_id in (select id from u))::int as "idempotencyKeys",
  (select coalesce(string_agg(status || case when closure_requested_at is null then '' else '/closing' end, ','
                              order by created_at, id), '') from acc) as accounts,
  (select coalesce(string_agg(status, ',' order by created_at, id), '') from card where owner_id in (select id from u)) as cards,
  (select coalesce(string_agg(status, ',' order by created_at, id), '') from cash_movement where user_id in (select id from u)) as "cashMovements",
  (select coalesce(string_agg(status, ',' order by created_at, id), '') from disbursement where owner_id in (select id from u)) as disbursements,
  (select coalesce(string_agg(status, ',' order by created_at, id), '') from payment where owner_id in (select id from u)) as payments,
  (select coalesce(string_agg(status || '/' || refunded, ',' order by created_at, id), '') from co) as checkouts,
  (select coalesce(string_agg(kind || '/' || status, ',' order by created_at, id), '') from installment_plan where owner_id in (select id from u)) as plans`;

type Footprint = Record<string, number | string>;

async function footprint(users: SignedUp[]): Promise<Footprint> {
  const { rows } = await db.query<Footprint>(FOOTPRINT, [users.map(localId)]);
  return rows[0]!;
}

/** What changed: numbers by their difference, the rest as `before → after` (or `=`). */
function delta(before: Footprint, after: Footprint): Footprint {
  return Object.fromEntries(
    Object.entries(after).map(([k, v]) => {
      const was = before[k]!;
      if (typeof v === 'number') return [k, v - (was as number)];
      return [k, v === was ? '=' : `${was} → ${v}`];
    }),
  );
}
const REUSED = {
  code: 'IDEMPOTENCY_KEY_REUSED',
  field: ['input', 'idempotencyKey'],
  message: expect.any(String),
};
const changed = (d: Footprint) => Object.values(d).some((v) => v !== 0 && v !== '=');

// ---------------------------------------------------------------------------------------------

/** Set-ups are most of the time: all of them start at once, and each test awaits its own. */
const setups = new Map<string, Promise<Setup | KeyedSetup>>();
function prepare(label: string, build: () => Promise<Setup>): void {
  const p = build();
  p.catch(() => undefined); // reported by the test that awaits it
  setups.set(label, p);
}
const setup = <T extends Setup>(label: string) => setups.get(label)! as Promise<T>;

beforeAll(async () => {
  s = await startTestServer();
  db = new Pool({ connectionString: s.databaseUrl, max: 4 });
  m = moneyClient(s);
  market = marketClient(s);
  shop = shopClient(s);
  for (const [name, entry] of Object.entries({ ...KEYED, ...GUARDED })) {
    prepare(`${name}/first`, entry.build);
    prepare(`${name}/concurrent`, entry.build);
  }
});
afterAll(async () => {
  await db?.end();
  await s?.close();
});

describe('the tables are the schema', () => {
  it('every mutation whose input has an idempotencyKey has a KEYED entry, and no entry is stale', () => {
    expect(Object.keys(KEYED).sort()).toEqual(keyedInSchema);
  });

  it('every other mutation is classified once: moves no money, guarded by state, or business time', () => {
    const classified = [...MOVES_NO_MONEY, ...Object.keys(GUARDED), ...BUSINESS_TIME];
    expect(new Set(classified).size).toBe(classified.length);
    expect(classified.sort()).toEqual(
      Object.keys(mutations)
        .filter((n) => !keyedInSchema.includes(n))
        .sort(),
    );
  });
});

describe.each(Object.keys(KEYED))('%s with an idempotency key', (name) => {
  const entry = KEYED[name]!;

  it('replays a key, refuses it with another input or at 0 or 101 characters, moves once for 10 concurrent calls', async () => {
    const { actor, users, input, otherInput } = await setup<KeyedSetup>(`${name}/first`);
    const start = await footprint(users);

    for (const key of ['', 'x'.repeat(101)]) {
      const refused = await call(name, actor, { ...input, idempotencyKey: key });
      expect(refused.userErrors).toEqual([
        { code: 'INVALID_INPUT', field: ['input', 'idempotencyKey'], message: expect.any(String) },
      ]);
      expect(idsIn(refused)).toEqual([]);
    }
    expect(await footprint(users)).toEqual(start);

    // 1. The same key and input twice: the same answer, and the second moves nothing.
    const key = longestKey();
    const first = await call(name, actor, { ...input, idempotencyKey: key });
    expect(first.userErrors).toEqual([]);
    expect(idsIn(first).length).toBeGreaterThan(0);
    const afterFirst = await footprint(users);
    const moved = delta(start, afterFirst);
    expect(changed(moved)).toBe(true);
    expect((moved.journalLines as number) > 0).toBe(entry.posts);

    const again = await call(name, actor, { ...input, idempotencyKey: key });
    expect(again).toEqual(first);
    expect(await footprint(users)).toEqual(afterFirst);

    // 2. The same key with another input: refused, and nothing changes.
    const reused = await call(name, actor, { ...otherInput, idempotencyKey: key });
    expect(reused.userErrors).toEqual([REUSED]);
    expect(idsIn(reused)).toEqual([]);
    expect(await footprint(users)).toEqual(afterFirst);

    // 3. Ten concurrent calls with one (one-character) key, on a set-up like the first: every
    // caller sees the same successful answer, and together they moved what one call moves.
    const twin = await setup<KeyedSetup>(`${name}/concurrent`);
    const before = await footprint(twin.users);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call(name, twin.actor, { ...twin.input, idempotencyKey: 'K' })),
    );
    expect(answers[0]!.userErrors).toEqual([]);
    expect(answers).toEqual(Array.from({ length: 10 }, () => answers[0]));
    expect(delta(before, await footprint(twin.users))).toEqual(moved);
  });
});

describe.each(Object.keys(GUARDED))('%s without a key', (name) => {
  const entry = GUARDED[name]!;

  it('moves money once: a repeat, sequential or 10 concurrent, is refused by the state it left', async () => {
    const { actor, users, input } = await setup<Setup>(`${name}/first`);
    const start = await footprint(users);
    const first = await call(name, actor, input);
    expect(first.userErrors).toEqual([]);
    const afterFirst = await footprint(users);
    const moved = delta(start, afterFirst);
    expect(changed(moved)).toBe(true);

    const again = await call(name, actor, input);
    expect(again.userErrors).toEqual([{ ...entry.refusal, message: expect.any(String) }]);
    expect(idsIn(again)).toEqual([]);
    expect(await footprint(users)).toEqual(afterFirst);

    const twin = await setup<Setup>(`${name}/concurrent`);
    const before = await footprint(twin.users);
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(name, twin.actor, twin.input)));
    const succeeded = answers.filter((a) => a.userErrors.length === 0);
    expect(succeeded).toHaveLength(1);
    expect(answers.filter((a) => a.userErrors.length > 0).map((a) => a.userErrors)).toEqual(
      Array.from({ length: 9 }, () => [{ ...entry.refusal, message: expect.any(String) }]),
    );
    expect(delta(before, await footprint(twin.users))).toEqual(moved);
  });
});

/*
 * Scope and retention are one mechanism for every keyed mutation (the (user_id, key) primary
 * key of idempotency_key, the stored operation, and one purge in the daily job), so they are
 * shown on representatives rather than on every entry.
 */
describe('scope of a key', () => {
  it('another user with the same key and input gets its own effect; the same user with the key on another operation is refused', async () => {
    // depositCash and withdrawCash take the very same input type, so only the operation differs.
    const [a, b] = await Promise.all([investorWith('0.00'), investorWith('0.00')]);
    const key = newKey();
    const input = { amount: '100.00', idempotencyKey: key };
    const [startA, startB] = await Promise.all([footprint([a]), footprint([b])]);
    const fromA = await call('depositCash', a, input);
    const fromB = await call('depositCash', b, input);
    expect(fromA.userErrors).toEqual([]);
    expect(fromB.userErrors).toEqual([]);
    expect(idsIn(fromB)).not.toEqual(idsIn(fromA));
    const afterA = await footprint([a]);
    const movedA = delta(startA, afterA);
    expect(movedA.journalLines).toBeGreaterThan(0);
    expect(delta(startB, await footprint([b]))).toEqual(movedA);

    // Decided (kept from the code): a key is the user's across operations, so the same key on
    // another operation is IDEMPOTENCY_KEY_REUSED even with an identical input.
    const withdrawal = await call('withdrawCash', a, input);
    expect(withdrawal.userErrors).toEqual([REUSED]);
    expect(await footprint([a])).toEqual(afterA);
  });

  it("a merchant's API key shares the merchant's keys: the same key and input replay across the two credentials", async () => {
    const merchant = await shop.merchant();
    const { secret } = await shop.apiKey(merchant);
    const input = {
      amount: '100.00',
      orderReference: 'order-1',
      description: 'Tent',
      idempotencyKey: newKey(),
    };
    const start = await footprint([merchant]);
    const byToken = await call('createCheckout', merchant, input);
    expect(byToken.userErrors).toEqual([]);
    const afterFirst = await footprint([merchant]);
    expect(delta(start, afterFirst)).toMatchObject({ checkouts: ' → OPEN/0', idempotencyKeys: 1 });
    expect(await call('createCheckout', { ...merchant, accessToken: secret }, input)).toEqual(byToken);
    expect(await footprint([merchant])).toEqual(afterFirst);
  });

  it('across operations on both paths that write a key: the one-statement card purchase and IdempotencyService.claim', async () => {
    const { u, accountId, cardId } = await lineHolder();
    const purchase = (key: string) =>
      call('authorizeCardTransaction', u, {
        cardId,
        amount: '10.00',
        merchantName: 'Shop',
        category: 'OTHER',
        idempotencyKey: key,
      });
    const payment = (key: string) =>
      call('makePayment', u, { accountId, amount: '5.00', idempotencyKey: key });
    const [purchaseKey, paymentKey] = [newKey(), newKey()];
    expect((await purchase(purchaseKey)).userErrors).toEqual([]);
    expect((await payment(paymentKey)).userErrors).toEqual([]);
    const start = await footprint([u]);
    expect((await payment(purchaseKey)).userErrors).toEqual([REUSED]);
    expect((await purchase(paymentKey)).userErrors).toEqual([REUSED]);
    expect(await footprint([u])).toEqual(start);
  });
});

describe('retention on the business clock (last: it moves the sandbox clock for the whole file)', () => {
  it('a key still replays a day later; after 48 hours it is forgotten and the same call is a new one; each day ran its job once', async () => {
    // Two representatives, one per place a key row is written: IdempotencyService.claim
    // (depositCash) and the one-statement card purchase (authorizeCardTransaction).
    const [admin, investor, holder] = await Promise.all([makeAdmin(s), investorWith('0.00'), lineHolder()]);
    const calls = [
      { name: 'depositCash', actor: investor, input: { amount: '100.00', idempotencyKey: newKey() } },
      {
        name: 'authorizeCardTransaction',
        actor: holder.u,
        input: {
          cardId: holder.cardId,
          amount: '10.00',
          merchantName: 'Shop',
          category: 'OTHER',
          idempotencyKey: newKey(),
        },
      },
    ];
    const users = [investor, holder.u];
    const start = await footprint(users);
    const firsts = [];
    for (const c of calls) firsts.push(await call(c.name, c.actor, c.input));
    for (const f of firsts) expect(f.userErrors).toEqual([]);
    const moved = delta(start, await footprint(users));

    await m.advance(admin, 1); // runs the daily job of the day crossed, purge included
    const dayLater = await footprint(users);
    for (const [i, c] of calls.entries()) expect(await call(c.name, c.actor, c.input)).toEqual(firsts[i]);
    expect(await footprint(users)).toEqual(dayLater);

    const { today } = await m.advance(admin, 2); // 72 hours after the keys were written: past the 48 hours kept
    const keys = await db.query('select 1 from idempotency_key where key = any($1)', [
      calls.map((c) => c.input.idempotencyKey),
    ]);
    expect(keys.rows).toEqual([]);
    // Decided: a forgotten key is a new key; the same call then moves money again, as a new call.
    const later = await footprint(users);
    const seconds = [];
    for (const c of calls) seconds.push(await call(c.name, c.actor, c.input));
    for (const [i, again] of seconds.entries()) {
      expect(again.userErrors).toEqual([]);
      expect(idsIn(again)).not.toEqual(idsIn(firsts[i]));
    }
    const movedAgain = delta(later, await footprint(users));
    expect(movedAgain.journalLines).toBe(moved.journalLines);
    expect(movedAgain.cardTransactions).toBe(1);
    expect(movedAgain.cashMovements).toBe('SUCCEEDED → SUCCEEDED,SUCCEEDED');

    // advanceSandboxClock: each of the three days crossed ran its daily job once, and a day
    // that ran never runs (nor moves money) again.
    const runs = await db.query<{ day: string; finished: boolean }>(
      "select to_char(day, 'YYYY-MM-DD') as day, finished_at is not null as finished from daily_job_run order by day",
    );
    const daysBefore = (n: number) =>
      new Date(Date.parse(`${today}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
    const crossed = [daysBefore(2), daysBefore(1), today];
    expect(runs.rows).toEqual(crossed.map((day) => ({ day, finished: true })));
    const lines = async () =>
      (await db.query<{ n: number }>('select count(*)::int as n from journal_line')).rows[0]!.n;
    const linesBefore = await lines();
    const rerun = await s.app.services.dailyJob.run(s.app.orm.em.fork(), crossed[0]!);
    expect(rerun.ran).toBe(false);
    expect(await lines()).toBe(linesBefore);
  });
});
