import { MaxLength } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../common/user-error.type';

@InputType({ description: 'Confirms the deletion of the signed-in account.' })
export class DeleteMyAccountInput {
  @Field(() => String, { description: "The account's password, entered again." })
  @MaxLength(128)
  password!: string;
}

@ObjectType({
  description:
    'Result of `deleteMyAccount`: whether the account was deleted, or why not (money owed or held, wrong password).',
})
export class DeleteMyAccountPayload {
  @Field(() => Boolean, {
    description:
      'True when the account is deleted: personal data erased, every session and API key revoked. False with `userErrors` otherwise (nothing changed).',
  })
  deleted!: boolean;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
