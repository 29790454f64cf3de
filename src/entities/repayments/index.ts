export * from './disbursement.entity';
export * from './gateway-operation.entity';
export * from './payment-allocation.entity';
export * from './payment.entity';
import { Disbursement } from './disbursement.entity';
import { GatewayOperation } from './gateway-operation.entity';
import { PaymentAllocation } from './payment-allocation.entity';
import { Payment } from './payment.entity';

/** This feature's entities, for the ORM's discovery. */
export default [Payment, Disbursement, PaymentAllocation, GatewayOperation];
