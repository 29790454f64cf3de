import { ACCOUNT_TYPE, CARD_TYPE } from '../accounts/credit-account.service';
import { PLAN_TYPE } from '../accounts/installment-plan.service';
import { TRANSACTION_TYPE } from '../accounts/transaction-view';
import { APPLICATION_TYPE, DECISION_TYPE } from '../applications/application-events';
import { CASH_MOVEMENT_TYPE, LISTING_TYPE, NOTE_TYPE } from '../marketplace/marketplace-view';
import {
  API_KEY_TYPE,
  CHECKOUT_TYPE,
  MERCHANT_TYPE,
  SETTLEMENT_TYPE,
  WEBHOOK_TYPE,
} from '../merchants/merchant-view';
import { NOTIFICATION_TYPE } from '../notifications/notification.service';
import { DISBURSEMENT_TYPE, PAYMENT_TYPE } from '../repayments/payment-view';
import { REDEMPTION_TYPE, REWARD_ENTRY_TYPE } from '../rewards/reward-view';

/*
 * `exportMyData` as ONE statement (SPEC section 2): every section is a JSON sub-select of the
 * same query, so the export costs the same single round trip for a week-old account and a
 * ten-year history, and reads one consistent snapshot. Values are formatted as the API shows
 * them: money as `Decimal` strings ("1500.00"), rates as percentages ("7.99"), instants as
 * ISO-8601 UTC, business dates as YYYY-MM-DD, ids as the API's global ids.
 *
 * What is never selected: password hashes, refresh-token hashes, the encrypted PAN and its
 * hash, API-key hashes, webhook signing secrets, and other people's identities (a merchant's
 * shoppers, an admin who decided, other investors).
 */

type Fields = Record<string, string>;

/** Cents as a `Decimal` string. */
const money = (col: string) => `(${col}::numeric / 100)::numeric(20,2)::text`;
/** Basis points as a percentage string ("7.99"). */
const rate = (col: string) => `(${col}::numeric / 100)::numeric(10,2)::text`;
/** An instant as `2026-12-02T04:12:20.000Z` (what `Date.toISOString` gives). */
const iso = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const day = (col: string) => `to_char(${col}, 'YYYY-MM-DD')`;
/** The API's global id (base64url of `<Type>:<id>`, no padding; PostgreSQL wraps base64 lines). */
const gid = (type: string, col: string) =>
  `rtrim(translate(encode(convert_to('${type}:' || ${col}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`;

const object = (fields: Fields): string =>
  `json_build_object(${Object.entries(fields)
    .map(([k, v]) => `'${k}', ${v}`)
    .join(', ')})`;

/** A JSON array of one object per row of `from` (a FROM … WHERE clause), in `order`. */
const list = (fields: Fields, from: string, order: string): string =>
  `coalesce((select json_agg(${object(fields)} order by ${order}) from ${from}), '[]'::json)`;

/** A ledger account's balance (debit positive). */
const ledgerBalance = (code: string) =>
  `(select coalesce(sum(jl.amount), 0) from journal_line jl where jl.ledger_code = ${code})`;

const profile = `(select ${object({
  id: gid('User', 'u.id'),
  email: 'u.email',
  name: 'u.name',
  roles: 'u.roles',
  createdAt: iso('u.created_at'),
  updatedAt: iso('u.updated_at'),
})} from app_user u where u.id = me.id)`;

