import { randomUUID } from 'node:crypto';
import {
  AcceptOfferDocument,
  AccountDocument,
  AuthorizeCardTransactionDocument,
  CancelApplicationDocument,
  CardTransactionPostedDocument,
  CloseCardDocument,
  ConvertToInstallmentsDocument,
  FreezeCardDocument,
  ImpactDocument,
  MyDashboardDocument,
  MyRewardsDocument,
  NodeDocument,
  RedeemRewardsDocument,
  MakePaymentDocument,
  RefundCardTransactionDocument,
  RevealCardDocument,
  SubmitApplicationDocument,
  TrialBalanceDocument,
  UnfreezeCardDocument,
} from '../generated/contract';
import { monthlySchedule } from '../../src/domain/common/amortization';
import { isLuhnValid } from '../../src/domain/accounts/card-number';
import { CreditAccount } from '../../src/entities';
import { fromGlobalId } from '../../src/lib/global-id';
import { listen } from '../support/live';
import { makeAdmin, openCreditLine, primeLoan, signUp, type SignedUp } from '../support/fixtures';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
let admin: SignedUp;
beforeAll(async () => {
  s = await startTestServer();
  admin = await makeAdmin(s);
});
afterAll(async () => {
  await s?.close();
});

const buy = (
  u: SignedUp,
  cardId: string,
  amount: string,
  category = 'SHOPPING',
  key: string = randomUUID(),
) =>
  s
    .gql(
      AuthorizeCardTransactionDocument,
      {
        input: {
          cardId,
          amount,
          merchantName: 'Corner Shop',
          category: category as never,
          idempotencyKey: key,
        },
      },
      { token: u.accessToken },
    )
    .then((r) => ok(r).authorizeCardTransaction);

const account = async (u: SignedUp, id: string) =>
  ok(await s.gql(AccountDocument, { id }, { token: u.accessToken })).account!;

const trialBalance = async () =>
  ok(await s.gql(TrialBalanceDocument, {}, { token: admin.accessToken })).trialBalance;
/** The platform's rewards liability in cents, as the trial balance shows it. */
const rewardsLiability = async () =>
  Math.round(
    Number(
      (await trialBalance()).accounts.find((a) => a.code === 'platform:rewards_liability')!.balance.amount,
    ) * 100,
  );

/** Every figure the API shows for an account, checked against the ledger and the card rows. */
async function expectReconciled(accountGlobalId: string) {
  const id = fromGlobalId(accountGlobalId)!.id;
  const em = s.app.orm.em.fork();
  const a = await em.findOneOrFail(CreditAccount, { id });
  const receivable = await s.app.services.ledger.balance(em, `account:${id}:principal`);
  expect(Number(a.availableCredit)).toBe(Number(a.creditLimit) - receivable);
  expect(Number(a.availableCredit)).toBeGreaterThanOrEqual(0);
  const tb = await trialBalance();
  expect(tb.totalDebits).toEqual(tb.totalCredits);
  expect(tb.accounts.reduce((sum, acc) => sum + Math.round(Number(acc.balance.amount) * 100), 0)).toBe(0);
}

