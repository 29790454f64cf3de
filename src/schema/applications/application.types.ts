import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ApplicationStatus } from '../../entities/applications/credit-application.entity';
import { toGlobalId } from '../../lib/global-id';
import type { ApplicationView, DecisionView, OfferView } from '../../services/applications/application-view';
import { effectiveStatus } from '../../services/applications/application-view';
import type { Decision } from '../../domain/applications/scorecard';
import { APPLICATION_TYPE, DECISION_TYPE } from '../../services/applications/credit-application.service';
import { ConnectionType } from '../common/connection';
import { Money, money } from '../common/money.type';
import { Node } from '../common/node';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';
import { UserType } from '../identity/user.type';
import { Product } from './application.inputs';

registerEnumType(ApplicationStatus, {
  name: 'ApplicationStatus',
  description: 'Where an application stands. DECLINED, CANCELLED and EXPIRED are final.',
  valuesConfig: {
    APPROVED: { description: 'Approved; the offer can be accepted until it expires.' },
    DECLINED: { description: 'Declined, automatically or by an underwriter.' },
    REFERRED: { description: 'Waiting for manual review.' },
    CANCELLED: { description: 'Withdrawn by the applicant.' },
    EXPIRED: { description: 'The offer was not accepted within 30 days.' },
    ACCEPTED: { description: 'The offer was accepted and an account opened.' },
  },
});

export enum DecisionOutcome {
  APPROVED = 'APPROVED',
  DECLINED = 'DECLINED',
  REFERRED = 'REFERRED',
}
registerEnumType(DecisionOutcome, {
  name: 'DecisionOutcome',
  description: 'The result of a credit decision: approved, declined, or referred to an underwriter.',
});

export enum RiskGrade {
  A = 'A',
  B = 'B',
  C = 'C',
  D = 'D',
  E = 'E',
}
registerEnumType(RiskGrade, {
  name: 'RiskGrade',
  description: 'Risk grade from the score: A ≥ 800, B ≥ 700, C ≥ 600, D ≥ 500; E only by an underwriter.',
});

export enum DecisionReasonCode {
  AGE = 'AGE',
  CREDIT_SCORE = 'CREDIT_SCORE',
  LIMITED_CREDIT_HISTORY = 'LIMITED_CREDIT_HISTORY',
  DEBT_TO_INCOME = 'DEBT_TO_INCOME',
  EMPLOYMENT_STATUS = 'EMPLOYMENT_STATUS',
  RECENT_OVERDRAFTS = 'RECENT_OVERDRAFTS',
}
registerEnumType(DecisionReasonCode, {
  name: 'DecisionReasonCode',
  description: 'Why a decision is not the best one (adverse action and risk-based pricing reasons).',
  valuesConfig: {
    AGE: { description: 'Under 18 on the day of the decision.' },
    CREDIT_SCORE: { description: 'The bureau score cost points.' },
    LIMITED_CREDIT_HISTORY: {
      description: 'Thin or limited payment history (rent, utilities, account age).',
    },
    DEBT_TO_INCOME: { description: 'Debt payments are high compared with income.' },
    EMPLOYMENT_STATUS: { description: 'Employment status cost points.' },
    RECENT_OVERDRAFTS: { description: 'Overdrafts in the last 90 days.' },
  },
});

export enum ScorecardComponent {
  BUREAU_SCORE = 'BUREAU_SCORE',
  ALTERNATIVE_DATA = 'ALTERNATIVE_DATA',
  DEBT_TO_INCOME = 'DEBT_TO_INCOME',
  EMPLOYMENT = 'EMPLOYMENT',
  OVERDRAFTS = 'OVERDRAFTS',
}
registerEnumType(ScorecardComponent, {
  name: 'ScorecardComponent',
  description: 'A component of scorecard v1.',
});

export enum DecidedBy {
  AUTOMATED = 'AUTOMATED',
  ADMIN = 'ADMIN',
}
registerEnumType(DecidedBy, {
  name: 'DecidedBy',
  description: 'Who made a decision: the scorecard, or an underwriter (see `decider`).',
});

@ObjectType({ description: 'One reason of a decision, most important first.' })
export class DecisionReason {
  @Field(() => DecisionReasonCode)
  code!: string;

