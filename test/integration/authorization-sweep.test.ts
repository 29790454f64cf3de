import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Client } from 'graphql-ws';
import { SignJWT } from 'jose';
import {
  FreezeCardDocument,
  MakePaymentDocument,
  RegisterWebhookDocument,
  RevokeApiKeyDocument,
  SignOutDocument,
  SubmitApplicationDocument,
} from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { openCreditLine, primeLoan, referredLoan, signUp, type SignedUp } from '../support/fixtures';
import { waitFor } from '../support/live';
import { marketClient } from '../support/marketplace';
import { shopClient } from '../support/merchants';
import { moneyClient } from '../support/money';
import { ok, startTestServer, type GqlResponse, type TestServer } from '../support/server';
import {
  dummyVariables,
  introspectSchema,
  operationText,
  randomGlobalId,
  rootOperations,
  type RootOperation,
} from '../support/schema-operations';

/**
 * SPEC section 2, swept over every operation of the executable schema:
 * - "Every object is visible only to its owner, to the counterparties it concerns, and to
 *   admins. Asking for someone else's object answers exactly like asking for one that does not
 *   exist." For every id an operation takes, another signed-in user sends the owner's id and a
 *   random id of the same type: the two answers are identical (once each id's text is replaced
 *   by a placeholder), the random one is a "not found", and the owner's data is unchanged.
 * - Signed out, and with a presented token that is not valid (garbage, expired, of a signed-out
 *   session, a revoked or made-up `mk_` key): what each operation answers.
 * The table below must name every operation: one added later without an entry fails here.
 */

let s: TestServer;
let schema: GraphQLSchema;
let ops: Map<string, RootOperation>;

/** The owners (A: borrower and investor; M: a merchant A bought from) and their objects. */
interface Owned {
  a: SignedUp;
  m: SignedUp;
  accountId: string;
  cardId: string;
  frozenCardId: string;
  transactionId: string;
  paymentId: string;
  referredApplicationId: string;
  approvedApplicationId: string;
  loanAccountId: string;
  listingId: string;
  checkoutId: string;
  notificationId: string;
  cashMovementId: string;
  merchantId: string;
  webhookId: string;
  apiKeyId: string;
}
/** The callers: B (borrower, investor and merchant, with a credit line of their own) and P (a borrower only). */
interface Others {
  b: SignedUp;
  bAccountId: string;
  p: SignedUp;
}
let own: Owned;
/** The owners' data before the sweep (`ownersState`). */
let baseline: unknown;
let other: Others;
/** An OPEN checkout of M's (a payment link B may pay, with B's own credit line only). */
let openCheckoutId: string;

// ---------------------------------------------------------------------------------------------
// The table: one entry per root operation of the schema.
// ---------------------------------------------------------------------------------------------

/** One id an operation takes: where it goes, whose it is, and the rest of the variables. */
interface IdCase {
  /** Where the id goes: a top-level argument (`id`) or a field of it (`input.cardId`). */
  at: string;
  /** The global-id type of the owner's object (the random id gets the same type). */
  type: string;
  owned: () => string;
  /** Who asks (default B). */
  as?: 'b' | 'p';
  /** Variables besides the id (merged into `input`, or top-level). */
  with?: () => Record<string, unknown>;
}

type Entry =
  /** The operation names no object by id. */
  | { ids: 'none'; why?: string }
  /** Each id is someone's object: another user's answer equals a random id's. */
  | { ids: IdCase[] }
  /** Only some roles may call it at all: a caller without one is FORBIDDEN whatever the id. */
  | { ids: 'role-only'; why: string; forbidden: IdCase[] }
  /** The id names something any caller of that role may use (SPEC says so): checked as stated. */
  | { ids: 'public'; why: string; forbidden: IdCase[]; ownerOnlyFor?: IdCase[] };

