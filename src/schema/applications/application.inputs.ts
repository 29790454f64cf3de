import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import type {
  EmploymentStatus as DomainEmployment,
  Product as DomainProduct,
} from '../../domain/applications/scorecard';
import { DateScalar, DecimalScalar } from '../common/scalars';

export enum Product {
  PERSONAL_LOAN = 'PERSONAL_LOAN',
  CREDIT_LINE = 'CREDIT_LINE',
}
registerEnumType(Product, {
  name: 'Product',
  description: 'What can be applied for.',
  valuesConfig: {
    PERSONAL_LOAN: { description: '$1,000.00–$10,000.00 over 6–36 monthly installments.' },
    CREDIT_LINE: { description: 'A revolving limit of $500.00–$10,000.00 with a virtual card.' },
  },
});

export enum EmploymentStatus {
  FULL_TIME = 'FULL_TIME',
  PART_TIME = 'PART_TIME',
  SELF_EMPLOYED = 'SELF_EMPLOYED',
  RETIRED = 'RETIRED',
  STUDENT = 'STUDENT',
  UNEMPLOYED = 'UNEMPLOYED',
}
registerEnumType(EmploymentStatus, {
  name: 'EmploymentStatus',
  description: "The applicant's employment situation, one input of the credit decision.",
});

export enum ReviewOutcome {
  APPROVED = 'APPROVED',
  DECLINED = 'DECLINED',
}
registerEnumType(ReviewOutcome, {
  name: 'ReviewOutcome',
  description: "An underwriter's decision on a referred application.",
});

@InputType({
  description: 'Alternative data: what thin-file applicants are scored on (social media is never used).',
})
export class AlternativeDataInput {
  @Field(() => Int, { nullable: true, description: 'Months of rent paid on time.' })
  onTimeRentMonths?: number | null;

  @Field(() => Int, { nullable: true, description: 'Months of utility bills paid on time.' })
  onTimeUtilityMonths?: number | null;

  @Field(() => Int, { nullable: true, description: 'Age of the main bank account, in months.' })
  bankAccountAgeMonths?: number | null;

  @Field(() => Int, { nullable: true, description: 'Overdrafts in the last 90 days.' })
  overdraftsLast90Days?: number | null;
}

@InputType({ description: 'An application for credit. The decision is made inside the request.' })
export class SubmitApplicationInput {
  @Field(() => Product)
  product!: DomainProduct;

  @Field(() => DecimalScalar, { description: 'Loan amount or requested credit limit.' })
  amount!: number;

  @Field(() => Int, { nullable: true, description: 'Loans: 6–36 months. Credit lines: leave out.' })
  termMonths?: number | null;

  @Field(() => String, { description: 'What the money is for (at most 500 characters).' })
  @MaxLength(10_000)
  purpose!: string;

  @Field(() => DateScalar)
  dateOfBirth!: string;

  @Field(() => DecimalScalar)
  monthlyIncome!: number;

  @Field(() => DecimalScalar, { description: 'Monthly payments on existing debts.' })
  monthlyDebt!: number;

  @Field(() => EmploymentStatus)
  employmentStatus!: DomainEmployment;

  @Field(() => Int, { nullable: true, description: 'Bureau score 300–850; leave out for a thin file.' })
  creditScore?: number | null;

  @Field(() => AlternativeDataInput, { nullable: true })
  @IsOptional()
  alternativeData?: AlternativeDataInput | null;

  @Field(() => String, {
    nullable: true,
    description: 'Optional; a repeat with the same key returns the first application.',
  })
  idempotencyKey?: string | null;
}

@InputType({
  description: 'New data for a referred application; fields left out keep their value. The decision re-runs.',
})
export class UpdateApplicationInput {
  @Field(() => ID)
  applicationId!: string;

  @Field(() => DecimalScalar, { nullable: true })
  amount?: number | null;

  @Field(() => Int, { nullable: true })
  termMonths?: number | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(10_000)
  purpose?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  monthlyIncome?: number | null;

  @Field(() => DecimalScalar, { nullable: true })
  monthlyDebt?: number | null;

  @Field(() => EmploymentStatus, { nullable: true })
  employmentStatus?: DomainEmployment | null;

  @Field(() => Int, { nullable: true })
  creditScore?: number | null;

  @Field(() => AlternativeDataInput, { nullable: true })
  @IsOptional()
  alternativeData?: AlternativeDataInput | null;
}

@InputType({ description: 'The application to withdraw.' })
export class CancelApplicationInput {
  @Field(() => ID)
  applicationId!: string;
}

@InputType({ description: "An underwriter's decision on a referred application, with a note." })
export class ReviewApplicationInput {
  @Field(() => ID)
  applicationId!: string;

  @Field(() => ReviewOutcome)
  outcome!: 'APPROVED' | 'DECLINED';

  @Field(() => String, { description: 'Why; part of the record (at most 500 characters).' })
  @MaxLength(10_000)
  note!: string;
}
