import { addDaysToInstant } from '../../domain/marketplace/listing-rules';
import { Listing } from '../../entities';
import type { CreditAccount } from '../../entities';
import { ListingStatus } from '../../entities/marketplace/marketplace.entity';
import type { Tx } from '../../db/transactions';

/**
 * Lists an accepted MARKETPLACE loan for investors, in the acceptance's transaction: the
 * account (already at the rounded amount) awaits funding, the listing is OPEN for 14 days.
 * Kept apart from the listing service so that opening an account needs nothing of the
 * marketplace's money paths.
 */
export function openListing(tx: Tx, account: CreditAccount, grade: string, now: Date): Listing {
  const listing = tx.em.create(Listing, {
    accountId: account.id,
    borrowerId: account.ownerId,
    grade,
    aprBp: account.aprBp,
    termMonths: account.termMonths!,
    amount: Number(account.creditLimit),
    status: ListingStatus.OPEN,
    expiresAt: addDaysToInstant(now, LISTING_DAYS),
    createdAt: now,
    updatedAt: now,
  });
  tx.em.persist(listing);
  return listing;
}

/** How long a listing stays open (SPEC section 7). */
export const LISTING_DAYS = 14;
