import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  UseMiddleware,
} from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import { ListingStatus } from '../../entities/marketplace/marketplace.entity';
import { RiskGrade } from '../../schema/applications/application.types';
import { CreditAccountType } from '../../schema/accounts/account.types';
import { PayloadErrors } from '../../schema/common/payload';
import {
  AutoInvestInput,
  AutoInvestPayload,
  CashMovementInput,
  CashMovementPayload,
  InvestInput,
  InvestPayload,
  ListingConnection,
  ListingEvent,
  ListingType,
  NoteConnection,
  NoteType,
  PortfolioType,
  cashMovementType,
  listingType,
  noteType,
  portfolioType,
} from '../../schema/marketplace/marketplace.types';
import { DecimalScalar } from '../../schema/common/scalars';
import type { RequestScope } from '../../services/common/request-scope';
import { CashMovementService } from '../../services/marketplace/cash-movement.service';
import { ListingService } from '../../services/marketplace/listing.service';
import { PortfolioService } from '../../services/marketplace/portfolio.service';
import { EventType, type LiveEvent } from '../../subscriptions/common/topics';
import { liveSubscribe } from '../common/live-subscribe';
import { mapConnection } from '../../services/common/pagination';

@Resolver()
export class MarketplaceResolver {
  constructor(
    private readonly listingService: ListingService,
    private readonly cash: CashMovementService,
    private readonly portfolios: PortfolioService,
  ) {}

  @Authorized(Role.INVESTOR, Role.ADMIN)
  @Query(() => ListingConnection, {
    description: 'Investors: marketplace listings, newest first, by grades and status.',
  })
  async listings(
    @Ctx() ctx: RequestScope,
    @Arg('grades', () => [RiskGrade], { nullable: true }) grades?: string[],
    @Arg('status', () => ListingStatus, { nullable: true }) status?: string,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.listingService.list(ctx, { grades, status, first, after });
    return mapConnection(page, listingType);
  }

  @Authorized()
  @Query(() => ListingType, {
    nullable: true,
    description: 'One listing: for investors, and for its borrower; null for anyone else.',
  })
  async listing(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestScope) {
    const v = await this.listingService.get(ctx, id);
    return v ? listingType(v) : null;
  }

  @Authorized(Role.INVESTOR)
  @Query(() => PortfolioType, { description: 'Investors: your cash, notes and returns.' })
  async portfolio(@Ctx() ctx: RequestScope) {
    return portfolioType(await this.portfolios.portfolio(ctx));
  }

  @Authorized(Role.INVESTOR)
  @Mutation(() => CashMovementPayload, {
    description: 'Investors: add cash through the payment provider (idempotent).',
  })
  @UseMiddleware(PayloadErrors)
  async depositCash(
    @Arg('input', () => CashMovementInput) input: CashMovementInput,
    @Ctx() ctx: RequestScope,
  ) {
    return this.moved(ctx, await this.cash.deposit(ctx, input));
  }

  @Authorized(Role.INVESTOR)
  @Mutation(() => CashMovementPayload, {
    description: 'Investors: send uninvested cash to your bank (idempotent; never more than your cash).',
  })
  @UseMiddleware(PayloadErrors)
  async withdrawCash(
    @Arg('input', () => CashMovementInput) input: CashMovementInput,
    @Ctx() ctx: RequestScope,
  ) {
    return this.moved(ctx, await this.cash.withdraw(ctx, input));
  }

  @Authorized(Role.INVESTOR)
  @Mutation(() => InvestPayload, {
    description: 'Investors: buy a note in a listing, $25 multiples, from your cash (idempotent).',
  })
  @UseMiddleware(PayloadErrors)
  async invest(@Arg('input', () => InvestInput) input: InvestInput, @Ctx() ctx: RequestScope) {
    const r = await this.listingService.invest(ctx, input);
    return { note: noteType(r.note), listing: listingType(r.listing) };
  }

  @Authorized(Role.INVESTOR)
  @Mutation(() => AutoInvestPayload, {
    description:
      'Investors: spread an amount over open listings of some grades, oldest first, `amountPerLoan` each (idempotent; all or nothing).',
  })
  @UseMiddleware(PayloadErrors)
  async autoInvest(@Arg('input', () => AutoInvestInput) input: AutoInvestInput, @Ctx() ctx: RequestScope) {
    return { notes: (await this.listingService.autoInvest(ctx, input)).map(noteType) };
  }

  @Subscription(() => ListingEvent, {
    description:
      "A listing's funding, live: for every investor and the listing's borrower. Pass `since` to resume.",
    subscribe: liveSubscribe(EventType.listingFundingChanged, 'listingId'),
  })
  async listingFundingChanged(
    @Root() event: LiveEvent,
    @Ctx() ctx: RequestScope,
    @Arg('listingId', () => ID) _listingId: string,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): Promise<ListingEvent> {
    // The stream checked the audience; the listing is shown as it is now.
    const view = await this.listingService.loadForEvent(ctx, (event.payload as { id: string }).id);
    return { cursor: event.cursor, listing: listingType(view) };
  }

  private async moved(ctx: RequestScope, movement: Parameters<typeof cashMovementType>[0]) {
    return {
      movement: cashMovementType(movement),
      portfolio: portfolioType(await this.portfolios.portfolio(ctx)),
    };
  }
}

@Resolver(() => PortfolioType)
export class PortfolioResolver {
  constructor(private readonly portfolios: PortfolioService) {}

  @FieldResolver(() => NoteConnection, { description: 'Your notes, newest first.' })
  async notes(
    @Root() _p: PortfolioType,
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.portfolios.notes(ctx, { first, after });
    return mapConnection(page, noteType);
  }

  @FieldResolver(() => DecimalScalar, {
    nullable: true,
    description:
      'Net annualised return, percent a year ("7.34"): the XIRR (Actual/365) of your flows into and out of notes — each investment negative on its day, each distribution (principal + interest − fees) and each returned commitment positive on its day — with the outstanding principal of your ACTIVE notes counted as received today. Deposits and withdrawals are not part of it. Null until there is a return to measure.',
  })
  async netAnnualizedReturn(@Root() p: PortfolioType, @Ctx() ctx: RequestScope) {
    const rate = await this.portfolios.netAnnualizedReturn(ctx, p.outstandingCents);
    return rate === null ? null : Math.round(rate * 10_000);
  }
}

@Resolver(() => NoteType)
export class NoteResolver {
  constructor(private readonly listings: ListingService) {}

  @FieldResolver(() => ListingType, { description: 'The listing the note is in.' })
  async listing(@Root() n: NoteType, @Ctx() ctx: RequestScope) {
    // Only the note's investor sees the note, and every investor may see every listing.
    return listingType((await this.listings.byLocalId(ctx, n.listingLocalId))!);
  }
}

@Resolver(() => CreditAccountType)
export class AccountListingResolver {
  constructor(private readonly listings: ListingService) {}

  @FieldResolver(() => ListingType, {
    nullable: true,
    description: 'A marketplace loan: its listing for investors (null for other accounts).',
  })
  async listing(@Root() a: CreditAccountType, @Ctx() ctx: RequestScope) {
    const v = await this.listings.forAccount(ctx, a.localId);
    return v ? listingType(v) : null;
  }
}
