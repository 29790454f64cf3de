import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  CheckoutPlan,
  CheckoutStatus,
  DeliveryStatus,
  MerchantStatus,
  SettlementStatus,
} from '../../entities/merchants/merchant.entity';
import { toGlobalId } from '../../lib/global-id';
import {
  API_KEY_TYPE,
  CHECKOUT_TYPE,
  DELIVERY_TYPE,
  MERCHANT_TYPE,
  SETTLEMENT_TYPE,
  WEBHOOK_TYPE,
  type ApiKeyView,
  type AttemptView,
  type CheckoutView,
  type DeliveryView,
  type MerchantView,
  type SettlementView,
  type WebhookView,
} from '../../services/merchants/merchant-view';
import { InstallmentPlanType } from '../accounts/account.types';
import { ConnectionType } from '../common/connection';
import { Money, money } from '../common/money.type';
import { Node } from '../common/node';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';

registerEnumType(MerchantStatus, {
  name: 'MerchantStatus',
  description: 'Whether a merchant may sell.',
  valuesConfig: {
    ACTIVE: { description: 'Verified (at once in the sandbox): its keys and checkouts work.' },
    SUSPENDED: { description: 'Stopped by an admin: its keys are refused and its checkouts cannot be paid.' },
  },
});

registerEnumType(CheckoutStatus, {
  name: 'CheckoutStatus',
  description: 'Where a checkout stands.',
  valuesConfig: {
    OPEN: { description: 'Waiting for a shopper, for one hour from creation.' },
    COMPLETED: { description: 'Paid with a plan on the shopper’s credit line (possibly partly refunded).' },
    REFUNDED: { description: 'Refunded in full by the merchant.' },
    EXPIRED: { description: 'Not confirmed within its hour.' },
  },
});

registerEnumType(CheckoutPlan, {
  name: 'CheckoutPlan',
  description: 'How a shopper pays a checkout.',
  valuesConfig: {
    PAY_IN_4: {
      description:
        'Four equal parts at 0% (odd cents on the first), the first charged at once, then every 14 days.',
    },
    MONTHLY_6: { description: 'Six monthly installments at the credit line’s APR.' },
    MONTHLY_12: { description: 'Twelve monthly installments at the credit line’s APR.' },
  },
});

registerEnumType(SettlementStatus, {
  name: 'SettlementStatus',
  description: 'Where a merchant settlement stands.',
  valuesConfig: {
    PENDING: { description: 'Created; the payout has not succeeded yet (it is retried until it does).' },
    PAID: { description: 'Paid out to the merchant (or, for a negative net, collected from it).' },
  },
});

registerEnumType(DeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Not delivered yet: attempted again with exponential backoff.' },
    DELIVERED: { description: 'The receiver answered with a 2xx status.' },
    FAILED: { description: 'Not delivered within 24 hours (or the webhook was removed).' },
  },
});

@ObjectType(MERCHANT_TYPE, {
  implements: Node,
  description: 'A business that sells on credit at checkout. Shoppers see its name and website.',
})
export class MerchantType extends Node {
  @Field(() => String, { description: 'The business name shoppers see.' })
  name!: string;

  @Field(() => String, { nullable: true })
  website!: string | null;

  @Field(() => MerchantStatus)
  status!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Where settlements are paid: for the merchant itself and admins only (null for others).',
  })
  settlementAccountReference!: string | null;

  @Field(() => DateTimeScalar, { description: 'When the profile was verified (at sign-up in the sandbox).' })
  verifiedAt!: Date;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

/** `full`: the merchant itself or an admin, who see the settlement account. */
export const merchantType = (m: MerchantView, full: boolean): MerchantType =>
  Object.assign(new MerchantType(), {
    id: toGlobalId(MERCHANT_TYPE, m.id),
    name: m.businessName,
    website: m.website,
    status: m.status,
    settlementAccountReference: full ? m.settlementAccountRef : null,
    verifiedAt: m.verifiedAt,
    createdAt: m.createdAt,
  });

