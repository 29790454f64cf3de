export * from './credit-application.entity';
export * from './credit-decision.entity';
import { CreditApplication } from './credit-application.entity';
import { CreditDecision } from './credit-decision.entity';

/** This feature's entities, for the ORM's discovery. */
export default [CreditApplication, CreditDecision];