  @Field(() => String, { description: 'Plain-language explanation for the applicant.' })
  description!: string;
}

@ObjectType({ description: 'One scorecard component and the points it gave.' })
export class ScorecardTraceEntry {
  @Field(() => ScorecardComponent)
  component!: string;

  @Field(() => Int)
  points!: number;

  @Field(() => Int)
  maxPoints!: number;
}

@ObjectType({ description: 'One installment of an offer or plan schedule.' })
export class ScheduledPayment {
  @Field(() => Int)
  number!: number;

  @Field(() => DateScalar)
  dueDate!: string;

  @Field(() => Money)
  principal!: Money;

  @Field(() => Money)
  interest!: Money;

  @Field(() => Money)
  total!: Money;
}

@ObjectType({
  description: 'Truth in Lending disclosure (Regulation Z), APR by the actuarial method of Appendix J.',
})
export class TruthInLendingDisclosure {
  @Field(() => Money)
  amountFinanced!: Money;

  @Field(() => Money, { description: 'The dollar cost of the credit.' })
  financeCharge!: Money;

  @Field(() => Money)
  totalOfPayments!: Money;

  @Field(() => DecimalScalar, { description: 'Annual percentage rate, percent ("7.99").' })
  apr!: number;
}

@ObjectType({ description: 'What an approval offers. Loan schedules assume disbursement today.' })
export class Offer {
  @Field(() => Money, { description: 'Loan amount, or credit limit.' })
  amount!: Money;

  @Field(() => Int, { nullable: true })
  termMonths!: number | null;

  @Field(() => DecimalScalar, { description: 'Percent per year ("11.99").' })
  apr!: number;

  @Field(() => Money, { nullable: true, description: 'Loans: the regular monthly installment.' })
  monthlyPayment!: Money | null;

  @Field(() => DateTimeScalar, { description: 'Accept before this instant.' })
  expiresAt!: Date;

  @Field(() => TruthInLendingDisclosure, { nullable: true, description: 'Loans only.' })
  disclosure!: TruthInLendingDisclosure | null;

  @Field(() => [ScheduledPayment], { description: 'Loans: every installment; credit lines: empty.' })
  schedule!: ScheduledPayment[];
}

/** Rates are carried in basis points; `Decimal` prints hundredths, so bp are the same integer. */
const rate = (bp: number | null) => bp;

@ObjectType(DECISION_TYPE, {
  implements: Node,
  description: 'A credit decision, explainable from its trace.',
})
export class CreditDecisionType extends Node {
  @Field(() => DecisionOutcome)
  outcome!: string;

  @Field(() => Int, { description: '0–1000.' })
  score!: number;

  @Field(() => RiskGrade, { nullable: true, description: 'Null for declines and referrals.' })
  grade!: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Percent per year ("7.99").' })
  apr!: number | null;

  @Field(() => Money, { nullable: true })
  approvedAmount!: Money | null;

  @Field(() => [DecisionReason], {
    description: 'At most four, most important first; empty for a grade-A approval as asked.',
  })
  reasons!: DecisionReason[];

  @Field(() => String)
  modelVersion!: string;

  @Field(() => DecidedBy)
  decidedBy!: string;

  @Field(() => Float, {
    nullable: true,
    description: 'Milliseconds the automated decision took; null for an underwriter’s.',
  })
  latencyMs!: number | null;

  @Field(() => DateTimeScalar)
  decidedAt!: Date;

  @Field(() => [ScorecardTraceEntry], { description: 'Every scorecard component with its points.' })
  trace!: ScorecardTraceEntry[];

  @Field(() => Offer, { nullable: true, description: 'Approvals only.' })
  offer!: Offer | null;

  /** Not exposed: for the `decider` field. */
  deciderId!: string | null;
}

