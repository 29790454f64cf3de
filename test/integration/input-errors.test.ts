import { MakePaymentDocument, PortfolioMetricsDocument } from '../generated/contract';
import { signUp, type SignedUp } from '../support/fixtures';
import { startTestServer, type TestServer } from '../support/server';

/**
 * A value of the wrong form for one of our scalars (an amount sent as a number, a date that
 * is not one) is refused with one error per value, naming where it is and what to send:
 * literals fail validation (GRAPHQL_VALIDATION_FAILED, with their line and column),
 * variables fail coercion (BAD_USER_INPUT), both with HTTP 400.
 */

let s: TestServer;
let u: SignedUp;
beforeAll(async () => {
  s = await startTestServer();
  u = await signUp(s);
});
afterAll(async () => {
  await s?.close();
});

describe('a numeric amount for a Decimal', () => {
  it('as a literal: one error naming input.amount and the string to send', async () => {
    const res = await s.gql(
      'mutation { makePayment(input: { accountId: "x", amount: 5000, idempotencyKey: "k" }) { __typename } }',
      {},
      { token: u.accessToken },
    );
    expect(res.status).toBe(400);
    expect(res.errors).toEqual([
      {
        message: 'Invalid value 5000 at "input.amount"; Decimal must be a string, like "5000.00"',
        locations: [{ line: 1, column: 57 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
  });

  it('as a JSON variable: one error naming $input and input.amount, and the string to send', async () => {
    const res = await s.gql(
      MakePaymentDocument,
      { input: { accountId: 'x', amount: 5000 as never, idempotencyKey: 'k' } },
      { token: u.accessToken },
    );
    expect(res.status).toBe(400);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      message:
        'Variable "$input" got invalid value 5000 at "input.amount"; Decimal must be a string, like "5000.00"',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('several wrong values in one input: one error each, each naming its own field', async () => {
    const res = await s.gql(
      `mutation { submitApplication(input: {
        product: PERSONAL_LOAN, amount: 5000, termMonths: 36, purpose: "car",
        dateOfBirth: "1985-04-12", monthlyIncome: 8000.5, monthlyDebt: "500.001",
        employmentStatus: FULL_TIME }) { __typename } }`,
      {},
      { token: u.accessToken },
    );
    expect(res.errors?.map((e) => e.message)).toEqual([
      'Invalid value 5000 at "input.amount"; Decimal must be a string, like "5000.00"',
      'Invalid value 8000.5 at "input.monthlyIncome"; Decimal must be a string, like "8000.50"',
      'Invalid value "500.001" at "input.monthlyDebt"; Decimal must be a string with at most two decimals, like "1500.00"',
    ]);
  });
});

describe('dates', () => {
  it('a Date literal that is a number or not a calendar date: where, and the form to send', async () => {
    const auth = { token: u.accessToken };
    const numeric = await s.gql('{ portfolioMetrics(from: 20300101) { applications } }', {}, auth);
    expect(numeric.errors?.map((e) => e.message)).toEqual([
      'Invalid value 20300101 at "from"; Date must be a string, like "2030-01-31"',
    ]);
    const feb30 = await s.gql('{ portfolioMetrics(from: "2030-02-30") { applications } }', {}, auth);
    expect(feb30.errors?.map((e) => e.message)).toEqual([
      'Invalid value "2030-02-30" at "from"; Date must be a valid YYYY-MM-DD date, like "2030-01-31"',
    ]);
  });

  it('a Date variable that is not a calendar date: one BAD_USER_INPUT naming the variable', async () => {
    const res = await s.gql(PortfolioMetricsDocument, { from: '2030-02-30' } as never, {
      token: u.accessToken,
    });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      message:
        'Variable "$from" got invalid value "2030-02-30"; Date must be a valid YYYY-MM-DD date, like "2030-01-31"',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
