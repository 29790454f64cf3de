import { buildOffer, type Offer } from '../../domain/applications/offer';
import type { Decision, Product } from '../../domain/applications/scorecard';

/** Enough for every round amount, term and APR applicants ask for on a business day. */
const MAX_ENTRIES = 5000;

/**
 * Offers are pure functions of (product, amount, APR, term, start date): the schedule and
 * the Appendix J solve are memoised, since many applicants ask for the same round amounts.
 * The oldest entry goes first when the cache is full.
 */
const offerCache = new Map<string, Offer | null>();

/** The offer of an approved decision (null for any other outcome), computed once per key. */
export function offerFor(
  decision: Decision,
  product: Product,
  termMonths: number | null,
  startDate: string,
): Offer | null {
  if (decision.outcome !== 'APPROVED') return null;
  const key = `${product}|${decision.approvedAmount}|${decision.aprBp}|${termMonths}|${startDate}`;
  let offer = offerCache.get(key);
  if (offer === undefined) {
    offer = buildOffer(decision, product, termMonths, startDate);
    if (offerCache.size >= MAX_ENTRIES) offerCache.delete(offerCache.keys().next().value!);
    offerCache.set(key, offer);
  }
  return offer;
}
