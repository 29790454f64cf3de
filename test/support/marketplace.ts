import { randomUUID } from 'node:crypto';
import {
  AcceptOfferDocument,
  AutoInvestDocument,
  DepositCashDocument,
  InvestDocument,
  ListingDocument,
  PortfolioDocument,
  SubmitApplicationDocument,
  WithdrawCashDocument,
} from '../generated/contract';
import { primeLoan, signUp, type SignedUp } from './fixtures';
import { ok, type TestServer } from './server';

/** Builders for marketplace tests: every call goes through the API as a client's would. */
export function marketClient(s: TestServer) {
  const deposit = async (u: SignedUp, amount: string, key = randomUUID()) =>
    ok(await s.gql(DepositCashDocument, { input: { amount, idempotencyKey: key } }, { token: u.accessToken }))
      .depositCash;
  const withdraw = async (u: SignedUp, amount: string, key = randomUUID()) =>
    ok(
      await s.gql(WithdrawCashDocument, { input: { amount, idempotencyKey: key } }, { token: u.accessToken }),
    ).withdrawCash;
  const invest = async (u: SignedUp, listingId: string, amount: string, key = randomUUID()) =>
    ok(
      await s.gql(
        InvestDocument,
        { input: { listingId, amount, idempotencyKey: key } },
        { token: u.accessToken },
      ),
    ).invest;
  const autoInvest = async (
    u: SignedUp,
    input: { amount: string; grades: ('A' | 'B' | 'C' | 'D' | 'E')[]; amountPerLoan?: string },
    key = randomUUID(),
  ) =>
    ok(
      await s.gql(AutoInvestDocument, { input: { ...input, idempotencyKey: key } }, { token: u.accessToken }),
    ).autoInvest;
  const portfolio = async (u: SignedUp) =>
    ok(await s.gql(PortfolioDocument, {}, { token: u.accessToken })).portfolio;
  const listing = async (u: SignedUp, id: string) =>
    ok(await s.gql(ListingDocument, { id }, { token: u.accessToken })).listing;

  /** An investor with `cash` deposited. */
  const investor = async (cash = '1000.00', roles: ('INVESTOR' | 'BORROWER')[] = ['INVESTOR']) => {
    const u = await signUp(s, { roles });
    if (cash !== '0.00') {
      const d = await deposit(u, cash);
      if (d.userErrors.length) throw new Error(JSON.stringify(d.userErrors));
      // not left PENDING by a gateway answer slower than the server's timeout
      if (d.portfolio!.cash.amount !== cash)
        throw new Error(`deposit of ${cash} not settled: ${JSON.stringify(d)}`);
    }
    return u;
  };

  /** A prime borrower's accepted MARKETPLACE loan (unless `overrides` change the application): its account and OPEN listing. */
  const listLoan = async (
    borrower: SignedUp,
    amount = '1000.00',
    termMonths = 12,
    overrides: Record<string, unknown> = {},
  ) => {
    const app = ok(
      await s.gql(
        SubmitApplicationDocument,
        { input: primeLoan({ amount, termMonths, ...overrides }) as never },
        { token: borrower.accessToken },
      ),
    ).submitApplication.application!;
    const accepted = ok(
      await s.gql(
        AcceptOfferDocument,
        { input: { applicationId: app.id, funding: 'MARKETPLACE' } },
        { token: borrower.accessToken },
      ),
    ).acceptOffer;
    if (accepted.userErrors.length) throw new Error(JSON.stringify(accepted.userErrors));
    const accountId = accepted.account!.id;
    const listingId = (await accountListing(borrower, accountId))!.id;
    return { applicationId: app.id, grade: app.decision?.grade, accountId, listingId };
  };

  /** The listing of a loan account, as its borrower sees it through the account. */
  const accountListing = async (u: SignedUp, accountId: string) =>
    ok(
      await s.gql<
        {
          account: {
            status: string;
            listing: { id: string; status: string; amount: { amount: string } } | null;
          } | null;
        },
        { id: string }
      >(
        'query($id: ID!) { account(id: $id) { status listing { id status amount { amount } } } }',
        { id: accountId },
        { token: u.accessToken },
      ),
    ).account?.listing ?? null;

  return { deposit, withdraw, invest, autoInvest, portfolio, listing, investor, listLoan, accountListing };
}