const applications = list(
  {
    id: gid(APPLICATION_TYPE, 'a.id'),
    product: 'a.product',
    status: 'a.status',
    amount: money('a.amount'),
    termMonths: 'a.term_months',
    purpose: 'a.purpose',
    dateOfBirth: day('a.date_of_birth'),
    monthlyIncome: money('a.monthly_income'),
    monthlyDebt: money('a.monthly_debt'),
    employmentStatus: 'a.employment_status',
    creditScore: 'a.credit_score',
    alternativeData: object({
      onTimeRentMonths: 'a.on_time_rent_months',
      onTimeUtilityMonths: 'a.on_time_utility_months',
      bankAccountAgeMonths: 'a.bank_account_age_months',
      overdraftsLast90Days: 'a.overdrafts_last90days',
    }),
    reviewNote: 'a.review_note',
    offerExpiresAt: iso('a.offer_expires_at'),
    createdAt: iso('a.created_at'),
    updatedAt: iso('a.updated_at'),
    decisions: list(
      {
        id: gid(DECISION_TYPE, 'd.id'),
        outcome: 'd.outcome',
        score: 'd.score',
        grade: 'd.grade',
        apr: rate('d.apr_bp'),
        approvedAmount: money('d.approved_amount'),
        counterOffer: 'd.counter_offer',
        reasons: 'd.reasons',
        scoreBreakdown: 'd.trace',
        modelVersion: 'd.model_version',
        decidedBy: 'd.decided_by',
        decidedAt: iso('d.decided_at'),
        offer: 'd.offer',
      },
      'credit_decision d where d.application_id = a.id',
      'd.id',
    ),
  },
  'credit_application a where a.applicant_id = me.id',
  'a.id',
);

const accounts = list(
  {
    id: gid(ACCOUNT_TYPE, 'a.id'),
    applicationId: gid(APPLICATION_TYPE, 'a.application_id'),
    kind: 'a.kind',
    status: 'a.status',
    apr: rate('a.apr_bp'),
    creditLimit: money('a.credit_limit'),
    availableCredit: money('a.available_credit'),
    termMonths: 'a.term_months',
    fundingSource: 'a.funding_source',
    daysPastDue: 'a.days_past_due',
    openedAt: iso('a.opened_at'),
    owed: object({
      principal: money(ledgerBalance(`'account:' || a.id || ':principal'`)),
      interest: money(ledgerBalance(`'account:' || a.id || ':interest'`)),
      fees: money(ledgerBalance(`'account:' || a.id || ':fees'`)),
    }),
    // Never the PAN, its ciphertext or hash, nor a CVV (never stored).
    cards: list(
      {
        id: gid(CARD_TYPE, 'c.id'),
        last4: 'c.last4',
        expiryMonth: 'c.expiry_month',
        expiryYear: 'c.expiry_year',
        status: 'c.status',
        createdAt: iso('c.created_at'),
      },
      'card c where c.account_id = a.id',
      'c.id',
    ),
    listing: `(select ${object({
      id: gid(LISTING_TYPE, 'l.id'),
      status: 'l.status',
      grade: 'l.grade',
      amount: money('l.amount'),
      funded: money('l.funded'),
      investorCount: 'l.investor_count',
      expiresAt: iso('l.expires_at'),
      fundedAt: iso('l.funded_at'),
    })} from listing l where l.account_id = a.id)`,
  },
  'credit_account a where a.owner_id = me.id',
  'a.id',
);

const cardTransactions = list(
  {
    id: gid(TRANSACTION_TYPE, 't.id'),
    accountId: gid(ACCOUNT_TYPE, 't.account_id'),
    cardId: gid(CARD_TYPE, 't.card_id'),
    kind: 't.kind',
    status: 't.status',
    amount: money('t.amount'),
    refunded: money('t.refunded'),
    merchantName: 't.merchant_name',
    category: 't.category',
    declineReason: 't.decline_reason',
    rewardPoints: 't.reward_points - t.reward_points_reversed',
    dueDate: day('t.due_date'),
    planId: gid(PLAN_TYPE, 't.plan_id'),
    createdAt: iso('t.created_at'),
  },
  'card_transaction t where t.account_id in (select id from my_accounts)',
  't.id',
);

