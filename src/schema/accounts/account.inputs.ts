import { FundingSource } from './account.enums';
import { MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { MerchantCategory } from '../../entities/accounts/card-transaction.entity';
import { DecimalScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';
import { ApplicationType } from '../applications/application.types';
import { CardType, CardTransactionType, InstallmentPlanType, CreditAccountType } from './account.types';

@InputType({ description: 'The approved application whose offer to accept and, for a loan, who funds it.' })
export class AcceptOfferInput {
  @Field(() => ID)
  applicationId!: string;

  @Field(() => FundingSource, { nullable: true, description: 'Loans only; PLATFORM by default.' })
  funding?: FundingSource | null;
}

@ObjectType({
  description: 'Result of `acceptOffer`: the accepted application and the account it opened, or user errors.',
})
export class AcceptOfferPayload {
  @Field(() => ApplicationType, { nullable: true })
  application?: ApplicationType | null;

  @Field(() => CreditAccountType, { nullable: true })
  account?: CreditAccountType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'The card to freeze, unfreeze, close or reveal.' })
export class CardInput {
  @Field(() => ID)
  cardId!: string;
}

@ObjectType({ description: 'Result of freezing, unfreezing or closing a card: the card, or user errors.' })
export class CardPayload {
  @Field(() => CardType, { nullable: true })
  card?: CardType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({
  description: 'Result of `revealCard`: the full card number, CVV and expiry, or user errors.',
})
export class RevealCardPayload {
  @Field(() => String, { nullable: true, description: 'The full 16-digit card number.' })
  pan?: string | null;

  @Field(() => String, { nullable: true })
  cvv?: string | null;

  @Field(() => Int, { nullable: true })
  expiryMonth?: number | null;

  @Field(() => Int, { nullable: true })
  expiryYear?: number | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({
  description: 'A card purchase to authorize: the card, amount, merchant and an idempotency key.',
})
export class AuthorizeCardTransactionInput {
  @Field(() => ID)
  cardId!: string;

  @Field(() => DecimalScalar)
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  merchantName!: string;

  @Field(() => MerchantCategory)
  category!: string;

  @Field(() => String, {
    description: '1–100 characters; a repeat with the same key returns the first result.',
  })
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@InputType({
  description: 'The purchase to refund and how much of it, with an idempotency key.',
})
export class RefundCardTransactionInput {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => DecimalScalar)
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@InputType({ description: 'The purchase to split into monthly payments, and over how many months.' })
export class ConvertToInstallmentsInput {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => Int, { description: '3, 6 or 12.' })
  months!: number;
}

@ObjectType({
  description: 'Result of a card purchase or refund: the transaction and its account, or user errors.',
})
export class CardTransactionPayload {
  @Field(() => CardTransactionType, { nullable: true })
  transaction?: CardTransactionType | null;

  @Field(() => CreditAccountType, { nullable: true })
  account?: CreditAccountType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({
  description: 'Result of `convertToInstallments`: the new monthly plan, or user errors.',
})
export class ConvertToInstallmentsPayload {
  @Field(() => InstallmentPlanType, { nullable: true })
  plan?: InstallmentPlanType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'A card transaction, live, with the cursor to resume from.' })
export class CardTransactionEvent {
  @Field(() => String)
  cursor!: string;

  @Field(() => CardTransactionType)
  transaction!: CardTransactionType;
}