@ObjectType(API_KEY_TYPE, {
  implements: Node,
  description: 'A merchant’s server-to-server key. Its secret was shown once, at creation.',
})
export class ApiKeyType extends Node {
  @Field(() => String)
  name!: string;

  @Field(() => String, {
    description: 'The secret’s first characters (`mk_` and four more), to recognise it.',
  })
  prefix!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'Set once revoked: the key is refused from then on.',
  })
  revokedAt!: Date | null;
}

export const apiKeyType = (k: ApiKeyView): ApiKeyType =>
  Object.assign(new ApiKeyType(), {
    id: toGlobalId(API_KEY_TYPE, k.id),
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt,
    revokedAt: k.revokedAt,
  });

@ObjectType(CHECKOUT_TYPE, {
  implements: Node,
  description:
    'A merchant’s request to be paid: a payment link any signed-in user holding its id may read while OPEN; afterwards only its merchant, its shopper and admins.',
})
export class CheckoutType extends Node {
  localId!: string;
  merchantLocalId!: string;
  planLocalId!: string | null;
  shopperLocalId!: string | null;

  @Field(() => CheckoutStatus)
  status!: string;

  @Field(() => Money, { description: '$50.00 to $2,000.00.' })
  amount!: Money;

  @Field(() => Money, { description: 'Refunded by the merchant so far.' })
  refunded!: Money;

  @Field(() => String)
  orderReference!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => CheckoutPlan, { nullable: true, description: 'The plan the shopper chose, once confirmed.' })
  planKind!: string | null;

  @Field(() => DateTimeScalar, { description: 'One hour after creation: confirming later is refused.' })
  expiresAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  completedAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const checkoutType = (c: CheckoutView): CheckoutType =>
  Object.assign(new CheckoutType(), {
    id: toGlobalId(CHECKOUT_TYPE, c.id),
    localId: c.id,
    merchantLocalId: c.merchantId,
    planLocalId: c.planId,
    shopperLocalId: c.shopperId,
    status: c.status,
    amount: money(c.amount),
    refunded: money(c.refunded),
    orderReference: c.orderReference,
    description: c.description,
    planKind: c.plan,
    expiresAt: c.expiresAt,
    completedAt: c.completedAt,
    createdAt: c.createdAt,
  });

export const CheckoutConnection = ConnectionType(CheckoutType, 'Checkout');

@ObjectType(SETTLEMENT_TYPE, {
  implements: Node,
  description:
    'What the platform pays a merchant for one business day: gross = checkouts completed that day, refunds = refunds made that day, fees = 3% of (gross − refunds) rounded half-up, net = gross − refunds − fees. Created and paid by the next day’s daily job.',
})
export class MerchantSettlementType extends Node {
  @Field(() => DateScalar, { description: 'The business day it settles.' })
  date!: string;

  @Field(() => SettlementStatus)
  status!: string;

  @Field(() => Money)
  gross!: Money;

  @Field(() => Money)
  refunds!: Money;

  @Field(() => Money)
  fees!: Money;

  @Field(() => Money, {
    description: 'Negative when the day’s refunds exceed its sales: collected from the merchant.',
  })
  net!: Money;

  @Field(() => DateTimeScalar, { nullable: true })
  paidAt!: Date | null;
}

export const settlementType = (s: SettlementView): MerchantSettlementType =>
  Object.assign(new MerchantSettlementType(), {
    id: toGlobalId(SETTLEMENT_TYPE, s.id),
    date: s.date,
    status: s.status,
    gross: money(s.gross),
    refunds: money(s.refunds),
    fees: money(s.fees),
    net: money(s.net),
    paidAt: s.paidAt,
  });

export const MerchantSettlementConnection = ConnectionType(MerchantSettlementType, 'MerchantSettlement');