const installmentPlans = list(
  {
    id: gid(PLAN_TYPE, 'p.id'),
    accountId: gid(ACCOUNT_TYPE, 'p.account_id'),
    kind: 'p.kind',
    status: 'p.status',
    apr: rate('p.apr_bp'),
    principal: money('p.principal'),
    startDate: day('p.start_date'),
    transactionId: gid(TRANSACTION_TYPE, 'p.source_transaction_id'),
    checkoutId: gid(CHECKOUT_TYPE, 'p.checkout_id'),
    createdAt: iso('p.created_at'),
    installments: list(
      {
        number: 'i.number',
        dueDate: day('i.due_date'),
        status: 'i.status',
        principal: money('i.principal'),
        interest: money('i.interest'),
        fee: money('i.fee'),
        paid: money('i.paid'),
        paidAt: iso('i.paid_at'),
      },
      'installment i where i.plan_id = p.id',
      'i.number',
    ),
  },
  'installment_plan p where p.account_id in (select id from my_accounts)',
  'p.id',
);

const payments = list(
  {
    id: gid(PAYMENT_TYPE, 'p.id'),
    accountId: gid(ACCOUNT_TYPE, 'p.account_id'),
    status: 'p.status',
    source: 'p.source',
    amount: money('p.amount'),
    prepayment: money('p.prepayment'),
    failureReason: 'p.failure_reason',
    planId: gid(PLAN_TYPE, 'p.plan_id'),
    createdAt: iso('p.created_at'),
    settledAt: iso('p.settled_at'),
    allocations: list(
      {
        planId: gid(PLAN_TYPE, 'x.plan_id'),
        installmentNumber: 'x.installment_number',
        transactionId: gid(TRANSACTION_TYPE, 'x.transaction_id'),
        fee: money('x.fee'),
        interest: money('x.interest'),
        principal: money('x.principal'),
      },
      'payment_allocation x where x.payment_id = p.id',
      'x.id',
    ),
  },
  'payment p where p.account_id in (select id from my_accounts)',
  'p.id',
);

const disbursements = list(
  {
    id: gid(DISBURSEMENT_TYPE, 'd.id'),
    accountId: gid(ACCOUNT_TYPE, 'd.account_id'),
    kind: 'd.kind',
    status: 'd.status',
    amount: money('d.amount'),
    termMonths: 'd.term_months',
    failureReason: 'd.failure_reason',
    createdAt: iso('d.created_at'),
    settledAt: iso('d.settled_at'),
  },
  'disbursement d where d.account_id in (select id from my_accounts)',
  'd.id',
);

/** Pay-later purchases at merchants: the merchant's public name, never its other shoppers. */
const checkoutPurchases = list(
  {
    id: gid(CHECKOUT_TYPE, 'c.id'),
    merchant: '(select m.business_name from merchant m where m.id = c.merchant_id)',
    status: 'c.status',
    plan: 'c.plan',
    amount: money('c.amount'),
    refunded: money('c.refunded'),
    orderReference: 'c.order_reference',
    description: 'c.description',
    accountId: gid(ACCOUNT_TYPE, 'c.account_id'),
    planId: gid(PLAN_TYPE, 'c.plan_id'),
    completedAt: iso('c.completed_at'),
    createdAt: iso('c.created_at'),
  },
  'checkout c where c.shopper_id = me.id',
  'c.id',
);

const rewards = object({
  balance: 'coalesce((select b.balance from reward_balance b where b.user_id = me.id), 0)',
  lifetimeEarned: 'coalesce((select b.lifetime_earned from reward_balance b where b.user_id = me.id), 0)',
  entries: list(
    {
      id: gid(REWARD_ENTRY_TYPE, 'e.id'),
      points: 'e.points',
      reason: 'e.reason',
      createdAt: iso('e.created_at'),
    },
    'reward_entry e where e.user_id = me.id',
    'e.id',
  ),
  redemptions: list(
    {
      id: gid(REDEMPTION_TYPE, 'r.id'),
      accountId: gid(ACCOUNT_TYPE, 'r.account_id'),
      kind: 'r.kind',
      points: 'r.points',
      value: money('r.value'),
      pointsClawedBack: 'r.points_clawed_back',
      paymentId: gid(PAYMENT_TYPE, 'r.payment_id'),
      createdAt: iso('r.created_at'),
    },
    'reward_redemption r where r.user_id = me.id',
    'r.id',
  ),
});

