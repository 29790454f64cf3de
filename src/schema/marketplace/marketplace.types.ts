import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ListingStatus, NoteStatus } from '../../entities/marketplace/marketplace.entity';
import { toGlobalId } from '../../lib/global-id';
import {
  CASH_MOVEMENT_TYPE,
  LISTING_TYPE,
  NOTE_TYPE,
  type CashMovementView,
  type ListingView,
  type NoteView,
  type PortfolioView,
} from '../../services/marketplace/marketplace-view';
import { RiskGrade } from '../applications/application.types';
import { ConnectionType } from '../common/connection';
import { Money, money } from '../common/money.type';
import { Node } from '../common/node';
import { DateTimeScalar, DecimalScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';

registerEnumType(ListingStatus, {
  name: 'ListingStatus',
  description: 'Where a marketplace listing stands.',
  valuesConfig: {
    OPEN: { description: 'Taking investments, for 14 days from acceptance.' },
    FUNDED: { description: 'Fully funded: notes issued, the loan paid out.' },
    EXPIRED: { description: 'Not fully funded in time: every commitment went back to cash.' },
  },
});

registerEnumType(NoteStatus, {
  name: 'NoteStatus',
  description: "Where an investor's note stands.",
  valuesConfig: {
    ACTIVE: {
      description:
        'Held: committed to an open listing, or earning on a funded loan (the listing says which).',
    },
    PAID_OFF: { description: 'The loan was repaid in full; so was the note.' },
    CHARGED_OFF: { description: 'The loan was charged off; the unpaid principal is lost.' },
    CANCELLED: { description: 'The listing expired unfunded; the amount went back to cash.' },
  },
});

@ObjectType(LISTING_TYPE, {
  implements: Node,
  description:
    'A marketplace loan offered to investors: grade, rate, term and amount, never who borrows or who invests.',
})
export class ListingType extends Node {
  localId!: string;

  @Field(() => ListingStatus)
  status!: string;

  @Field(() => RiskGrade)
  grade!: string;

  @Field(() => DecimalScalar, { description: 'Percent per year ("11.99"): what the borrower pays.' })
  apr!: number;

  @Field(() => Int)
  termMonths!: number;

  @Field(() => Money, { description: 'The loan: the approved amount rounded down to $25.' })
  amount!: Money;

  @Field(() => Money, { description: 'Committed by investors so far.' })
  funded!: Money;

  @Field(() => Money, { description: 'Still to fund: amount − funded.' })
  remaining!: Money;

  @Field(() => Int, { description: 'How many investors hold notes in it.' })
  investorCount!: number;

  @Field(() => DateTimeScalar, { description: 'When an OPEN listing expires (14 days after it opened).' })
  expiresAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  fundedAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const listingType = (l: ListingView): ListingType =>
  Object.assign(new ListingType(), {
    id: toGlobalId(LISTING_TYPE, l.id),
    localId: l.id,
    status: l.status,
    grade: l.grade,
    apr: l.aprBp,
    termMonths: l.termMonths,
    amount: money(l.amount),
    funded: money(l.funded),
    remaining: money(l.amount - l.funded),
    investorCount: l.investorCount,
    expiresAt: l.expiresAt,
    fundedAt: l.fundedAt,
    createdAt: l.createdAt,
  });

@ObjectType(NOTE_TYPE, {
  implements: Node,
  description: "An investor's share of one listing, seen only by them.",
})
export class NoteType extends Node {
  listingLocalId!: string;

  @Field(() => NoteStatus)
  status!: string;

  @Field(() => Money)
  amount!: Money;

  @Field(() => Money, { description: 'Principal repaid to this note so far (gross, before fees).' })
  principalReceived!: Money;

  @Field(() => Money, { description: 'Interest paid to this note so far (gross, before fees).' })
  interestReceived!: Money;

  @Field(() => Money, { description: 'Servicing fees deducted (1% of each payment’s principal + interest).' })
  feesPaid!: Money;

  @Field(() => Money, {
    description: 'Principal not repaid yet (zero once paid off, charged off or cancelled).',
  })
  outstandingPrincipal!: Money;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const noteType = (n: NoteView): NoteType =>
  Object.assign(new NoteType(), {
    id: toGlobalId(NOTE_TYPE, n.id),
    listingLocalId: n.listingId,
    status: n.status,
    amount: money(n.amount),
    principalReceived: money(n.principalReceived),
    interestReceived: money(n.interestReceived),
    feesPaid: money(n.feesPaid),
    outstandingPrincipal: money(n.status === NoteStatus.ACTIVE ? n.amount - n.principalReceived : 0),
    createdAt: n.createdAt,
  });

@ObjectType({ description: 'Notes of one grade that are still outstanding.' })
export class GradeSummary {
  @Field(() => RiskGrade)
  grade!: string;

  @Field(() => Int, { description: 'ACTIVE notes of this grade.' })
  noteCount!: number;

  @Field(() => Money)
  outstandingPrincipal!: Money;
}

@ObjectType({ description: 'Notes in one status.' })
export class StatusSummary {
  @Field(() => NoteStatus)
  status!: string;

  @Field(() => Int)
  noteCount!: number;

  @Field(() => Money, { description: 'What those notes were bought for.' })
  amount!: Money;
}

@ObjectType({ description: "An investor's position on the marketplace." })
export class PortfolioType {
  userId!: string;
  outstandingCents!: number;

  @Field(() => Money, { description: 'Uninvested cash: equal to the investor’s ledger account.' })
  cash!: Money;

  @Field(() => Money, { description: 'Bought in notes, all time (cancelled commitments excluded).' })
  invested!: Money;

  @Field(() => Money, { description: 'Principal of ACTIVE notes not repaid yet.' })
  outstandingPrincipal!: Money;

  @Field(() => Money, { description: 'Principal repaid to the notes so far (gross).' })
  principalReceived!: Money;

  @Field(() => Money, { description: 'Interest paid to the notes so far (gross, before fees).' })
  interestEarned!: Money;

  @Field(() => Money, { description: 'Servicing fees deducted so far.' })
  feesPaid!: Money;

  @Field(() => [GradeSummary], { description: 'Every grade A to E, with its ACTIVE notes.' })
  byGrade!: GradeSummary[];

  @Field(() => [StatusSummary], { description: 'Notes by status (only statuses the investor has).' })
  byStatus!: StatusSummary[];
}

export const portfolioType = (p: PortfolioView): PortfolioType =>
  Object.assign(new PortfolioType(), {
    userId: p.userId,
    outstandingCents: p.outstandingPrincipal,
    cash: money(p.cash),
    invested: money(p.invested),
    outstandingPrincipal: money(p.outstandingPrincipal),
    principalReceived: money(p.principalReceived),
    interestEarned: money(p.interestEarned),
    feesPaid: money(p.feesPaid),
    byGrade: p.byGrade.map((g) => ({
      grade: g.grade,
      noteCount: g.noteCount,
      outstandingPrincipal: money(g.outstandingPrincipal),
    })),
    byStatus: p.byStatus.map((s) => ({ status: s.status, noteCount: s.noteCount, amount: money(s.amount) })),
  });

@ObjectType(CASH_MOVEMENT_TYPE, {
  implements: Node,
  description: 'Money an investor moved in or out through the payment provider.',
})
export class CashMovementType extends Node {
  @Field(() => String, { description: 'DEPOSIT or WITHDRAWAL.' })
  kind!: string;

  @Field(() => Money)
  amount!: Money;

  @Field(() => String, {
    description:
      'PENDING (the provider has not answered yet; settled as soon as it does), SUCCEEDED or FAILED.',
  })
  status!: string;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const cashMovementType = (m: CashMovementView): CashMovementType =>
  Object.assign(new CashMovementType(), {
    id: toGlobalId(CASH_MOVEMENT_TYPE, m.id),
    kind: m.kind,
    amount: money(m.amount),
    status: m.status,
    failureReason: m.failureReason,
    createdAt: m.createdAt,
  });

@InputType({ description: 'Cash in or out: the amount, with an idempotency key.' })
export class CashMovementInput {
  @Field(() => DecimalScalar, { description: 'More than 0.00, at most 1000000.00.' })
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({
  description:
    'Result of `depositCash` / `withdrawCash`: the movement, the portfolio after it, or user errors.',
})
export class CashMovementPayload {
  @Field(() => CashMovementType, { nullable: true })
  movement?: CashMovementType | null;

  @Field(() => PortfolioType, { nullable: true })
  portfolio?: PortfolioType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'An investment in one listing: $25 multiples, with an idempotency key.' })
export class InvestInput {
  @Field(() => ID)
  listingId!: string;

  @Field(() => DecimalScalar, { description: 'At least 25.00, in multiples of 25.00, up to what remains.' })
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({ description: 'Result of `invest`: the new note and its listing, or user errors.' })
export class InvestPayload {
  @Field(() => NoteType, { nullable: true })
  note?: NoteType | null;

  @Field(() => ListingType, { nullable: true })
  listing?: ListingType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'Spread an amount over open listings of some grades.' })
export class AutoInvestInput {
  @Field(() => DecimalScalar, { description: 'The most to invest in this call.' })
  amount!: number;

  @Field(() => [RiskGrade])
  @ArrayMaxSize(5)
  grades!: string[];

  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'Per listing; default 25.00, in $25 multiples.',
  })
  amountPerLoan?: number | null;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({ description: 'Result of `autoInvest`: the notes bought (maybe none), or user errors.' })
export class AutoInvestPayload {
  @Field(() => [NoteType], { nullable: true })
  notes?: NoteType[] | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: "A listing's funding, live, with the cursor to resume from." })
export class ListingEvent {
  @Field(() => String)
  cursor!: string;

  @Field(() => ListingType)
  listing!: ListingType;
}

export const ListingConnection = ConnectionType(ListingType, 'Listing');
export const NoteConnection = ConnectionType(NoteType, 'Note');
