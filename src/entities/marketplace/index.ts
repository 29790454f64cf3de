export * from './marketplace.entity';
import { CashMovement, InvestorAccount, Listing, Note } from './marketplace.entity';

/** This feature's entities, for the ORM's discovery. */
export default [Listing, Note, InvestorAccount, CashMovement];