describe('accepting an offer', () => {
  it('opens a credit line with its limit and issues a virtual card at once', async () => {
    const u = await signUp(s);
    const app = ok(
      await s.gql(
        SubmitApplicationDocument,
        { input: primeLoan({ product: 'CREDIT_LINE', termMonths: null, amount: '2500.00' }) as never },
        { token: u.accessToken },
      ),
    ).submitApplication.application!;
    const res = ok(
      await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer;
    expect(res.userErrors).toEqual([]);
    expect(res.application).toEqual({ id: app.id, status: 'ACCEPTED' });
    expect(res.account).toMatchObject({
      kind: 'CREDIT_LINE',
      status: 'ACTIVE',
      creditLimit: { amount: '2500.00', currency: 'USD' },
    });
    const card = res.account!.cards[0]!;
    expect(card).toMatchObject({ status: 'ACTIVE', last4: expect.stringMatching(/^\d{4}$/) });
    const acc = await account(u, res.account!.id);
    expect(acc).toMatchObject({
      apr: '7.99',
      availableCredit: { amount: '2500.00' },
      outstandingBalance: { amount: '0.00' },
      delinquencyBucket: 'CURRENT',
      daysPastDue: 0,
    });
    expect(acc.cards[0]!.expiryYear).toBe(new Date().getUTCFullYear() + 3);

    const again = ok(
      await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer;
    expect(again.userErrors[0]!.code).toBe('INVALID_STATE');
  });

  it('opens a personal loan awaiting disbursement (platform) or funding (marketplace), with no card', async () => {
    const u = await signUp(s);
    for (const [funding, status] of [
      [undefined, 'PENDING_DISBURSEMENT'],
      ['MARKETPLACE', 'PENDING_FUNDING'],
    ] as const) {
      const app = ok(
        await s.gql(SubmitApplicationDocument, { input: primeLoan() as never }, { token: u.accessToken }),
      ).submitApplication.application!;
      const res = ok(
        await s.gql(
          AcceptOfferDocument,
          { input: { applicationId: app.id, funding } },
          { token: u.accessToken },
        ),
      ).acceptOffer;
      expect(res.account).toMatchObject({
        kind: 'PERSONAL_LOAN',
        status,
        creditLimit: { amount: '5000.00' },
        cards: [],
      });
    }
  });

  it('refuses an offer that expired, even before the daily job marks it', async () => {
    const u = await signUp(s);
    const app = ok(
      await s.gql(SubmitApplicationDocument, { input: primeLoan() as never }, { token: u.accessToken }),
    ).submitApplication.application!;
    await s.app.orm.em
      .fork()
      .getConnection()
      .execute("update credit_application set offer_expires_at = now() - interval '1 second' where id = ?", [
        fromGlobalId(app.id)!.id,
      ]);
    const res = ok(
      await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
    ).acceptOffer;
    expect(res.userErrors).toEqual([
      { code: 'OFFER_EXPIRED', field: ['input', 'applicationId'], message: 'This offer has expired.' },
    ]);
    expect(res.account).toBeNull();
  });

  it('20 concurrent acceptOffer and cancelApplication calls: exactly one wins, at most one account', async () => {
    const u = await signUp(s);
    const app = ok(
      await s.gql(SubmitApplicationDocument, { input: primeLoan() as never }, { token: u.accessToken }),
    ).submitApplication.application!;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? s
              .gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken })
              .then((r) => ok(r).acceptOffer)
          : s
              .gql(CancelApplicationDocument, { input: { applicationId: app.id } }, { token: u.accessToken })
              .then((r) => ok(r).cancelApplication),
      ),
    );
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(1);
    expect(results.filter((r) => r.userErrors[0]?.code === 'INVALID_STATE')).toHaveLength(19);
    const accounts = await s.app.orm.em
      .fork()
      .count(CreditAccount, { applicationId: fromGlobalId(app.id)!.id });
    expect(accounts).toBeLessThanOrEqual(1);
  });
});

