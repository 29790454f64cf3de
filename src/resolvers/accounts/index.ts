import { toGlobalId } from '../../lib/global-id';
import { accountType, cardType, transactionType } from '../../schema/accounts/account.types';
import { CardTransactionService } from '../../services/accounts/card-transaction.service';
import {
  ACCOUNT_TYPE,
  CARD_TYPE,
  CreditAccountService,
} from '../../services/accounts/credit-account.service';
import { TRANSACTION_TYPE } from '../../services/accounts/transaction-view';
import { nodeOf, type NodeSource } from '../common/node.resolver';
import { AccountClosureResolver } from './account-closure.resolver';
import { CreditAccountResolver, InstallmentPlanResolver } from './credit-account.resolver';

export const resolvers = [CreditAccountResolver, InstallmentPlanResolver, AccountClosureResolver];

export const nodes: NodeSource = (services) => {
  const accounts = services.get(CreditAccountService);
  const purchases = services.get(CardTransactionService);
  return {
    [ACCOUNT_TYPE]: nodeOf((ctx, id) => accounts.get(ctx, toGlobalId(ACCOUNT_TYPE, id)), accountType),
    [CARD_TYPE]: nodeOf((ctx, id) => accounts.getCard(ctx, id), cardType),
    [TRANSACTION_TYPE]: nodeOf((ctx, id) => purchases.get(ctx, id), transactionType),
  };
};
