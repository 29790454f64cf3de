import type { EntityManager } from '@mikro-orm/postgresql';
import { accountLoaders } from '../accounts/loaders';
import { applicationLoaders } from '../applications/loaders';
import { identityLoaders } from '../identity/loaders';
import type { LedgerService } from '../ledger/ledger.service';
import { ledgerLoaders } from '../ledger/loaders';
import { marketplaceLoaders } from '../marketplace/loaders';
import { merchantLoaders } from '../merchants/loaders';
import { repaymentLoaders } from '../repayments/loaders';
import { rewardLoaders } from '../rewards/loaders';

/**
 * Per-request batch loaders: one query per kind of lookup, whatever the list sizes (a
 * dashboard with 1 or 50 accounts costs the same number of statements). Each feature
 * folder has its own `loaders.ts`; a new feature adds one line here.
 */
export function createLoaders(em: EntityManager, ledger: LedgerService) {
  return {
    ...identityLoaders(em),
    ...applicationLoaders(em),
    ...accountLoaders(em),
    ...repaymentLoaders(em),
    ...rewardLoaders(em),
    ...ledgerLoaders(em, ledger),
    ...marketplaceLoaders(em),
    ...merchantLoaders(em),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