describe('cards', () => {
  it('stores the PAN only encrypted; reveal shows a Luhn-valid PAN and a stable CVV to the owner, and is audited', async () => {
    const u = await signUp(s);
    const { cardId } = await openCreditLine(s, u);
    const revealed = ok(
      await s.gql(RevealCardDocument, { input: { cardId } }, { token: u.accessToken }),
    ).revealCard;
    expect(revealed.userErrors).toEqual([]);
    expect(revealed.pan).toMatch(/^\d{16}$/);
    expect(isLuhnValid(revealed.pan!)).toBe(true);
    expect(revealed.cvv).toMatch(/^\d{3}$/);
    const again = ok(
      await s.gql(RevealCardDocument, { input: { cardId } }, { token: u.accessToken }),
    ).revealCard;
    expect(again.cvv).toBe(revealed.cvv);

    const localId = fromGlobalId(cardId)!.id;
    const [row] = (await s.app.orm.em
      .fork()
      .getConnection()
      .execute('select * from card where id = ?', [localId])) as Record<string, unknown>[];
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(revealed.pan!);
    expect(stored).not.toMatch(new RegExp(`"${revealed.cvv}"`));
    expect(row!.last4).toBe(revealed.pan!.slice(-4));
    const audits = (await s.app.orm.em
      .fork()
      .getConnection()
      .execute("select count(*)::int as n from audit_entry where action = 'card.reveal' and object_id = ?", [
        localId,
      ])) as { n: number }[];
    expect(audits[0]!.n).toBe(2);
  });

  it('another user cannot reveal, freeze, see or spend on the card', async () => {
    const u = await signUp(s);
    const other = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    const reveal = ok(
      await s.gql(RevealCardDocument, { input: { cardId } }, { token: other.accessToken }),
    ).revealCard;
    expect(reveal).toMatchObject({
      pan: null,
      cvv: null,
      userErrors: [{ code: 'NOT_FOUND', field: ['input', 'cardId'] }],
    });
    expect(
      ok(await s.gql(FreezeCardDocument, { input: { cardId } }, { token: other.accessToken })).freezeCard
        .userErrors[0]!.code,
    ).toBe('NOT_FOUND');
    expect((await buy(other, cardId, '10.00')).userErrors[0]!.code).toBe('NOT_FOUND');
    expect(
      ok(await s.gql(AccountDocument, { id: accountId }, { token: other.accessToken })).account,
    ).toBeNull();
    expect(ok(await s.gql(NodeDocument, { id: cardId }, { token: other.accessToken })).node).toBeNull();
    expect(ok(await s.gql(NodeDocument, { id: accountId }, { token: other.accessToken })).node).toBeNull();
    expect(ok(await s.gql(NodeDocument, { id: cardId }, { token: u.accessToken })).node).toEqual({
      id: cardId,
      __typename: 'Card',
    });
  });

  it('a frozen card declines purchases; unfrozen it approves again; only admins close a card', async () => {
    const u = await signUp(s);
    const { cardId } = await openCreditLine(s, u);
    expect(
      ok(await s.gql(FreezeCardDocument, { input: { cardId } }, { token: u.accessToken })).freezeCard.card,
    ).toEqual({ id: cardId, status: 'FROZEN' });
    const declined = await buy(u, cardId, '10.00');
    expect(declined.transaction).toMatchObject({
      status: 'DECLINED',
      declineReason: 'CARD_FROZEN',
      rewardPoints: 0,
      dueDate: null,
    });
    expect(declined.account!.availableCredit.amount).toBe('1000.00');
    ok(await s.gql(UnfreezeCardDocument, { input: { cardId } }, { token: u.accessToken }));
    expect((await buy(u, cardId, '10.00')).transaction!.status).toBe('APPROVED');

    const byOwner = await s.gql(CloseCardDocument, { input: { cardId } }, { token: u.accessToken });
    expect(byOwner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(
      ok(await s.gql(CloseCardDocument, { input: { cardId } }, { token: admin.accessToken })).closeCard.card!
        .status,
    ).toBe('CLOSED');
    expect((await buy(u, cardId, '1.00')).transaction!.declineReason).toBe('CARD_CLOSED');
    expect(
      ok(await s.gql(UnfreezeCardDocument, { input: { cardId } }, { token: u.accessToken })).unfreezeCard
        .userErrors[0]!.code,
    ).toBe('INVALID_STATE');
  });
});

describe('purchases', () => {
  it('40 concurrent $60.00 authorizations on a fresh $1,000.00 line: 16 approved, 24 declined, $40.00 left, ledger balanced', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u, '1000.00');
    const results = await Promise.all(Array.from({ length: 40 }, () => buy(u, cardId, '60.00')));
    const approved = results.filter((r) => r.transaction!.status === 'APPROVED');
    const declined = results.filter((r) => r.transaction!.status === 'DECLINED');
    expect(approved).toHaveLength(16);
    expect(declined).toHaveLength(24);
    expect(declined.every((r) => r.transaction!.declineReason === 'INSUFFICIENT_CREDIT')).toBe(true);
    const acc = await account(u, accountId);
    expect(acc.availableCredit.amount).toBe('40.00');
    expect(acc.outstandingBalance.amount).toBe('960.00');
    expect(acc.transactions.totalCount).toBe(40);
    await expectReconciled(accountId);
  });

  it('an approved purchase is written by one statement, with its bill, postings, points, notification and event', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u, '1000.00');
    await buy(u, cardId, '1.00'); // the card's account and owner are remembered from here on
    const statements: string[] = [];
    const record = (q: { sql: string }) => statements.push(q.sql);
    const knex = s.app.services.knex;
    knex.on('query', record);
    let bought;
    try {
      bought = await buy(u, cardId, '25.99', 'DINING');
    } finally {
      knex.off('query', record);
    }
    // Besides the sign-in check and the event relay (after the commit), one statement.
    const purchase = statements.filter((q) => /\b(card|credit_account|card_transaction)\b/.test(q));
    expect(purchase).toHaveLength(1);
    expect(purchase[0]).toMatch(/insert into "card_transaction"/);
    expect(bought.transaction).toMatchObject({ status: 'APPROVED', rewardPoints: 250 });
    expect(bought.account!.availableCredit.amount).toBe('973.01');
    await expectReconciled(accountId);

    // The account it answers with is the account as any read shows it.
    const fields =
      'id kind status apr openedAt daysPastDue creditLimit { amount } availableCredit { amount }';
    const again = await s.gql<{ authorizeCardTransaction: { account: Record<string, unknown> } }>(
      `mutation($input: AuthorizeCardTransactionInput!) { authorizeCardTransaction(input: $input) { account { ${fields} } } }`,
      {
        input: {
          cardId,
          amount: '1.00',
          merchantName: 'Corner Shop',
          category: 'OTHER',
          idempotencyKey: randomUUID(),
        },
      },
      { token: u.accessToken },
    );
    const read = await s.gql<{ account: Record<string, unknown> }>(
      `query($id: ID!) { account(id: $id) { ${fields} } }`,
      { id: accountId },
      { token: u.accessToken },
    );
    expect(ok(again).authorizeCardTransaction.account).toEqual(ok(read).account);
  });

  it('the same key sent 10 times at once: one purchase, one charge, every answer the same transaction', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u, '1000.00');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => buy(u, cardId, '60.00', 'OTHER', 'same-key')),
    );
    const ids = new Set(results.map((r) => r.transaction?.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.transaction!.status === 'APPROVED' && r.userErrors.length === 0)).toBe(
      true,
    );
    const acc = await account(u, accountId);
    expect(acc.availableCredit.amount).toBe('940.00');
    expect(acc.transactions.totalCount).toBe(1);
    await expectReconciled(accountId);
  });

  it('an approved purchase is due in 45 days and earns points by category', async () => {
    const u = await signUp(s);
    const { cardId } = await openCreditLine(s, u);
    const dining = await buy(u, cardId, '25.99', 'DINING');
    expect(dining.transaction).toMatchObject({
      status: 'APPROVED',
      rewardPoints: 250,
      amount: { amount: '25.99' },
      refunded: { amount: '0.00' },
    });
    const today = s.app.services.clock.today();
    const due = new Date(Date.parse(`${today}T00:00:00Z`) + 45 * 86_400_000).toISOString().slice(0, 10);
    expect(dining.transaction!.dueDate).toBe(due);
    expect((await buy(u, cardId, '9.99', 'GROCERY')).transaction!.rewardPoints).toBe(9);
    const rewards = ok(await s.gql(MyRewardsDocument, {}, { token: u.accessToken })).me!.rewards;
    expect(rewards).toMatchObject({ balance: 259, lifetimeEarned: 259 });
    expect(rewards.entries.edges.map((e) => e.node.reason)).toEqual(['PURCHASE', 'PURCHASE']);
  });

  it('the same idempotency key returns the same transaction and moves nothing; with another amount it is refused', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    const first = await buy(u, cardId, '100.00', 'SHOPPING', 'key-1');
    const again = await buy(u, cardId, '100.00', 'SHOPPING', 'key-1');
    expect(again.transaction!.id).toBe(first.transaction!.id);
    expect(again.account!.availableCredit.amount).toBe('900.00');
    const other = await buy(u, cardId, '101.00', 'SHOPPING', 'key-1');
    expect(other.transaction).toBeNull();
    expect(other.userErrors[0]).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      field: ['input', 'idempotencyKey'],
    });
    expect((await account(u, accountId)).transactions.totalCount).toBe(1);
  });

  it.each([
    ['zero amount', { amount: '0.00' }, ['input', 'amount']],
    ['negative amount', { amount: '-5.00' }, ['input', 'amount']],
    ['empty merchant', { merchantName: ' ' }, ['input', 'merchantName']],
    ['idempotency key too long', { idempotencyKey: 'k'.repeat(101) }, ['input', 'idempotencyKey']],
  ])('refuses %s, naming the field, and nothing changes', async (_what, override, field) => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    const res = ok(
      await s.gql(
        AuthorizeCardTransactionDocument,
        {
          input: {
            cardId,
            amount: '10.00',
            merchantName: 'Shop',
            category: 'OTHER',
            idempotencyKey: randomUUID(),
            ...override,
          } as never,
        },
        { token: u.accessToken },
      ),
    ).authorizeCardTransaction;
    expect(res.transaction).toBeNull();
    expect(res.userErrors[0]!.field).toEqual(field);
    expect((await account(u, accountId)).transactions.totalCount).toBe(0);
  });

  it('a refund restores credit and takes back points in proportion; never more than the purchase', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    const t = (await buy(u, cardId, '200.00', 'TRAVEL')).transaction!;
    expect(t.rewardPoints).toBe(2000);
    const refund = (amount: string, key = randomUUID()) =>
      s
        .gql(
          RefundCardTransactionDocument,
          { input: { transactionId: t.id, amount, idempotencyKey: key } },
          { token: u.accessToken },
        )
        .then((r) => ok(r).refundCardTransaction);
    const half = await refund('50.00');
    expect(half.transaction).toMatchObject({
      status: 'APPROVED',
      refunded: { amount: '50.00' },
      rewardPoints: 1500,
    });
    expect(half.account!.availableCredit.amount).toBe('850.00');
    const tooMuch = await refund('150.01');
    expect(tooMuch.userErrors[0]).toMatchObject({
      code: 'AMOUNT_EXCEEDS_BALANCE',
      field: ['input', 'amount'],
    });
    const rest = await refund('150.00');
    expect(rest.transaction).toMatchObject({
      status: 'REFUNDED',
      refunded: { amount: '200.00' },
      rewardPoints: 0,
    });
    expect(rest.account!.availableCredit.amount).toBe('1000.00');
    expect(ok(await s.gql(MyRewardsDocument, {}, { token: u.accessToken })).me!.rewards.balance).toBe(0);
    expect((await refund('1.00')).userErrors[0]!.code).toBe('INVALID_STATE');
    await expectReconciled(accountId);
  });

  it('converts a purchase into a monthly plan at the account APR, amortised exactly', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    const t = (await buy(u, cardId, '600.00')).transaction!;
    const bad = ok(
      await s.gql(
        ConvertToInstallmentsDocument,
        { input: { transactionId: t.id, months: 5 } },
        { token: u.accessToken },
      ),
    ).convertToInstallments;
    expect(bad.userErrors[0]!.field).toEqual(['input', 'months']);
    const res = ok(
      await s.gql(
        ConvertToInstallmentsDocument,
        { input: { transactionId: t.id, months: 6 } },
        { token: u.accessToken },
      ),
    ).convertToInstallments;
    expect(res.userErrors).toEqual([]);
    const plan = res.plan!;
    expect(plan).toMatchObject({
      kind: 'MONTHLY',
      status: 'ACTIVE',
      apr: '7.99',
      principal: { amount: '600.00' },
    });
    const expected = monthlySchedule({
      principal: 60_000,
      aprBp: 799,
      termMonths: 6,
      startDate: s.app.services.clock.today(),
    });
    expect(
      plan.installments.map((i) => [
        i.number,
        i.dueDate,
        i.principal.amount,
        i.interest.amount,
        i.total.amount,
        i.status,
      ]),
    ).toEqual(
      expected.map((i) => [
        i.number,
        i.dueDate,
        (i.principal / 100).toFixed(2),
        (i.interest / 100).toFixed(2),
        (i.total / 100).toFixed(2),
        'SCHEDULED',
      ]),
    );
    const twice = ok(
      await s.gql(
        ConvertToInstallmentsDocument,
        { input: { transactionId: t.id, months: 3 } },
        { token: u.accessToken },
      ),
    ).convertToInstallments;
    expect(twice.userErrors[0]!.code).toBe('INVALID_STATE');
    expect((await account(u, accountId)).installmentPlans).toHaveLength(1);
  });

  it('pushes each transaction live to its owner', async () => {
    const u = await signUp(s);
    const { cardId } = await openCreditLine(s, u);
    const sub = await listen(s, u.accessToken, CardTransactionPostedDocument, { cardId });
    await buy(u, cardId, '12.34', 'DINING');
    const ev = await sub.next();
    expect(ev.data!.cardTransactionPosted.transaction).toMatchObject({
      status: 'APPROVED',
      amount: { amount: '12.34' },
      category: 'DINING',
    });
    sub.dispose();
  });
});