@ObjectType({ description: 'One attempt at delivering a webhook.' })
export class WebhookAttemptType {
  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => Int, { nullable: true, description: 'The receiver’s HTTP status; null when no answer came.' })
  statusCode!: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      '`timeout` or `connection failed` when no answer came; `interrupted` when the server stopped mid-attempt (the receiver may have got it).',
  })
  error!: string | null;

  @Field(() => Float, { description: 'How long the attempt took, in milliseconds (0 when interrupted).' })
  durationMs!: number;
}

export const attemptType = (a: AttemptView): WebhookAttemptType =>
  Object.assign(new WebhookAttemptType(), {
    at: a.attemptedAt,
    statusCode: a.statusCode,
    error: a.error,
    durationMs: a.durationMs,
  });

@ObjectType(DELIVERY_TYPE, {
  implements: Node,
  description:
    'One event owed to one webhook. Its `eventId` is the body’s `id`, the same on every attempt, so a receiver can de-duplicate.',
})
export class WebhookDeliveryType extends Node {
  localId!: string;

  @Field(() => ID, { description: 'The `id` in the body sent (stable across retries).' })
  eventId!: string;

  @Field(() => String, {
    description: '`checkout.completed`, `checkout.refunded`, `checkout.expired` or `settlement.paid`.',
  })
  type!: string;

  @Field(() => DeliveryStatus)
  status!: string;

  @Field(() => Int)
  attemptCount!: number;

  @Field(() => Int, { nullable: true })
  lastStatusCode!: number | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the next attempt is due (while PENDING).',
  })
  nextAttemptAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  deliveredAt!: Date | null;
}

export const deliveryType = (d: DeliveryView): WebhookDeliveryType =>
  Object.assign(new WebhookDeliveryType(), {
    id: toGlobalId(DELIVERY_TYPE, d.id),
    localId: d.id,
    eventId: d.id,
    type: d.type,
    status: d.status,
    attemptCount: d.attempts,
    lastStatusCode: d.lastStatusCode,
    createdAt: d.createdAt,
    nextAttemptAt: d.status === DeliveryStatus.PENDING ? d.nextAttemptAt : null,
    deliveredAt: d.deliveredAt,
  });

export const WebhookDeliveryConnection = ConnectionType(WebhookDeliveryType, 'WebhookDelivery');

@ObjectType(WEBHOOK_TYPE, {
  implements: Node,
  description:
    'Where a merchant receives signed webhooks (`X-Signature: t=…,v1=…`). Its secret was shown once.',
})
export class WebhookType extends Node {
  localId!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [String])
  events!: string[];

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Set once removed: nothing more is sent.' })
  removedAt!: Date | null;
}

export const webhookType = (w: WebhookView): WebhookType =>
  Object.assign(new WebhookType(), {
    id: toGlobalId(WEBHOOK_TYPE, w.id),
    localId: w.id,
    url: w.url,
    events: w.events,
    createdAt: w.createdAt,
    removedAt: w.disabledAt,
  });

// ---- inputs and payloads

@InputType({ description: 'Completes a merchant profile; omitted fields stay as they are.' })
export class UpdateMerchantProfileInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(10_000)
  businessName?: string | null;

  @Field(() => String, { nullable: true, description: 'https://… ; an empty string clears it.' })
  @IsOptional()
  @MaxLength(10_000)
  website?: string | null;

  @Field(() => String, { nullable: true, description: 'The bank account reference settlements are paid to.' })
  @IsOptional()
  @MaxLength(10_000)
  settlementAccountReference?: string | null;
}

@InputType({ description: 'Admins: a merchant to suspend or reinstate, and why.' })
export class MerchantStatusInput {
  @Field(() => ID)
  merchantId!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(10_000)
  reason?: string | null;
}

