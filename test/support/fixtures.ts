import { randomBytes } from 'node:crypto';
import { AcceptOfferDocument, SignUpDocument, SubmitApplicationDocument } from '../generated/contract';
import { fromGlobalId } from '../../src/lib/global-id';
import { ok, type TestServer } from './server';

export const uniqueEmail = (): string => `user-${randomBytes(6).toString('hex')}@example.com`;

export interface SignedUp {
  id: string;
  email: string;
  accessToken: string;
  refreshToken: string;
}

/** A signed-up user (password "correct horse"), with its tokens. */
export async function signUp(
  s: TestServer,
  overrides: { email?: string; name?: string; roles?: ('BORROWER' | 'INVESTOR' | 'MERCHANT')[] } = {},
): Promise<SignedUp> {
  const email = overrides.email ?? uniqueEmail();
  const res = ok(
    await s.gql(SignUpDocument, {
      input: {
        email,
        password: 'correct horse',
        name: overrides.name ?? 'Test User',
        roles: overrides.roles,
      },
    }),
  ).signUp;
  if (res.userErrors.length) throw new Error(JSON.stringify(res.userErrors));
  return { id: res.user!.id, email, accessToken: res.accessToken!, refreshToken: res.refreshToken! };
}

/** An administrator, made the only way admins are made: the bootstrap, then sign in. */
export async function makeAdmin(s: TestServer): Promise<SignedUp> {
  const email = uniqueEmail();
  const password = 'admin password long';
  const { user } = await s.app.services.auth.createAdmin(s.app.orm.em.fork(), email, password);
  const res = await fetch(s.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query:
        'mutation($input: SignInInput!) { signIn(input: $input) { accessToken refreshToken userErrors { code } } }',
      variables: { input: { email, password } },
    }),
  });
  const body = (await res.json()) as { data: { signIn: { accessToken: string; refreshToken: string } } };
  return {
    id: user.id,
    email,
    accessToken: body.data.signIn.accessToken,
    refreshToken: body.data.signIn.refreshToken,
  };
}

/**
 * Stores a notification for a user through the service layer, in its own transaction, the
 * way later features (approvals, payments) will. Returns the notification's local id.
 */
export async function notify(s: TestServer, userGlobalId: string, title: string): Promise<string> {
  const userId = fromGlobalId(userGlobalId)!.id;
  const services = s.app.services;
  return services.tx.run(s.app.orm.em.fork(), async (tx) => {
    const n = services.notifications.notify(tx, userId, 'WELCOME' as never, title, `${title} body`);
    return n.id;
  });
}

/** A prime applicant's loan application (grade A, 7.99%); override any field. */
export const primeLoan = (overrides: Record<string, unknown> = {}) => ({
  product: 'PERSONAL_LOAN' as const,
  amount: '5000.00',
  termMonths: 36,
  purpose: 'debt consolidation',
  dateOfBirth: '1985-04-12',
  monthlyIncome: '8000.00',
  monthlyDebt: '500.00',
  employmentStatus: 'FULL_TIME' as const,
  creditScore: 780,
  alternativeData: {
    onTimeRentMonths: 12,
    onTimeUtilityMonths: 12,
    bankAccountAgeMonths: 60,
    overdraftsLast90Days: 0,
  },
  ...overrides,
});

/** Scores 489: referred to manual review. */
export const referredLoan = (overrides: Record<string, unknown> = {}) =>
  primeLoan({
    creditScore: 450,
    employmentStatus: 'PART_TIME',
    alternativeData: {
      onTimeRentMonths: 0,
      onTimeUtilityMonths: 0,
      bankAccountAgeMonths: 60,
      overdraftsLast90Days: 1,
    },
    ...overrides,
  });

/** A borrower's open credit line (prime applicant, so approved at 7.99% for the whole limit). */
export async function openCreditLine(s: TestServer, u: SignedUp, limit = '1000.00') {
  const app = ok(
    await s.gql(
      SubmitApplicationDocument,
      { input: primeLoan({ product: 'CREDIT_LINE', termMonths: null, amount: limit }) as never },
      { token: u.accessToken },
    ),
  ).submitApplication.application!;
  const accepted = ok(
    await s.gql(AcceptOfferDocument, { input: { applicationId: app.id } }, { token: u.accessToken }),
  ).acceptOffer;
  if (accepted.userErrors.length) throw new Error(JSON.stringify(accepted.userErrors));
  return { applicationId: app.id, accountId: accepted.account!.id, cardId: accepted.account!.cards[0]!.id };
}