describe('rewards', () => {
  it('redeems at least 1,000 points, never more than the balance, as account credit through the ledger', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    const liabilityBefore = await rewardsLiability();
    await buy(u, cardId, '150.00', 'TRAVEL'); // 1,500 points
    const redeem = (points: number, kind: 'STATEMENT_CREDIT' | 'TRAVEL', key = randomUUID()) =>
      s
        .gql(
          RedeemRewardsDocument,
          { input: { accountId, points, kind, idempotencyKey: key } },
          { token: u.accessToken },
        )
        .then((r) => ok(r).redeemRewards);
    expect((await redeem(999, 'STATEMENT_CREDIT')).userErrors[0]).toMatchObject({
      code: 'INVALID_INPUT',
      field: ['input', 'points'],
    });
    expect((await redeem(1501, 'STATEMENT_CREDIT')).userErrors[0]).toMatchObject({
      code: 'INSUFFICIENT_POINTS',
    });
    const travel = await redeem(1000, 'TRAVEL');
    expect(travel.redemption).toMatchObject({ kind: 'TRAVEL', points: 1000, value: { amount: '12.50' } });
    expect(travel.rewards!.balance).toBe(500);
    const acc = await account(u, accountId);
    expect(acc.availableCredit.amount).toBe('862.50');
    expect(acc.outstandingBalance.amount).toBe('137.50');
    expect((await redeem(1000, 'STATEMENT_CREDIT')).userErrors[0]!.code).toBe('INSUFFICIENT_POINTS');
    await expectReconciled(accountId);
    // The liability holds the 500 points left at 1 cent each (a credit balance: shown negative).
    expect((await rewardsLiability()) - liabilityBefore).toBe(-500);
  });

  it('a refund takes back the on-time points its paid bill earned: buy, pay, refund earns nothing', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    const points = async () =>
      ok(await s.gql(MyRewardsDocument, {}, { token: u.accessToken })).me!.rewards.balance;
    const t = (await buy(u, cardId, '100.00')).transaction!; // 100 points
    const paid = ok(
      await s.gql(
        MakePaymentDocument,
        { input: { accountId, amount: '100.00', idempotencyKey: randomUUID() } },
        { token: u.accessToken },
      ),
    ).makePayment;
    expect(paid.payment!.status).toBe('SUCCEEDED');
    expect(await points()).toBe(150); // and 50 for the bill paid by its due date
    const refund = (amount: string) =>
      s
        .gql(
          RefundCardTransactionDocument,
          { input: { transactionId: t.id, amount, idempotencyKey: randomUUID() } },
          { token: u.accessToken },
        )
        .then((r) => ok(r).refundCardTransaction);
    expect((await refund('40.00')).userErrors).toEqual([]);
    expect(await points()).toBe(90); // 40% of each: 40 purchase points, 20 on-time points
    expect((await refund('60.00')).userErrors).toEqual([]);
    expect(await points()).toBe(0); // all the money came back: so did every point
    await expectReconciled(accountId);
  });

  it('concurrent redemptions never take the balance below zero', async () => {
    const u = await signUp(s);
    const { cardId, accountId } = await openCreditLine(s, u);
    await buy(u, cardId, '300.00', 'DINING'); // 3,000 points
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        s
          .gql(
            RedeemRewardsDocument,
            { input: { accountId, points: 1000, kind: 'STATEMENT_CREDIT', idempotencyKey: randomUUID() } },
            { token: u.accessToken },
          )
          .then((r) => ok(r).redeemRewards),
      ),
    );
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(3);
    expect(ok(await s.gql(MyRewardsDocument, {}, { token: u.accessToken })).me!.rewards.balance).toBe(0);
  });

  it('impact shows the charity set-aside (zero until interest is collected)', async () => {
    const u = await signUp(s);
    const res = ok(await s.gql(ImpactDocument, {}, { token: u.accessToken })).impact;
    expect(res.charityTotal).toEqual({ amount: '0.00', currency: 'USD' });
    expect(res.since).toEqual(expect.any(String));
  });
});

