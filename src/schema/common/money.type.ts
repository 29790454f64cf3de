import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { DecimalScalar } from './scalars';

export enum CurrencyCode {
  USD = 'USD',
}
registerEnumType(CurrencyCode, {
  name: 'CurrencyCode',
  description: 'ISO 4217 currency code. Only USD for now.',
});

@ObjectType({ description: 'An amount of money: integer cents inside, a two-decimal string outside.' })
export class Money {
  @Field(() => DecimalScalar, { description: 'The amount, with exactly two decimals ("1500.00").' })
  amount!: number;

  @Field(() => CurrencyCode)
  currency!: CurrencyCode;
}

export const money = (cents: number, currency: CurrencyCode = CurrencyCode.USD): Money => ({
  amount: cents,
  currency,
});