export function offerType(o: OfferView): Offer {
  return {
    amount: money(o.amount),
    termMonths: o.termMonths,
    apr: rate(o.aprBp)!,
    monthlyPayment: o.monthlyPayment === null ? null : money(o.monthlyPayment),
    expiresAt: new Date(o.expiresAt),
    disclosure: o.disclosure && {
      amountFinanced: money(o.disclosure.amountFinanced),
      financeCharge: money(o.disclosure.financeCharge),
      totalOfPayments: money(o.disclosure.totalOfPayments),
      apr: o.disclosure.aprBp,
    },
    schedule: o.schedule.map((i) => ({
      number: i.number,
      dueDate: i.dueDate,
      principal: money(i.principal),
      interest: money(i.interest),
      total: money(i.total),
    })),
  };
}

export function decisionType(d: DecisionView): CreditDecisionType {
  return Object.assign(new CreditDecisionType(), {
    id: toGlobalId(DECISION_TYPE, d.id),
    outcome: d.outcome,
    score: d.score,
    grade: d.grade,
    apr: rate(d.aprBp),
    approvedAmount: d.approvedAmount === null ? null : money(d.approvedAmount),
    reasons: d.reasons,
    modelVersion: d.modelVersion,
    decidedBy: d.decidedBy,
    latencyMs: d.latencyMs,
    decidedAt: new Date(d.decidedAt),
    trace: d.trace,
    offer: d.offer ? offerType(d.offer) : null,
    deciderId: d.deciderId,
  });
}

@ObjectType(APPLICATION_TYPE, {
  implements: Node,
  description: 'An application for credit and its latest decision.',
})
export class ApplicationType extends Node {
  localId!: string;
  applicantId!: string;

  @Field(() => ApplicationStatus)
  status!: string;

  @Field(() => Product)
  product!: string;

  @Field(() => String)
  purpose!: string;

  @Field(() => Money)
  requestedAmount!: Money;

  @Field(() => Int, { nullable: true })
  termMonths!: number | null;

  @Field(() => String, { nullable: true, description: "The underwriter's note, once reviewed." })
  reviewNote!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;

  @Field(() => CreditDecisionType, { nullable: true, description: 'The latest decision.' })
  decision!: CreditDecisionType | null;

  @Field(() => UserType, { description: 'Who applied (visible to the applicant and admins).' })
  applicant!: UserType;
}

export function applicationType(v: ApplicationView, now: Date): ApplicationType {
  return Object.assign(new ApplicationType(), {
    id: toGlobalId(APPLICATION_TYPE, v.id),
    localId: v.id,
    applicantId: v.applicantId,
    status: effectiveStatus(v, now),
    product: v.product,
    purpose: v.purpose,
    requestedAmount: money(v.requestedAmount),
    termMonths: v.termMonths,
    reviewNote: v.reviewNote,
    createdAt: new Date(v.createdAt),
    updatedAt: new Date(v.updatedAt),
    decision: v.decision ? decisionType(v.decision) : null,
  });
}

export const ApplicationConnection = ConnectionType(ApplicationType, 'Application');

@ObjectType({
  description: 'Result of a change to an application: the application as it now stands, or user errors.',
})
export class ApplicationPayload {
  @Field(() => ApplicationType, { nullable: true })
  application?: ApplicationType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'The decision an input would get. Nothing is stored.' })
export class DecisionSimulation {
  @Field(() => DecisionOutcome, { nullable: true })
  outcome?: string | null;

  @Field(() => Int, { nullable: true })
  score?: number | null;

  @Field(() => RiskGrade, { nullable: true })
  grade?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  apr?: number | null;

  @Field(() => Money, { nullable: true })
  approvedAmount?: Money | null;

  @Field(() => [DecisionReason], { nullable: true })
  reasons?: DecisionReason[] | null;

  @Field(() => [ScorecardTraceEntry], { nullable: true })
  trace?: ScorecardTraceEntry[] | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

export const simulationType = (d: Decision): Omit<DecisionSimulation, 'userErrors'> => ({
  outcome: d.outcome,
  score: d.score,
  grade: d.grade,
  apr: rate(d.aprBp),
  approvedAmount: d.approvedAmount === null ? null : money(d.approvedAmount),
  reasons: d.reasons,
  trace: d.trace,
});

@ObjectType({ description: 'A change to an application, with the cursor to resume from.' })
export class ApplicationEvent {
  @Field(() => String)
  cursor!: string;

  @Field(() => ApplicationType)
  application!: ApplicationType;
}
