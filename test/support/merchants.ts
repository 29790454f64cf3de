import { randomUUID } from 'node:crypto';
import {
  CheckoutDocument,
  ConfirmCheckoutDocument,
  CreateApiKeyDocument,
  CreateCheckoutDocument,
  MerchantSettlementsDocument,
  RefundCheckoutDocument,
} from '../generated/contract';
import { signUp, type SignedUp } from './fixtures';
import { ok, type TestServer } from './server';

export type Plan = 'PAY_IN_4' | 'MONTHLY_6' | 'MONTHLY_12';

/** Merchant and shopper calls through the contract's documents. `auth` is an access token or an `mk_` key. */
export function shopClient(s: TestServer) {
  const merchant = (name = 'Acme Outdoor') => signUp(s, { roles: ['MERCHANT'], name });
  const apiKey = async (m: SignedUp, name = 'server') => {
    const r = ok(
      await s.gql(CreateApiKeyDocument, { input: { name } }, { token: m.accessToken }),
    ).createApiKey;
    if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
    return { id: r.apiKey!.id, secret: r.secret! };
  };
  const create = async (auth: string, amount: string, key = randomUUID(), orderReference = `order-${key}`) =>
    ok(
      await s.gql(
        CreateCheckoutDocument,
        { input: { amount, orderReference, description: 'Tent', idempotencyKey: key } },
        { token: auth },
      ),
    ).createCheckout;
  /** A new OPEN checkout's id (fails the test on userErrors). */
  const open = async (auth: string, amount: string) => {
    const r = await create(auth, amount);
    if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
    return r.checkout!.id;
  };
  const confirm = async (
    u: SignedUp,
    checkoutId: string,
    plan: Plan = 'PAY_IN_4',
    opts: { accountId?: string; key?: string } = {},
  ) =>
    ok(
      await s.gql(
        ConfirmCheckoutDocument,
        { input: { checkoutId, plan, accountId: opts.accountId, idempotencyKey: opts.key ?? randomUUID() } },
        { token: u.accessToken },
      ),
    ).confirmCheckout;
  const refund = async (auth: string, checkoutId: string, amount: string, key = randomUUID()) =>
    ok(
      await s.gql(
        RefundCheckoutDocument,
        { input: { checkoutId, amount, idempotencyKey: key } },
        { token: auth },
      ),
    ).refundCheckout;
  const read = async (auth: string, id: string) =>
    ok(await s.gql(CheckoutDocument, { id }, { token: auth })).checkout;
  const settlements = async (auth: string) =>
    ok(await s.gql(MerchantSettlementsDocument, { first: 50 }, { token: auth })).merchantSettlements;
  return { merchant, apiKey, create, open, confirm, refund, read, settlements };
}
