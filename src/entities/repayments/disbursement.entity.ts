import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum DisbursementKind {
  /** A platform loan's principal. */
  LOAN = 'LOAN',
  /** Money the owner had paid that a refund or a late-settling payment left with nothing to pay. */
  RETURN = 'RETURN',
  /** Cash drawn from a credit line: once paid, a MONTHLY plan of `termMonths`. */
  DRAW = 'DRAW',
}

/**
 * Money paid out to an account's owner through the gateway: a loan's principal, a cash draw
 * from a credit line, or money returned. Committed PENDING first (its id is the provider's idempotency key), then settled.
 */
@Entity({ tableName: 'disbursement' })
@Index({ properties: ['accountId', 'id'] })
/** Loans paid out in a period (originations in the portfolio metrics and the dashboard). */
@Index({
  name: 'disbursement_loan_settled_at_index',
  expression: `create index "disbursement_loan_settled_at_index" on "disbursement" ("settled_at") where "kind" = 'LOAN' and "status" = 'SUCCEEDED'`,
})
@Index({
  name: 'disbursement_pending_index',
  expression: `create index "disbursement_pending_index" on "disbursement" ("attempted_at") where "status" = 'PENDING'`,
})
export class Disbursement {
  [OptionalProps]?:
    'createdAt' | 'failureReason' | 'kind' | 'sourceId' | 'attemptedAt' | 'settledAt' | 'termMonths';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'text' })
  kind: string = DisbursementKind.LOAN;

  /** A return: the refund (card transaction) or payment whose money it returns. */
  @Property({ type: 'uuid', nullable: true })
  sourceId: string | null = null;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  /** A draw: the term of the plan it becomes once paid. */
  @Property({ type: 'integer', nullable: true })
  termMonths: number | null = null;

  /** PENDING, SUCCEEDED or FAILED. */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /** Real time of the last request to the gateway. */
  @Property({ type: 'timestamptz', nullable: true })
  attemptedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  settledAt: Date | null = null;
}
