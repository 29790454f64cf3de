import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { UserErrorCode } from '../../lib/errors';

registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Why a mutation did not do what was asked. Expected outcomes, reported in the payload.',
  valuesConfig: {
    INVALID_INPUT: { description: 'A field breaks a rule (range, length, format); `field` names it.' },
    NOT_FOUND: { description: 'No such object, or not one the caller may see (the same answer for both).' },
    EMAIL_TAKEN: { description: 'An account with this email already exists.' },
    INVALID_CREDENTIALS: { description: 'Email or password is wrong.' },
    INVALID_TOKEN: { description: 'The refresh token is unknown, expired, revoked or already used.' },
    RATE_LIMITED: { description: 'Too many attempts; try again later.' },
    IDEMPOTENCY_KEY_REUSED: { description: 'This idempotency key was used before with a different input.' },
    INVALID_STATE: { description: 'The object is not in a state that allows this action.' },
    OFFER_EXPIRED: { description: 'The offer expired (30 days after the decision).' },
    AMOUNT_EXCEEDS_BALANCE: { description: 'More than what is owed, or left to refund.' },
    INSUFFICIENT_POINTS: { description: 'The points balance is too low.' },
    INSUFFICIENT_FUNDS: { description: "The investor's cash is too low." },
    CHECKOUT_EXPIRED: { description: 'The checkout’s hour is over; ask the merchant for a new one.' },
    INSUFFICIENT_CREDIT: { description: 'The credit line’s available credit does not cover the amount.' },
    SANDBOX_ONLY: { description: 'Only available outside production.' },
  },
});

@ObjectType({ description: 'A problem with a mutation input or an expected domain outcome.' })
export class UserError {
  @Field(() => [String], {
    nullable: true,
    description:
      'Path to the input field at fault, e.g. ["input", "amount"]; null when no single field is at fault.',
  })
  field!: string[] | null;

  @Field(() => String, { description: 'Plain-language explanation, safe to show to the user.' })
  message!: string;

  @Field(() => UserErrorCode)
  code!: UserErrorCode;
}