const notifications = list(
  {
    id: gid(NOTIFICATION_TYPE, 'n.id'),
    kind: 'n.kind',
    title: 'n.title',
    body: 'n.body',
    data: 'n.data',
    readAt: iso('n.read_at'),
    createdAt: iso('n.created_at'),
  },
  'notification n where n.user_id = me.id',
  'n.id',
);

/**
 * Sign-in sessions (refresh-token families): when each started, was last refreshed and
 * expires, and when it ended (signed out, or revoked as a stolen token's family). Never a
 * token or its hash.
 */
const sessions = list(
  {
    id: 's.family_id',
    startedAt: iso('s.started_at'),
    lastRefreshedAt: iso('s.last_refreshed_at'),
    expiresAt: iso('s.expires_at'),
    endedAt: iso('s.ended_at'),
  },
  `(select r.family_id, min(r.created_at) as started_at, max(r.created_at) as last_refreshed_at,
           max(r.expires_at) as expires_at,
           case when bool_and(r.revoked_at is not null) then max(r.revoked_at) end as ended_at
      from refresh_token r where r.user_id = me.id group by r.family_id) s`,
  's.started_at, s.family_id',
);

/**
 * Audit entries by them or about one of their objects. Who else acted is not named, only their
 * role: STAFF (an admin), SYSTEM (the daily job, background work) or COUNTERPARTY (the other
 * side of a shared object: a merchant on their checkout, a shopper on the merchant's). What a
 * counterparty's entry changed is left out: it describes the counterparty's side (their
 * account, their plan).
 */
const actorIsStaff = `exists (select 1 from app_user x where x.id = e.actor_id and 'ADMIN' = any(x.roles))`;
const auditEntries = list(
  {
    id: 'e.id',
    at: iso('e.at'),
    action: 'e.action',
    objectId: 'e.object_id',
    actor: `case when e.actor_id = me.id then 'YOU' when e.actor_id is null then 'SYSTEM'
                 when ${actorIsStaff} then 'STAFF' else 'COUNTERPARTY' end`,
    changes: `case when e.actor_id = me.id or e.actor_id is null or ${actorIsStaff} then e.changes end`,
  },
  `audit_entry e where e.id in (
     select x.id from audit_entry x where x.actor_id = me.id
     union
     select x.id from audit_entry x where x.object_id in (select id from my_objects))`,
  'e.id',
);

const investor = `(select ${object({
  cash: money('ia.cash'),
  notes: list(
    {
      id: gid(NOTE_TYPE, 'n.id'),
      listingId: gid(LISTING_TYPE, 'n.listing_id'),
      grade: 'l.grade',
      apr: rate('l.apr_bp'),
      termMonths: 'l.term_months',
      status: 'n.status',
      amount: money('n.amount'),
      principalReceived: money('n.principal_received'),
      interestReceived: money('n.interest_received'),
      feesPaid: money('n.fees_paid'),
      createdAt: iso('n.created_at'),
    },
    'note n join listing l on l.id = n.listing_id where n.investor_id = me.id',
    'n.id',
  ),
  cashMovements: list(
    {
      id: gid(CASH_MOVEMENT_TYPE, 'm.id'),
      kind: 'm.kind',
      status: 'm.status',
      amount: money('m.amount'),
      failureReason: 'm.failure_reason',
      createdAt: iso('m.created_at'),
      settledAt: iso('m.settled_at'),
    },
    'cash_movement m where m.user_id = me.id',
    'm.id',
  ),
})} from investor_account ia where ia.user_id = me.id)`;

