export * from './merchant.entity';
import {
  ApiKey,
  Checkout,
  CheckoutRefund,
  Merchant,
  MerchantSettlement,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from './merchant.entity';

/** This feature's entities, for the ORM's discovery. */
export default [
  Merchant,
  ApiKey,
  Checkout,
  CheckoutRefund,
  MerchantSettlement,
  WebhookEndpoint,
  WebhookDelivery,
  WebhookAttempt,
];