const TABLE: Record<string, Entry> = {
  // ----- queries
  account: { ids: [{ at: 'id', type: 'CreditAccount', owned: () => own.accountId }] },
  apiKeys: { ids: 'none', why: 'the caller’s own keys' },
  application: { ids: [{ at: 'id', type: 'Application', owned: () => own.referredApplicationId }] },
  applications: { ids: 'none', why: 'admins only; no id (a cursor and a status)' },
  auditLog: {
    ids: 'role-only',
    why: 'admins read anyone’s audit trail; everyone else is FORBIDDEN',
    forbidden: [{ at: 'objectId', type: 'CreditAccount', owned: () => own.accountId }],
  },
  checkout: {
    // a COMPLETED checkout: only its merchant, its shopper and admins see it (SPEC section 8)
    ids: [{ at: 'id', type: 'Checkout', owned: () => own.checkoutId }],
  },
  checkouts: { ids: 'none', why: 'the calling merchant’s own' },
  exportMyData: { ids: 'none', why: 'the caller’s own data' },
  impact: { ids: 'none', why: 'platform-wide figure' },
  listing: {
    ids: 'public',
    why: 'listings are open to every investor (SPEC section 7), so another investor sees A’s; anyone else sees it as absent',
    forbidden: [],
    ownerOnlyFor: [{ at: 'id', type: 'Listing', owned: () => own.listingId, as: 'p' }],
  },
  listings: { ids: 'none', why: 'open listings, for investors' },
  me: { ids: 'none' },
  merchant: { ids: 'none', why: 'the caller’s own merchant profile' },
  merchantSettlements: { ids: 'none', why: 'the calling merchant’s own' },
  merchants: { ids: 'none', why: 'admins only' },
  node: {
    ids: [
      { at: 'id', type: 'User', owned: () => own.a.id },
      { at: 'id', type: 'CreditAccount', owned: () => own.accountId },
      { at: 'id', type: 'Card', owned: () => own.cardId },
      { at: 'id', type: 'CardTransaction', owned: () => own.transactionId },
      { at: 'id', type: 'Payment', owned: () => own.paymentId },
      { at: 'id', type: 'Application', owned: () => own.referredApplicationId },
      { at: 'id', type: 'Checkout', owned: () => own.checkoutId },
      { at: 'id', type: 'Notification', owned: () => own.notificationId },
      { at: 'id', type: 'CashMovement', owned: () => own.cashMovementId },
      // not Merchant: a merchant's profile is what its payment links show any signed-in holder
      // (name, website, status; never its settlement account): see 'public profiles' below
      { at: 'id', type: 'Webhook', owned: () => own.webhookId },
      { at: 'id', type: 'ApiKey', owned: () => own.apiKeyId },
      { at: 'id', type: 'Listing', owned: () => own.listingId, as: 'p' },
    ],
  },
  payoffQuote: { ids: [{ at: 'accountId', type: 'CreditAccount', owned: () => own.accountId }] },
  pendingClosures: { ids: 'none', why: 'admins only' },
  portfolio: { ids: 'none', why: 'the calling investor’s own' },
  portfolioMetrics: { ids: 'none', why: 'admins only' },
  sandboxClock: { ids: 'none' },
  simulateDecision: { ids: 'none', why: 'stores nothing, needs no sign-in' },
  trialBalance: { ids: 'none', why: 'admins only' },
  webhooks: { ids: 'none', why: 'the calling merchant’s own' },

  // ----- mutations
  acceptOffer: {
    ids: [{ at: 'input.applicationId', type: 'Application', owned: () => own.approvedApplicationId }],
  },
  advanceSandboxClock: { ids: 'none', why: 'admins only' },
  authorizeCardTransaction: {
    ids: [
      {
        at: 'input.cardId',
        type: 'Card',
        owned: () => own.cardId,
        with: () => ({ amount: '10.00', merchantName: 'Shop', category: 'OTHER' }),
      },
    ],
  },
  autoInvest: { ids: 'none', why: 'open listings matching grades' },
  cancelApplication: {
    ids: [{ at: 'input.applicationId', type: 'Application', owned: () => own.referredApplicationId }],
  },
  closeCard: {
    ids: 'role-only',
    why: 'admins close anyone’s card; everyone else is FORBIDDEN',
    forbidden: [{ at: 'input.cardId', type: 'Card', owned: () => own.cardId }],
  },
  confirmCheckout: {
    ids: [
      // a COMPLETED checkout (an OPEN one is a payment link, for anyone holding it: SPEC section 8)
      {
        at: 'input.checkoutId',
        type: 'Checkout',
        owned: () => own.checkoutId,
        with: () => ({ plan: 'PAY_IN_4', accountId: other.bAccountId }),
      },
      // B pays an open checkout of M's with A's credit line
      {
        at: 'input.accountId',
        type: 'CreditAccount',
        owned: () => own.accountId,
        with: () => ({ plan: 'PAY_IN_4', checkoutId: openCheckoutId }),
      },
    ],
  },
  convertToInstallments: {
    ids: [
      {
        at: 'input.transactionId',
        type: 'CardTransaction',
        owned: () => own.transactionId,
        with: () => ({ months: 3 }),
      },
    ],
  },
  createApiKey: { ids: 'none' },
  createCheckout: { ids: 'none' },
  deleteMyAccount: { ids: 'none', why: 'the caller’s own account' },
  depositCash: { ids: 'none' },
  freezeCard: { ids: [{ at: 'input.cardId', type: 'Card', owned: () => own.cardId }] },
  invest: {
    ids: 'public',
    why: 'any investor may invest in an open listing (SPEC section 7); a caller who is not an investor is FORBIDDEN whatever the id',
    forbidden: [
      {
        at: 'input.listingId',
        type: 'Listing',
        owned: () => own.listingId,
        as: 'p',
        with: () => ({ amount: '25.00' }),
      },
    ],
  },
  makePayment: {
    ids: [
      {
        at: 'input.accountId',
        type: 'CreditAccount',
        owned: () => own.accountId,
        with: () => ({ amount: '5.00' }),
      },
    ],
  },
  markNotificationsRead: {
    ids: [{ at: 'input.ids', type: 'Notification', owned: () => own.notificationId }],
  },
  redeemRewards: {
    ids: [
      {
        at: 'input.accountId',
        type: 'CreditAccount',
        owned: () => own.accountId,
        with: () => ({ points: 1000, kind: 'STATEMENT_CREDIT' }),
      },
    ],
  },
  refreshToken: { ids: 'none', why: 'a refresh token, not an id' },
  refundCardTransaction: {
    ids: [
      {
        at: 'input.transactionId',
        type: 'CardTransaction',
        owned: () => own.transactionId,
        with: () => ({ amount: '1.00' }),
      },
    ],
  },
  refundCheckout: {
    ids: [
      {
        at: 'input.checkoutId',
        type: 'Checkout',
        owned: () => own.checkoutId,
        with: () => ({ amount: '10.00' }),
      },
    ],
  },
  registerWebhook: { ids: 'none' },
  reinstateMerchant: {
    ids: 'role-only',
    why: 'admins only; everyone else is FORBIDDEN',
    forbidden: [{ at: 'input.merchantId', type: 'Merchant', owned: () => own.merchantId }],
  },
  removeWebhook: { ids: [{ at: 'input.webhookId', type: 'Webhook', owned: () => own.webhookId }] },
  requestAccountClosure: {
    ids: [{ at: 'input.accountId', type: 'CreditAccount', owned: () => own.accountId }],
  },
  requestDisbursement: {
    // a loan accepted and not paid out yet
    ids: [{ at: 'input.accountId', type: 'CreditAccount', owned: () => own.loanAccountId }],
  },
  revealCard: { ids: [{ at: 'input.cardId', type: 'Card', owned: () => own.cardId }] },
  reviewApplication: {
    ids: 'role-only',
    why: 'underwriters (admins) review anyone’s referred application; everyone else is FORBIDDEN',
    forbidden: [
      {
        at: 'input.applicationId',
        type: 'Application',
        owned: () => own.referredApplicationId,
        with: () => ({ outcome: 'APPROVED', note: 'ok' }),
      },
    ],
  },
  revokeApiKey: { ids: [{ at: 'input.apiKeyId', type: 'ApiKey', owned: () => own.apiKeyId }] },
  signIn: { ids: 'none' },
  signOut: { ids: 'none' },
  signUp: { ids: 'none' },
  submitApplication: { ids: 'none' },
  suspendMerchant: {
    ids: 'role-only',
    why: 'admins only; everyone else is FORBIDDEN',
    forbidden: [{ at: 'input.merchantId', type: 'Merchant', owned: () => own.merchantId }],
  },
  unfreezeCard: { ids: [{ at: 'input.cardId', type: 'Card', owned: () => own.frozenCardId }] },
  updateApplication: {
    ids: [
      {
        at: 'input.applicationId',
        type: 'Application',
        owned: () => own.referredApplicationId,
        with: () => ({ creditScore: 800 }),
      },
    ],
  },
  updateMerchantProfile: { ids: 'none', why: 'the caller’s own profile' },
  withdrawCash: { ids: 'none' },

  // ----- subscriptions (with `since: "0"`: a leak would replay the owner's past events)
  applicationUpdated: {
    ids: [
      {
        at: 'applicationId',
        type: 'Application',
        owned: () => own.referredApplicationId,
        with: () => ({ since: '0' }),
      },
    ],
  },
  cardTransactionPosted: {
    ids: [{ at: 'cardId', type: 'Card', owned: () => own.cardId, with: () => ({ since: '0' }) }],
  },
  checkoutUpdated: {
    ids: [{ at: 'checkoutId', type: 'Checkout', owned: () => own.checkoutId, with: () => ({ since: '0' }) }],
  },
  dashboardMetricsUpdated: { ids: 'none', why: 'admins only' },
  listingFundingChanged: {
    ids: 'public',
    why: 'every investor follows every listing (SPEC section 7); anyone else, as for a listing that does not exist',
    forbidden: [],
    ownerOnlyFor: [
      { at: 'listingId', type: 'Listing', owned: () => own.listingId, as: 'p', with: () => ({ since: '0' }) },
    ],
  },
  notificationReceived: { ids: 'none', why: 'the caller’s own notifications' },
  paymentPosted: {
    ids: [
      { at: 'accountId', type: 'CreditAccount', owned: () => own.accountId, with: () => ({ since: '0' }) },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// Building requests
// ---------------------------------------------------------------------------------------------

/** Every leaf field of a type (no required arguments), objects one level further, for a telling answer. */
function selectionOf(typeName: string, depth: number): string {
  const type = schema.getType(typeName);
  if (!type || !(isObjectType(type) || isInterfaceType(type))) return '__typename';
  const parts = ['__typename'];
  for (const f of Object.values(type.getFields())) {
    if (f.args.some((a) => a.type.toString().endsWith('!'))) continue;
    const named = getNamedType(f.type);
    if (isLeafType(named)) parts.push(f.name);
    else if (depth > 1) parts.push(`${f.name} { ${selectionOf(named.name, depth - 1)} }`);
  }
  return parts.join(' ');
}

function setAt(vars: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = vars;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

/** The operation's variables with `id` at the case's place (and a fresh idempotency key). */
function request(name: string, c: IdCase, id: string): { query: string; variables: Record<string, unknown> } {
  const op = ops.get(name)!;
  const variables = structuredClone(dummyVariables(op));
  const extra = c.with?.() ?? {};
  if (c.at.startsWith('input.')) {
    Object.assign(variables.input as object, extra);
    const fields = (
      getNamedType(op.field.args.find((a) => a.name === 'input')!.type) as { getFields(): object }
    ).getFields();
    if ('idempotencyKey' in fields)
      (variables.input as Record<string, unknown>).idempotencyKey = randomUUID();
  } else Object.assign(variables, extra);
  setAt(variables, c.at, c.at === 'input.ids' ? [id] : id); // `ids: [ID!]!` takes a list
  const selection = selectionOf(getNamedType(op.field.type).name, 2);
  return { query: operationText(op, { args: Object.keys(variables), selection }), variables };
}

const callers = (c: IdCase) => (c.as === 'p' ? other.p : other.b);

/** An answer as compared: status, data and errors, with the ids' text replaced. */
function answer(res: GqlResponse<unknown>, ids: string[]): string {
  let text = JSON.stringify({
    status: res.status,
    data: res.data ?? null,
    errors: res.errors?.map((e) => ({ message: e.message, code: e.extensions?.code, path: e.path })) ?? null,
  });
  for (const id of ids) text = text.split(id).join('<id>');
  return text;
}

/** Everything held on the owners, as they export it, and the journal lines naming their records. */
async function ownersState(): Promise<unknown> {
  const localIds = [own.a.id, own.m.id, own.accountId, own.loanAccountId, own.merchantId].map(
    (g) => fromGlobalId(g)!.id,
  );
  const [a, m, lines] = await Promise.all([
    ...[own.a, own.m].map(async (u) => {
      const res = await s.gql<{ exportMyData: Record<string, unknown> }>(
        '{ exportMyData }',
        {},
        { token: u.accessToken },
      );
      const { exportedAt: _at, sessions: _sessions, ...rest } = ok(res).exportMyData;
      return rest;
    }),
    s.app.orm.em
      .getConnection()
      .execute(
        `select count(*)::int as n from journal_line l join journal_entry e on e.id = l.entry_id
          where e.credit_account_id = any(?::uuid[])
             or ${localIds.map(() => 'position(? in l.ledger_code) > 0').join(' or ')}`,
        [`{${localIds.join(',')}}`, ...localIds],
      )
      .then((rows) => (rows as { n: number }[])[0]!.n),
  ]);
  return { a, m, journalLines: lines };
}

// ---------------------------------------------------------------------------------------------
// The owners' objects, built once
// ---------------------------------------------------------------------------------------------

const gqlOk = async <T>(token: string, query: string, variables: Record<string, unknown> = {}) =>
  ok(await s.gql<T>(query, variables, { token }));

async function submit(u: SignedUp, application: Record<string, unknown>): Promise<string> {
  const r = ok(
    await s.gql(SubmitApplicationDocument, { input: application as never }, { token: u.accessToken }),
  ).submitApplication;
  if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
  return r.application!.id;
}

beforeAll(async () => {
  s = await startTestServer();
  schema = await introspectSchema((q) => s.gql(q));
  ops = new Map(rootOperations(schema).map((o) => [o.name, o]));
  const money = moneyClient(s);
  const market = marketClient(s);
  const shop = shopClient(s);

  const must = <T extends { userErrors: unknown[] }>(r: T): T => {
    if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
    return r;
  };
  const [a, m, b, p, investor] = await Promise.all([
    signUp(s, { roles: ['BORROWER', 'INVESTOR'] }),
    shop.merchant('Owner Shop'),
    signUp(s, { roles: ['BORROWER', 'INVESTOR', 'MERCHANT'] }),
    signUp(s),
    market.investor('100.00'),
  ]);
  const as = (u: SignedUp) => ({ token: u.accessToken });
  // A: a credit line with a purchase and a payment, a second line with its card frozen, a
  // referred application, an approved one not accepted, a loan not paid out, a listed loan,
  // investor cash; M: an API key, a sale to A, an open checkout, a webhook.
  const [line, frozen, referredApplicationId, approvedApplicationId, loanAccountId, listed] =
    await Promise.all([
      openCreditLine(s, a, '2000.00'),
      openCreditLine(s, a, '500.00'),
      submit(a, referredLoan()),
      submit(a, primeLoan()),
      submit(a, primeLoan({ amount: '3000.00' })).then(
        async (applicationId) =>
          must(
            ok(
              await s.gql<{ acceptOffer: { account: { id: string }; userErrors: unknown[] } }>(
                'mutation($input: AcceptOfferInput!) { acceptOffer(input: $input) { account { id } userErrors { code } } }',
                { input: { applicationId } },
                as(a),
              ),
            ).acceptOffer,
          ).account.id,
      ),
      market.listLoan(a),
    ]);
  const [bLine, apiKey, merchant, deposited, checkoutId, open, bought] = await Promise.all([
    openCreditLine(s, b, '1000.00'),
    shop.apiKey(m),
    gqlOk<{ merchant: { id: string } }>(m.accessToken, '{ merchant { id } }'),
    s
      .gql<{ depositCash: { movement: { id: string }; userErrors: unknown[] } }>(
        'mutation($input: CashMovementInput!) { depositCash(input: $input) { movement { id } userErrors { code } } }',
        { input: { amount: '50.00', idempotencyKey: randomUUID() } },
        as(a),
      )
      .then((r) => must(ok(r).depositCash)),
    shop.open(m.accessToken, '100.00'),
    shop.open(m.accessToken, '60.00'),
    money.buy(a, line.cardId, '100.00').then(must),
    s
      .gql(FreezeCardDocument, { input: { cardId: frozen.cardId } }, as(a))
      .then((r) => must(ok(r).freezeCard)),
    market.invest(investor, listed.listingId, '25.00').then(must),
  ]);
  openCheckoutId = open;
  const [paid] = await Promise.all([
    s
      .gql(
        MakePaymentDocument,
        { input: { accountId: line.accountId, amount: '10.00', idempotencyKey: randomUUID() } },
        as(a),
      )
      .then((r) => must(ok(r).makePayment)),
    shop.confirm(a, checkoutId, 'PAY_IN_4', { accountId: line.accountId }).then(must),
  ]);
  // registered after the sale and for settlements only: nothing is owed to it, so nothing
  // changes it in the background
  const [webhook, notes] = await Promise.all([
    s
      .gql(
        RegisterWebhookDocument,
        { input: { url: 'http://127.0.0.1:9/hook', events: ['settlement.paid'] } },
        as(m),
      )
      .then((r) => must(ok(r).registerWebhook)),
    gqlOk<{ me: { notifications: { edges: { node: { id: string } }[] } } }>(
      a.accessToken,
      '{ me { notifications(first: 1, unreadOnly: true) { edges { node { id } } } } }',
    ),
  ]);

  own = {
    a,
    m,
    accountId: line.accountId,
    cardId: line.cardId,
    frozenCardId: frozen.cardId,
    transactionId: bought.transaction!.id,
    paymentId: paid.payment!.id,
    referredApplicationId,
    approvedApplicationId,
    loanAccountId,
    listingId: listed.listingId,
    checkoutId,
    notificationId: notes.me.notifications.edges[0]!.node.id,
    cashMovementId: deposited.movement.id,
    merchantId: merchant.merchant.id,
    webhookId: webhook.webhook!.id,
    apiKeyId: apiKey.id,
  };
  other = { b, bAccountId: bLine.accountId, p };
  // the sweep below must leave all of it as it is now
  baseline = await ownersState();
}, 60_000);

afterAll(async () => {
  await s?.close();
});

// ---------------------------------------------------------------------------------------------
// The table covers the schema
// ---------------------------------------------------------------------------------------------

describe('the table', () => {
  it('names every query, mutation and subscription of the executable schema', () => {
    const missing = [...ops.keys()].filter((name) => !(name in TABLE)).sort();
    expect({ operationsWithoutAnEntry: missing }).toEqual({ operationsWithoutAnEntry: [] });
  });

  it('has no entry for an operation the schema no longer has', () => {
    const stale = Object.keys(TABLE)
      .filter((name) => !ops.has(name))
      .sort();
    expect({ entriesWithoutAnOperation: stale }).toEqual({ entriesWithoutAnOperation: [] });
  });

  it('gives each id an operation takes a case, unless the entry says why not', () => {
    const uncovered = [...ops.values()].flatMap((op) => {
      const entry = TABLE[op.name];
      if (!entry) return [];
      const covered = new Set(casesOf(entry).map((c) => c.at));
      return idArguments(op)
        .filter((at) => !covered.has(at))
        .map((at) => `${op.name}(${at})`);
    });
    expect({ idsWithoutACase: uncovered }).toEqual({ idsWithoutACase: [] });
  });
});

/** Where an operation takes an id: `id`, `input.cardId`, `input.ids`. */
function idArguments(op: RootOperation): string[] {
  return op.field.args.flatMap((a) => {
    const named = getNamedType(a.type);
    if (named.name === 'ID') return [a.name];
    if (isInputObjectType(named))
      return Object.values(named.getFields())
        .filter((f) => getNamedType(f.type).name === 'ID')
        .map((f) => `${a.name}.${f.name}`);
    return [];
  });
}

function casesOf(entry: Entry): IdCase[] {
  if (entry.ids === 'none') return [];
  if (entry.ids === 'role-only') return entry.forbidden;
  if (entry.ids === 'public') return [...entry.forbidden, ...(entry.ownerOnlyFor ?? [])];
  return entry.ids;
}

// ---------------------------------------------------------------------------------------------
// Another user's id answers exactly like an id that does not exist
// ---------------------------------------------------------------------------------------------

/** A subscription on its own socket: every message it got, and how it ended (null: still open). */
function startSubscription(token: string, query: string, variables: Record<string, unknown>) {
  const client = s.ws(token);
  const results: unknown[] = [];
  let ended: { error?: unknown } | null = null;
  client.subscribe(
    { query, variables },
    {
      next: (v) => {
        results.push(v);
      },
      error: (error) => {
        ended = { error };
      },
      complete: () => {
        ended ??= {};
      },
    },
  );
  return { client, results, ended: () => ended };
}
type Started = ReturnType<typeof startSubscription>;

/** What a subscription received and how it ended, as compared (the id's text replaced). */
function seen(x: Started, id: string): string {
  const ended = x.ended();
  const error = ended?.error;
  return JSON.stringify({
    results: x.results,
    ended: !ended
      ? 'still open'
      : Array.isArray(error)
        ? error.map((e: { message: string; extensions?: { code?: string } }) => ({
            message: e.message,
            code: e.extensions?.code,
          }))
        : error
          ? { closed: (error as { code?: number }).code }
          : 'complete',
  })
    .split(id)
    .join('<id>');
}

/** One query over the socket and its answer back. */
const roundTrip = (client: Client) =>
  new Promise<void>((resolve, reject) => {
    client.subscribe(
      { query: '{ __typename }' },
      { next: () => undefined, error: reject, complete: resolve },
    );
  });

/**
 * B subscribes with A's id and with a random id (both `since: "0"`), next to A with A's id.
 * The wait for "nothing arrives" is bounded without a sleep: A's own replay (what a leak would
 * send B, read and executed the same way) has arrived, B's subscriptions are listening (or have
 * ended), and each of B's sockets has answered a later query. By then B's two subscriptions
 * must have received the same thing: nothing (a leak would be A's past events).
 */
async function sweepSubscription(name: string, c: IdCase, ownedId: string, randomId: string) {
  const live = s.app.services.live;
  const before = live.openStreams;
  const start = (token: string, id: string) => {
    const { query, variables } = request(name, c, id);
    return startSubscription(token, query, variables);
  };
  const control = start(own.a.accessToken, ownedId);
  const theirs = start(callers(c).accessToken, ownedId);
  const random = start(callers(c).accessToken, randomId);
  try {
    await waitFor(() => control.results.length > 0, 5000, `A's own past ${name} events`);
    await waitFor(
      () => live.openStreams - before + [theirs, random].filter((x) => x.ended()).length >= 3,
      5000,
      'B’s subscriptions to be listening or ended',
    );
    await Promise.all([theirs, random].filter((x) => !x.ended()).map((x) => roundTrip(x.client)));
    expect(seen(theirs, ownedId)).toEqual(seen(random, randomId));
    expect(theirs.results).toEqual([]);
  } finally {
    await Promise.all([control, theirs, random].map((x) => x.client.dispose()));
    // the next sweep counts its own streams from here
    await waitFor(() => live.openStreams === before, 5000, 'the subscriptions to close');
  }
}

async function sweepHttp(name: string, c: IdCase, ownedId: string, randomId: string) {
  const token = callers(c).accessToken;
  const send = (id: string) => {
    const { query, variables } = request(name, c, id);
    return s.gql(query, variables, { token });
  };
  const [theirs, random] = await Promise.all([send(ownedId), send(randomId)]);
  return { theirs: answer(theirs, [ownedId]), random: answer(random, [randomId]) };
}

const idCases = Object.entries(TABLE).flatMap(([name, entry]) => {
  const list =
    entry.ids === 'none' || entry.ids === 'role-only'
      ? []
      : entry.ids === 'public'
        ? (entry.ownerOnlyFor ?? [])
        : entry.ids;
  return list.map(
    (c) =>
      [
        name,
        `${c.at}: ${c.type}${c.as === 'p' ? ', asked by a borrower who does not invest' : ''}`,
        c,
      ] as const,
  );
});

describe('another user’s id answers exactly like an id that does not exist, and changes nothing', () => {
  it.each(idCases)('%s (%s)', async (name, _label, c) => {
    const ownedId = c.owned();
    const randomId = randomGlobalId(c.type);
    if (ops.get(name)!.kind === 'subscription') {
      await sweepSubscription(name, c, ownedId, randomId);
    } else {
      const { theirs, random } = await sweepHttp(name, c, ownedId, randomId);
      expect(theirs).toEqual(random);
      // the random id was looked up (not refused earlier for another reason): not found
      const field = name;
      expect(random).toMatch(new RegExp(`"code":"NOT_FOUND"|"${field}":null`));
    }
    expect(await ownersState()).toEqual(baseline);
  });
});

const forbiddenCases = Object.entries(TABLE).flatMap(([name, entry]) =>
  entry.ids === 'role-only' || entry.ids === 'public'
    ? entry.forbidden.map((c) => [name, entry.why, c] as const)
    : [],
);

describe('an operation for some roles only refuses anyone else, whatever the id', () => {
  it.each(forbiddenCases)('%s: %s', async (name, _why, c) => {
    const ownedId = c.owned();
    const randomId = randomGlobalId(c.type);
    const { theirs, random } = await sweepHttp(name, c, ownedId, randomId);
    expect(theirs).toEqual(random);
    expect(JSON.parse(random)).toMatchObject({ status: 403, errors: [{ code: 'FORBIDDEN', path: [name] }] });
    expect(await ownersState()).toEqual(baseline);
  });
});

describe('public listings (SPEC section 7) and merchant profiles', () => {
  it('another investor sees A’s listing and its funding', async () => {
    const res = await s.gql<{ listing: { id: string } | null }>(
      'query($id: ID!) { listing(id: $id) { id } }',
      { id: own.listingId },
      { token: other.b.accessToken },
    );
    expect(ok(res).listing).toEqual({ id: own.listingId });
  });

  it('a merchant’s profile is seen by anyone signed in, never its settlement account', async () => {
    const query =
      'query($id: ID!) { node(id: $id) { ... on Merchant { id name settlementAccountReference } } }';
    const seen = ok(
      await s.gql<{ node: unknown }>(query, { id: own.merchantId }, { token: other.p.accessToken }),
    );
    expect(seen.node).toEqual({ id: own.merchantId, name: 'Owner Shop', settlementAccountReference: null });
  });
});

// ---------------------------------------------------------------------------------------------
// Signed out, and presented credentials that are not valid
// ---------------------------------------------------------------------------------------------

/** Work without a token (SPEC section 2); `me` answers null. */
const OPEN_WITHOUT_TOKEN = new Set(['simulateDecision', 'signUp', 'signIn', 'refreshToken']);

type Credential =
  | 'no token'
  | 'a garbage token'
  | 'an expired token'
  | 'a signed-out session’s token'
  | 'a made-up mk_ key'
  | 'a revoked mk_ key';
const CREDENTIALS: Credential[] = [
  'no token',
  'a garbage token',
  'an expired token',
  'a signed-out session’s token',
  'a made-up mk_ key',
  'a revoked mk_ key',
];
let bearer: Record<Credential, string | null>;

beforeAll(async () => {
  // the same claims as a real session's token, signed with the server's key, expired a minute ago
  const x = await signUp(s);
  const claims = JSON.parse(Buffer.from(x.accessToken.split('.')[1]!, 'base64url').toString()) as {
    sub: string;
    sid: string;
    roles: string[];
  };
  const now = Math.floor(Date.now() / 1000);
  const signed = (exp: number) =>
    new SignJWT({ roles: claims.roles, sid: claims.sid })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer('credit-platform')
      .setIssuedAt(now - 960)
      .setExpirationTime(exp)
      .sign(s.app.services.config.secrets.jwt);
  const expired = await signed(now - 60);
  const y = await signUp(s);
  const shop = shopClient(s);
  const merchant = await shop.merchant('Revoked Key Shop');
  const key = await shop.apiKey(merchant, 'to revoke');
  // each credential worked before it was spoiled: only its expiry, sign-out or revocation differs
  const me = '{ me { id } }';
  const worked = await Promise.all([
    s.gql<{ me: { id: string } }>(me, {}, { token: await signed(now + 60) }),
    s.gql<{ me: { id: string } }>(me, {}, { token: y.accessToken }),
    s.gql<{ merchant: { id: string } }>('{ merchant { id } }', {}, { token: key.secret }),
  ]);
  expect(worked.map((r) => ok(r as GqlResponse<Record<string, { id: string }>>))).toEqual([
    { me: { id: x.id } },
    { me: { id: y.id } },
    { merchant: { id: expect.any(String) } },
  ]);
  const [out, revoked] = await Promise.all([
    s.gql(SignOutDocument, {}, { token: y.accessToken }).then((r) => ok(r).signOut),
    s
      .gql(RevokeApiKeyDocument, { input: { apiKeyId: key.id } }, { token: merchant.accessToken })
      .then((r) => ok(r).revokeApiKey),
  ]);
  expect([out.userErrors, revoked.userErrors]).toEqual([[], []]);
  bearer = {
    'no token': null,
    'a garbage token': 'garbage',
    'an expired token': expired,
    'a signed-out session’s token': y.accessToken,
    'a made-up mk_ key': `mk_${randomUUID().replace(/-/g, '')}`,
    'a revoked mk_ key': key.secret,
  };
});

/**
 * Every operation by name, known before the server runs: the emitted schema's, and the
 * table's (the table's checks above hold it to the executable schema).
 */
const everyOperation = [
  ...new Set([
    ...rootOperations(
      buildSchema(readFileSync(join(__dirname, '../../src/schema/schema.graphql'), 'utf8')),
    ).map((o) => o.name),
    ...Object.keys(TABLE),
  ]),
].sort();

/** One operation over graphql-ws with connection_init's `authorization`: what it got, or the close. */
function overSocket(token: string | null, query: string, variables: Record<string, unknown>) {
  const client = s.ws(token);
  return new Promise<{ results: unknown[]; errors?: unknown; closed?: number; complete?: true }>(
    (resolve) => {
      const results: unknown[] = [];
      client.subscribe(
        { query, variables },
        {
          next: (v) => {
            results.push(v);
            // a subscription that was accepted: stop it, it has answered (or would go on listening)
            if (!(v as { errors?: unknown }).errors) resolve({ results });
          },
          error: (e) =>
            resolve(
              Array.isArray(e)
                ? { results, errors: e }
                : { results, closed: (e as { code?: number }).code ?? -1 },
            ),
          complete: () => resolve({ results, complete: true }),
        },
      );
    },
  ).finally(() => client.dispose());
}

describe('signed out, and with a presented credential that is not valid (SPEC section 2)', () => {
  it.each(everyOperation)('%s', async (name) => {
    const op = ops.get(name);
    if (!op) throw new Error(`${name} is not in the schema (see the table's checks)`);
    const query = operationText(op);
    const answers = await Promise.all(
      CREDENTIALS.map(async (credential) => {
        const token = bearer[credential];
        const variables = dummyVariables(op);
        if (op.kind === 'subscription') {
          const r = await overSocket(token, query, variables);
          return { credential, got: r };
        }
        const res = await s.gql(query, variables, { token });
        return {
          credential,
          got: {
            status: res.status,
            data: res.data ?? null,
            codes: res.errors?.map((e) => e.extensions?.code) ?? [],
          },
        };
      }),
    );
    const expected = CREDENTIALS.map((credential) => {
      if (op.kind === 'subscription') {
        // a socket presenting a bad token is refused at connection_init (4403, before any
        // operation runs); without a token the socket opens and the subscription is refused
        return {
          credential,
          got:
            credential === 'no token'
              ? {
                  results: [
                    {
                      errors: [
                        {
                          message: 'You must be signed in.',
                          locations: expect.any(Array),
                          path: [name],
                          extensions: { code: 'UNAUTHENTICATED' },
                        },
                      ],
                    },
                  ],
                  complete: true,
                }
              : { results: [], closed: 4403 },
        };
      }
      if (credential === 'no token' && name === 'me')
        return { credential, got: { status: 200, data: { me: null }, codes: [] } };
      if (credential === 'no token' && OPEN_WITHOUT_TOKEN.has(name))
        return { credential, got: { status: 200, data: { [name]: expect.anything() }, codes: [] } };
      return {
        credential,
        got: {
          status: 401,
          // signed out, the field is refused (null, or its parent when it cannot be); a bad
          // token refuses the whole request
          data: credential === 'no token' && !isNonNullType(op.field.type) ? { [name]: null } : null,
          codes: ['UNAUTHENTICATED'],
        },
      };
    });
    expect(answers).toEqual(expected);
  });
});