/** The merchant side: never API-key hashes, webhook secrets, nor who the shoppers were. */
const merchant = `(select ${object({
  profile: object({
    id: gid(MERCHANT_TYPE, 'm.id'),
    businessName: 'm.business_name',
    website: 'm.website',
    settlementAccountReference: 'm.settlement_account_ref',
    status: 'm.status',
    suspendedReason: 'm.suspended_reason',
    verifiedAt: iso('m.verified_at'),
    createdAt: iso('m.created_at'),
  }),
  apiKeys: list(
    {
      id: gid(API_KEY_TYPE, 'k.id'),
      name: 'k.name',
      prefix: 'k.prefix',
      createdAt: iso('k.created_at'),
      revokedAt: iso('k.revoked_at'),
    },
    'api_key k where k.merchant_id = m.id',
    'k.id',
  ),
  checkouts: list(
    {
      id: gid(CHECKOUT_TYPE, 'c.id'),
      status: 'c.status',
      plan: 'c.plan',
      amount: money('c.amount'),
      refunded: money('c.refunded'),
      orderReference: 'c.order_reference',
      description: 'c.description',
      expiresAt: iso('c.expires_at'),
      completedAt: iso('c.completed_at'),
      createdAt: iso('c.created_at'),
      refunds: list(
        { amount: money('r.amount'), refundedOn: day('r.refunded_on'), createdAt: iso('r.created_at') },
        'checkout_refund r where r.checkout_id = c.id',
        'r.id',
      ),
    },
    'checkout c where c.merchant_id = m.id',
    'c.id',
  ),
  settlements: list(
    {
      id: gid(SETTLEMENT_TYPE, 's.id'),
      date: day('s.date'),
      status: 's.status',
      gross: money('s.gross'),
      refunds: money('s.refunds'),
      fees: money('s.fees'),
      net: money('s.net'),
      paidAt: iso('s.paid_at'),
      createdAt: iso('s.created_at'),
    },
    'merchant_settlement s where s.merchant_id = m.id',
    's.id',
  ),
  webhooks: list(
    {
      id: gid(WEBHOOK_TYPE, 'w.id'),
      url: 'w.url',
      events: 'w.events',
      createdAt: iso('w.created_at'),
      disabledAt: iso('w.disabled_at'),
    },
    'webhook_endpoint w where w.merchant_id = m.id',
    'w.id',
  ),
})} from merchant m where m.user_id = me.id)`;

/**
 * The whole export: one row, one column (`document`, JSON). One `?`: the user's id. `my_objects`
 * are the stored ids the audit log may name as one of theirs.
 */
export const EXPORT_STATEMENT = `
with me as (select ?::uuid as id),
my_accounts as (select a.id from credit_account a where a.owner_id = (select id from me)),
my_merchant as (select m.id from merchant m where m.user_id = (select id from me)),
my_objects as (
  select (select id from me)::text as id
  union all select a.id::text from credit_application a where a.applicant_id = (select id from me)
  union all select id::text from my_accounts
  union all select c.id::text from card c where c.account_id in (select id from my_accounts)
  union all select t.id::text from card_transaction t where t.account_id in (select id from my_accounts)
  union all select r.id::text from reward_redemption r where r.user_id = (select id from me)
  union all select m.id::text from cash_movement m where m.user_id = (select id from me)
  union all select distinct r.family_id::text from refresh_token r where r.user_id = (select id from me)
  union all select id::text from my_merchant
  union all select k.id::text from api_key k where k.merchant_id in (select id from my_merchant)
  union all select c.id::text from checkout c where c.merchant_id in (select id from my_merchant)
  union all select c.id::text from checkout c where c.shopper_id = (select id from me)
  union all select s.id::text from merchant_settlement s where s.merchant_id in (select id from my_merchant)
  union all select w.id::text from webhook_endpoint w where w.merchant_id in (select id from my_merchant)
)
select ${object({
  profile,
  applications,
  accounts,
  cardTransactions,
  installmentPlans,
  payments,
  disbursements,
  checkoutPurchases,
  rewards,
  notifications,
  sessions,
  auditEntries,
  investor,
  merchant,
})} as document from me`;
