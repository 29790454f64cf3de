import { Check, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum ApplicationStatus {
  APPROVED = 'APPROVED',
  DECLINED = 'DECLINED',
  REFERRED = 'REFERRED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
  ACCEPTED = 'ACCEPTED',
}

/**
 * What an applicant asked for and told us, and where the application stands. Money is
 * integer cents; the latest decision is `decisionId` (earlier ones stay, for the record).
 */
@Entity({ tableName: 'credit_application' })
@Index({ properties: ['applicantId', 'id'] })
@Index({ properties: ['status', 'id'] })
/** Applications submitted in a period (portfolio metrics, the live dashboard). */
@Index({ properties: ['createdAt'] })
@Check({
  name: 'credit_application_status_allowed',
  // A regex rather than IN (...): MikroORM reads `col = ANY (ARRAY[...])` checks as enums.
  expression: "status ~ '^(APPROVED|DECLINED|REFERRED|CANCELLED|EXPIRED|ACCEPTED)$'::text",
})
@Check({
  name: 'credit_application_money_check',
  expression: 'amount > 0 and monthly_income >= 0 and monthly_debt >= 0',
})
export class CreditApplication {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'reviewNote' | 'offerExpiresAt' | 'decisionId' | 'version';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  applicantId!: string;

  @Property({ type: 'text' })
  product!: string;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'integer', nullable: true })
  termMonths!: number | null;

  @Property({ type: 'text' })
  purpose!: string;

  @Property({ type: 'date', columnType: 'date' })
  dateOfBirth!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  monthlyIncome!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  monthlyDebt!: number;

  @Property({ type: 'text' })
  employmentStatus!: string;

  @Property({ type: 'integer', nullable: true })
  creditScore!: number | null;

  @Property({ type: 'integer' })
  onTimeRentMonths!: number;

  @Property({ type: 'integer' })
  onTimeUtilityMonths!: number;

  @Property({ type: 'integer' })
  bankAccountAgeMonths!: number;

  @Property({ type: 'integer' })
  overdraftsLast90Days!: number;

  @Property({ type: 'uuid', nullable: true })
  decisionId: string | null = null;

  /** When an approval's offer lapses (30 days after the decision). */
  @Property({ type: 'timestamptz', nullable: true })
  offerExpiresAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  reviewNote: string | null = null;

  @Property({ type: 'integer' })
  version: number = 1;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
