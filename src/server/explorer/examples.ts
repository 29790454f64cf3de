/**
 * The explorer's example tabs: a partner's first hour, in order. Each operation is the
 * client contract's (test/shared/contract/*.graphql: same name, variables and selection;
 * test/integration/explorer-browser.test.ts checks it), under a comment saying what the
 * tab does and what runs before it. Comments stay under 52 characters a line so they
 * fit the query editor of a 1400 px wide window.
 *
 * In Variables, `{{$randomUUID}}` and `{{$randomEmail}}` are fresh on every run, and
 * `{{applicationId}}`, `{{cardId}}`, ... are the ids earlier tabs returned: the explorer's
 * fetcher fills them in (see boot.ts).
 */
export interface ExplorerTab {
  query: string;
  variables: string;
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

const signUp: ExplorerTab = {
  query: `# 1 of 5 · Sign up a borrower. Run this first.
# Its access token goes into Headers by itself,
# for every tab. The email is new on each run.
#
# {{…}} in Variables is filled in when you run:
# {{$randomUUID}}, {{$randomEmail}}: fresh values;
# {{applicationId}}, {{cardId}}…: ids that earlier
# tabs returned.
mutation SignUp($input: SignUpInput!) {
  # input: email, password, name, roles
  # (BORROWER, INVESTOR, MERCHANT; default BORROWER)
  signUp(input: $input) {
    accessToken
    refreshToken
    user { id email name roles createdAt }
    userErrors { field message code }
  }
}
`,
  variables: json({
    input: { email: '{{$randomEmail}}', password: 'correct horse battery', name: 'Ada Partner' },
  }),
};

const submitApplication: ExplorerTab = {
  query: `# 2 of 5 · Apply for a credit line.
# Run tab 1 first (it signs you in).
# This applicant (score 780, income 8000, debt
# 500) is APPROVED at once, with an offer.
mutation SubmitApplication(
  $input: SubmitApplicationInput!
) {
  # input: product, amount, termMonths (loans),
  # purpose, dateOfBirth, monthlyIncome,
  # monthlyDebt, employmentStatus, creditScore
  # (optional), alternativeData {
  # onTimeRentMonths onTimeUtilityMonths
  # bankAccountAgeMonths overdraftsLast90Days },
  # idempotencyKey (optional)
  submitApplication(input: $input) {
    application { ...ApplicationParts }
    userErrors { field message code }
  }
}

fragment ApplicationParts on Application {
  id
  status
  product
  purpose
  requestedAmount { ...MoneyParts }
  termMonths
  createdAt
  updatedAt
  decision { ...DecisionParts }
}

fragment DecisionParts on CreditDecision {
  id
  outcome
  score
  grade
  apr
  approvedAmount { ...MoneyParts }
  reasons { code description }
  modelVersion
  decidedBy
  latencyMs
  decidedAt
  trace { component points maxPoints }
  offer {
    amount { ...MoneyParts }
    termMonths
    apr
    monthlyPayment { ...MoneyParts }
    expiresAt
    disclosure {
      amountFinanced { ...MoneyParts }
      financeCharge { ...MoneyParts }
      totalOfPayments { ...MoneyParts }
      apr
    }
    schedule {
      number
      dueDate
      principal { ...MoneyParts }
      interest { ...MoneyParts }
      total { ...MoneyParts }
    }
  }
}

fragment MoneyParts on Money { amount currency }
`,
  variables: json({
    input: {
      product: 'CREDIT_LINE',
      amount: '2000.00',
      purpose: 'everyday purchases',
      dateOfBirth: '1985-04-12',
      monthlyIncome: '8000.00',
      monthlyDebt: '500.00',
      employmentStatus: 'FULL_TIME',
      creditScore: 780,
      alternativeData: {
        onTimeRentMonths: 12,
        onTimeUtilityMonths: 12,
        bankAccountAgeMonths: 60,
        overdraftsLast90Days: 0,
      },
      idempotencyKey: '{{$randomUUID}}',
    },
  }),
};

const acceptOffer: ExplorerTab = {
  query: `# 3 of 5 · Accept the offer: opens the credit
# line, an account with a card.
# Run tab 2 first: {{applicationId}} is the id
# of the application it returned.
mutation AcceptOffer($input: AcceptOfferInput!) {
  # input: applicationId, funding (PLATFORM or
  # MARKETPLACE; loans only, default PLATFORM)
  acceptOffer(input: $input) {
    application { id status }
    account {
      id
      kind
      status
      creditLimit { ...MoneyParts }
      cards { id last4 status }
    }
    userErrors { field message code }
  }
}

fragment MoneyParts on Money { amount currency }
`,
  variables: json({ input: { applicationId: '{{applicationId}}' } }),
};

const authorizeCardTransaction: ExplorerTab = {
  query: `# 4 of 5 · Buy something with the card.
# Run tab 3 first: {{cardId}} is the card of the
# account it opened. The idempotency key is new
# on each run, so each run is a new purchase.
mutation AuthorizeCardTransaction(
  $input: AuthorizeCardTransactionInput!
) {
  # input: cardId, amount, merchantName, category,
  # idempotencyKey
  authorizeCardTransaction(input: $input) {
    transaction { ...TransactionParts }
    account { id availableCredit { ...MoneyAmount } }
    userErrors { field message code }
  }
}

fragment TransactionParts on CardTransaction {
  id
  status
  amount { ...MoneyAmount }
  refunded { ...MoneyAmount }
  merchantName
  category
  declineReason
  rewardPoints
  dueDate
  createdAt
}

fragment MoneyAmount on Money { amount currency }
`,
  variables: json({
    input: {
      cardId: '{{cardId}}',
      amount: '42.50',
      merchantName: 'Corner Cafe',
      category: 'DINING',
      idempotencyKey: '{{$randomUUID}}',
    },
  }),
};

const notificationReceived: ExplorerTab = {
  query: `# 5 of 5 · Your notifications, live (WebSocket;
# the Authorization header goes with it).
# Run tab 1 first. since "0" replays all of them
# (sign-up, approval, account, purchase), then
# waits for new ones: pass the last cursor you saw
# to resume. Stop it with the run button.
subscription NotificationReceived($since: String) {
  notificationReceived(since: $since) {
    cursor
    notification { id kind title body createdAt }
  }
}
`,
  variables: json({ since: '0' }),
};

export const EXPLORER_TABS: readonly ExplorerTab[] = [
  signUp,
  submitApplication,
  acceptOffer,
  authorizeCardTransaction,
  notificationReceived,
];