describe('ledger', () => {
  it('trialBalance is for admins, and nets to zero', async () => {
    const u = await signUp(s);
    expect(
      (await s.gql(TrialBalanceDocument, {}, { token: u.accessToken })).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    const tb = await trialBalance();
    expect(tb.totalDebits.amount).toBe(tb.totalCredits.amount);
  });

  it('the database refuses an unbalanced journal entry and any change to a posted line', async () => {
    const conn = s.app.orm.em.fork().getConnection();
    const entry = randomUUID();
    await expect(
      conn.execute(
        `with e as (insert into journal_entry (id, kind, memo, created_at) values ('${entry}', 'TEST', 'unbalanced', now()) returning id)
         insert into journal_line (entry_id, ledger_code, amount) select id, 'platform:cash', 100 from e`,
      ),
    ).rejects.toThrow(/does not balance/);
    await expect(
      conn.execute("update journal_line set amount = amount + 1 where ledger_code = 'platform:cash'"),
    ).rejects.toThrow(/append-only/);
  });

  it('the database refuses available credit below zero, whatever the code does', async () => {
    const u = await signUp(s);
    const { accountId } = await openCreditLine(s, u, '500.00');
    await expect(
      s.app.orm.em
        .fork()
        .getConnection()
        .execute('update credit_account set available_credit = -1 where id = ?', [
          fromGlobalId(accountId)!.id,
        ]),
    ).rejects.toThrow(/credit_account_available_not_negative/);
  });
});

describe('the dashboard', () => {
  it('reads accounts, cards, plans, transactions, payments, applications, rewards and notifications in a constant number of statements', async () => {
    const { Client } = await import('pg');
    const counted: string[] = [];
    const original = Client.prototype.query;
    const count = async (u: SignedUp) => {
      counted.length = 0;
      Client.prototype.query = function (
        this: { connectionParameters?: { application_name?: string } },
        ...args: unknown[]
      ) {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
        // Background work of the server runs on the same pool and is not the request's: the
        // relay, the sandbox-clock refresh, the daily-job claim, the gateway recovery and
        // webhook claims (`for update skip locked`), the checkout-expiry sweep, and the
        // transactions around them. The dashboard only reads, so only reads are counted.
        const read = /^\s*(select|with)\b/i.test(text ?? '');
        const background =
          /outbox_event|sandbox_clock|daily_job_run|advisory|skip locked|webhook_delivery|from "checkout"/.test(
            text ?? '',
          );
        if (this.connectionParameters?.application_name !== 'outbox-relay' && text && read && !background)
          counted.push(text);
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof original;
      try {
        const me = ok(await s.gql(MyDashboardDocument, {}, { token: u.accessToken })).me!;
        return { n: counted.length, me };
      } finally {
        Client.prototype.query = original;
      }
    };

    const small = await signUp(s);
    const one = await openCreditLine(s, small);
    const first = (await buy(small, one.cardId, '10.00')).transaction!;
    await s.gql(
      ConvertToInstallmentsDocument,
      { input: { transactionId: first.id, months: 3 } },
      { token: small.accessToken },
    );
    const a = await count(small);
    if (process.env.SHOW_SQL) console.log(counted.join('\n'));
    expect(a.me.accounts).toHaveLength(1);
    // the count saw the request's reads (a broken counter would pass the comparison with 0 = 0)
    expect(a.n).toBeGreaterThanOrEqual(3);

    const big = await signUp(s);
    for (let i = 0; i < 3; i++) {
      const line = await openCreditLine(s, big);
      for (let j = 0; j < 4; j++) await buy(big, line.cardId, '20.00');
      const t = (await buy(big, line.cardId, '60.00')).transaction!;
      await s.gql(
        ConvertToInstallmentsDocument,
        { input: { transactionId: t.id, months: 3 } },
        { token: big.accessToken },
      );
    }
    const b = await count(big);
    expect(b.me.accounts).toHaveLength(3);
    expect(
      // four 45-day purchases are plans of their own; the fifth was replaced by its monthly plan
      b.me.accounts.every((acc) => acc.transactions.totalCount === 5 && acc.installmentPlans.length === 5),
    ).toBe(true);
    expect(b.me.applications.edges).toHaveLength(3);
    expect(b.n).toBe(a.n);
  });
});
