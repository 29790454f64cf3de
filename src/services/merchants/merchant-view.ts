import type {
  ApiKey,
  Checkout,
  Merchant,
  MerchantSettlement,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from '../../entities';
import { formatCents } from '../../domain/common/money';
import { toGlobalId } from '../../lib/global-id';

/** The GraphQL type names behind merchant global ids. */
export const MERCHANT_TYPE = 'Merchant';
export const API_KEY_TYPE = 'ApiKey';
export const CHECKOUT_TYPE = 'Checkout';
export const SETTLEMENT_TYPE = 'MerchantSettlement';
export const WEBHOOK_TYPE = 'Webhook';
export const DELIVERY_TYPE = 'WebhookDelivery';

export interface MerchantView {
  id: string;
  userId: string;
  businessName: string;
  website: string | null;
  settlementAccountRef: string | null;
  status: string;
  verifiedAt: Date;
  createdAt: Date;
}

export const merchantView = (m: Merchant): MerchantView => ({
  id: m.id,
  userId: m.userId,
  businessName: m.businessName,
  website: m.website,
  settlementAccountRef: m.settlementAccountRef,
  status: m.status,
  verifiedAt: m.verifiedAt,
  createdAt: m.createdAt,
});

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export const apiKeyView = (k: ApiKey): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
});

export interface CheckoutView {
  id: string;
  merchantId: string;
  shopperId: string | null;
  accountId: string | null;
  planId: string | null;
  plan: string | null;
  status: string;
  amount: number;
  refunded: number;
  orderReference: string;
  description: string | null;
  expiresAt: Date;
  completedAt: Date | null;
  createdAt: Date;
}

export const checkoutView = (c: Checkout): CheckoutView => ({
  id: c.id,
  merchantId: c.merchantId,
  shopperId: c.shopperId,
  accountId: c.accountId,
  planId: c.planId,
  plan: c.plan,
  status: c.status,
  amount: Number(c.amount),
  refunded: Number(c.refunded),
  orderReference: c.orderReference,
  description: c.description,
  expiresAt: c.expiresAt,
  completedAt: c.completedAt,
  createdAt: c.createdAt,
});

const usd = (cents: number) => ({ amount: formatCents(cents), currency: 'USD' });

/** A checkout as the API shows it to its merchant: the `data` of its webhooks. */
export const checkoutData = (c: CheckoutView, merchant: Pick<Merchant, 'id' | 'businessName'>) => ({
  id: toGlobalId(CHECKOUT_TYPE, c.id),
  status: c.status,
  amount: usd(c.amount),
  refunded: usd(c.refunded),
  orderReference: c.orderReference,
  description: c.description,
  plan: c.plan,
  merchant: { id: toGlobalId(MERCHANT_TYPE, merchant.id), name: merchant.businessName },
  expiresAt: c.expiresAt.toISOString(),
  completedAt: c.completedAt?.toISOString() ?? null,
  createdAt: c.createdAt.toISOString(),
});

export interface SettlementView {
  id: string;
  merchantId: string;
  date: string;
  status: string;
  gross: number;
  refunds: number;
  fees: number;
  net: number;
  paidAt: Date | null;
  createdAt: Date;
}

export const settlementView = (s: MerchantSettlement): SettlementView => ({
  id: s.id,
  merchantId: s.merchantId,
  date: s.date,
  status: s.status,
  gross: Number(s.gross),
  refunds: Number(s.refunds),
  fees: Number(s.fees),
  net: Number(s.net),
  paidAt: s.paidAt,
  createdAt: s.createdAt,
});

/** A settlement as the API shows it: the `data` of `settlement.paid`. */
export const settlementData = (s: SettlementView) => ({
  id: toGlobalId(SETTLEMENT_TYPE, s.id),
  date: s.date,
  status: s.status,
  gross: usd(s.gross),
  refunds: usd(s.refunds),
  fees: usd(s.fees),
  net: usd(s.net),
  paidAt: s.paidAt?.toISOString() ?? null,
});

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  createdAt: Date;
  disabledAt: Date | null;
}

export const webhookView = (w: WebhookEndpoint): WebhookView => ({
  id: w.id,
  url: w.url,
  events: [...w.events],
  createdAt: w.createdAt,
  disabledAt: w.disabledAt,
});

export interface DeliveryView {
  id: string;
  endpointId: string;
  type: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  createdAt: Date;
  nextAttemptAt: Date;
  deliveredAt: Date | null;
}

export const deliveryView = (d: WebhookDelivery): DeliveryView => ({
  id: d.id,
  endpointId: d.endpointId,
  type: d.type,
  status: d.status,
  attempts: d.attempts,
  lastStatusCode: d.lastStatusCode,
  createdAt: d.createdAt,
  nextAttemptAt: d.nextAttemptAt,
  deliveredAt: d.deliveredAt,
});

export interface AttemptView {
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export const attemptView = (a: WebhookAttempt): AttemptView => ({
  attemptedAt: a.attemptedAt,
  statusCode: a.statusCode,
  error: a.error,
  durationMs: a.durationMs,
});
