import { MaxLength } from 'class-validator';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../common/user-error.type';
import { CreditAccountType } from './account.types';

@InputType({ description: 'The account whose owner asks to close it.' })
export class RequestAccountClosureInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => String, {
    description: '1–100 characters; a repeat with the same key returns the first result.',
  })
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({
  description:
    'Result of `requestAccountClosure`: the account as it is now (CLOSED, or still open with `closureRequestedAt` until its balance is paid), or user errors.',
})
export class RequestAccountClosurePayload {
  @Field(() => CreditAccountType, { nullable: true })
  account?: CreditAccountType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
