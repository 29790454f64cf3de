import { toGlobalId } from '../../lib/global-id';
import { listingType, noteType } from '../../schema/marketplace/marketplace.types';
import { ListingService } from '../../services/marketplace/listing.service';
import { LISTING_TYPE, NOTE_TYPE } from '../../services/marketplace/marketplace-view';
import { nodeOf, type NodeSource } from '../common/node.resolver';
import {
  AccountListingResolver,
  MarketplaceResolver,
  NoteResolver,
  PortfolioResolver,
} from './marketplace.resolver';

export const resolvers = [MarketplaceResolver, PortfolioResolver, NoteResolver, AccountListingResolver];

export const nodes: NodeSource = (services) => {
  const listings = services.get(ListingService);
  return {
    [LISTING_TYPE]: nodeOf((ctx, id) => listings.get(ctx, toGlobalId(LISTING_TYPE, id)), listingType),
    [NOTE_TYPE]: nodeOf((ctx, id) => listings.note(ctx, id), noteType),
  };
};
