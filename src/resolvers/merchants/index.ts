import { toGlobalId } from '../../lib/global-id';
import { checkoutType, merchantType } from '../../schema/merchants/merchant.types';
import { CheckoutService } from '../../services/merchants/checkout.service';
import { MerchantService } from '../../services/merchants/merchant.service';
import { CHECKOUT_TYPE, MERCHANT_TYPE } from '../../services/merchants/merchant-view';
import { nodeOf, type NodeSource } from '../common/node.resolver';
import {
  CheckoutResolver,
  MerchantResolver,
  WebhookDeliveryResolver,
  WebhookResolver,
} from './merchant.resolver';

export const resolvers = [MerchantResolver, CheckoutResolver, WebhookResolver, WebhookDeliveryResolver];

export const nodes: NodeSource = (services) => {
  const checkouts = services.get(CheckoutService);
  const merchants = services.get(MerchantService);
  return {
    [CHECKOUT_TYPE]: nodeOf((ctx, id) => checkouts.get(ctx, toGlobalId(CHECKOUT_TYPE, id)), checkoutType),
    [MERCHANT_TYPE]: nodeOf(
      (ctx, id) => merchants.get(ctx, toGlobalId(MERCHANT_TYPE, id)),
      (m) => merchantType(m, false),
    ),
  };
};