@ObjectType({ description: 'Result of a merchant profile change: the merchant, or user errors.' })
export class MerchantPayload {
  @Field(() => MerchantType, { nullable: true })
  merchant?: MerchantType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'A new API key: a name to recognise it by.' })
export class CreateApiKeyInput {
  @Field(() => String)
  @MaxLength(10_000)
  name!: string;
}

@ObjectType({ description: 'Result of `createApiKey`: the key and its secret, shown this once.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true })
  apiKey?: ApiKeyType | null;

  @Field(() => String, {
    nullable: true,
    description: 'The key (`mk_…`): store it now, it is never shown again.',
  })
  secret?: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'The key to revoke.' })
export class RevokeApiKeyInput {
  @Field(() => ID)
  apiKeyId!: string;
}

@ObjectType({ description: 'Result of `revokeApiKey`.' })
export class RevokeApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true })
  apiKey?: ApiKeyType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'A checkout to create: amount, order reference, description, idempotency key.' })
export class CreateCheckoutInput {
  @Field(() => DecimalScalar, { description: '50.00 to 2000.00.' })
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  orderReference!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(10_000)
  description?: string | null;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({ description: 'Result of `createCheckout`: the OPEN checkout, or user errors.' })
export class CreateCheckoutPayload {
  @Field(() => CheckoutType, { nullable: true })
  checkout?: CheckoutType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'A shopper pays a checkout with a plan on a credit line.' })
export class ConfirmCheckoutInput {
  @Field(() => ID)
  checkoutId!: string;

  @Field(() => CheckoutPlan)
  plan!: string;

  @Field(() => ID, { nullable: true, description: 'Which credit line; optional when the shopper has one.' })
  accountId?: string | null;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({
  description: 'Result of `confirmCheckout`: the COMPLETED checkout and the plan, or user errors.',
})
export class ConfirmCheckoutPayload {
  @Field(() => CheckoutType, { nullable: true })
  checkout?: CheckoutType | null;

  @Field(() => InstallmentPlanType, { nullable: true })
  plan?: InstallmentPlanType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'A refund of (part of) a completed checkout, with an idempotency key.' })
export class RefundCheckoutInput {
  @Field(() => ID)
  checkoutId!: string;

  @Field(() => DecimalScalar, { description: 'More than 0.00, at most what is left unrefunded.' })
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({ description: 'Result of `refundCheckout`: the checkout after the refund, or user errors.' })
export class RefundCheckoutPayload {
  @Field(() => CheckoutType, { nullable: true })
  checkout?: CheckoutType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'Where to send webhooks, and which events.' })
export class RegisterWebhookInput {
  @Field(() => String, { description: 'https in production (public hosts only); any URL in the sandbox.' })
  @MaxLength(10_000)
  url!: string;

  @Field(() => [String], {
    description: 'Any of `checkout.completed`, `checkout.refunded`, `checkout.expired`, `settlement.paid`.',
  })
  @ArrayMaxSize(20)
  events!: string[];
}

@ObjectType({
  description: 'Result of `registerWebhook`: the webhook and its signing secret, shown this once.',
})
export class RegisterWebhookPayload {
  @Field(() => WebhookType, { nullable: true })
  webhook?: WebhookType | null;

  @Field(() => String, {
    nullable: true,
    description: 'The HMAC-SHA256 key of `X-Signature` (`whsec_…`): store it now, it is never shown again.',
  })
  signingSecret?: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'The webhook to remove.' })
export class RemoveWebhookInput {
  @Field(() => ID)
  webhookId!: string;
}

@ObjectType({ description: 'Result of `removeWebhook`.' })
export class RemoveWebhookPayload {
  @Field(() => WebhookType, { nullable: true })
  webhook?: WebhookType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'A checkout changed (completed, refunded, expired), with the event’s cursor.' })
export class CheckoutEvent {
  @Field(() => String)
  cursor!: string;

  @Field(() => CheckoutType)
  checkout!: CheckoutType;
}
