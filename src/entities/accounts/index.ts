export * from './card-transaction.entity';
export * from './card.entity';
export * from './credit-account.entity';
export * from './installment-plan.entity';
import { CardTransaction } from './card-transaction.entity';
import { Card } from './card.entity';
import { CreditAccount } from './credit-account.entity';
import { InstallmentPlan, Installment } from './installment-plan.entity';

/** This feature's entities, for the ORM's discovery. */
export default [CreditAccount, Card, CardTransaction, InstallmentPlan, Installment];
