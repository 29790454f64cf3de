import {
  validateApplicantInput,
  type ApplicantInput,
  type EmploymentStatus,
  type Product,
} from '../../domain/applications/scorecard';
import type { CreditApplication } from '../../entities';
import { FieldErrors } from '../../lib/errors';

/** Free text (purpose, review note) is kept short enough to show and to audit. */
export const MAX_TEXT = 500;

export interface AlternativeDataInput {
  onTimeRentMonths?: number | null;
  onTimeUtilityMonths?: number | null;
  bankAccountAgeMonths?: number | null;
  overdraftsLast90Days?: number | null;
}

export interface SubmitApplicationInput {
  product: Product;
  amount: number;
  termMonths?: number | null;
  purpose: string;
  dateOfBirth: string;
  monthlyIncome: number;
  monthlyDebt: number;
  employmentStatus: EmploymentStatus;
  creditScore?: number | null;
  alternativeData?: AlternativeDataInput | null;
  idempotencyKey?: string | null;
}

/** Fields left out (or null) keep their value; `creditScore: null` is not "remove the score". */
export interface UpdateApplicationInput {
  applicationId: string;
  amount?: number | null;
  termMonths?: number | null;
  purpose?: string | null;
  monthlyIncome?: number | null;
  monthlyDebt?: number | null;
  employmentStatus?: EmploymentStatus | null;
  creditScore?: number | null;
  alternativeData?: AlternativeDataInput | null;
}

export interface ReviewApplicationInput {
  applicationId: string;
  outcome: 'APPROVED' | 'DECLINED';
  note: string;
}

/** What the scorecard reads of an application, whether new, changed or stored. */
export type ApplicantData = Omit<SubmitApplicationInput, 'purpose' | 'idempotencyKey'>;

const ALTERNATIVE_FIELDS = new Set([
  'onTimeRentMonths',
  'onTimeUtilityMonths',
  'bankAccountAgeMonths',
  'overdraftsLast90Days',
]);

/** A domain issue's field as a path into the mutation input. */
const pathOf = (field: string): string[] =>
  ALTERNATIVE_FIELDS.has(field) ? ['input', 'alternativeData', field] : ['input', field];

/** The scorecard's input, decided on `decisionDate`; missing alternative data counts as none. */
export function applicantInput(i: ApplicantData, decisionDate: string): ApplicantInput {
  const alt = i.alternativeData ?? {};
  return {
    product: i.product,
    amount: i.amount,
    termMonths: i.termMonths ?? null,
    dateOfBirth: i.dateOfBirth,
    decisionDate,
    monthlyIncome: i.monthlyIncome,
    monthlyDebt: i.monthlyDebt,
    employmentStatus: i.employmentStatus,
    creditScore: i.creditScore ?? null,
    onTimeRentMonths: alt.onTimeRentMonths ?? 0,
    onTimeUtilityMonths: alt.onTimeUtilityMonths ?? 0,
    bankAccountAgeMonths: alt.bankAccountAgeMonths ?? 0,
    overdraftsLast90Days: alt.overdraftsLast90Days ?? 0,
  };
}

/** Every field problem at once, named by its path; nothing is stored when there is one. */
export function validateApplicant(input: ApplicantInput, purpose: string | undefined): void {
  const errors = new FieldErrors();
  for (const issue of validateApplicantInput(input)) errors.add(pathOf(issue.field), issue.message);
  if (purpose !== undefined) {
    if (!purpose.trim()) errors.add(['input', 'purpose'], 'Tell us what the money is for.');
    if (purpose.length > MAX_TEXT) errors.add(['input', 'purpose'], `Use at most ${MAX_TEXT} characters.`);
  }
  errors.throwIfAny();
}

/** The reviewer's note, trimmed; it is part of the record, so it must say something. */
export function validReviewNote(input: ReviewApplicationInput): string {
  const note = input.note.trim();
  const errors = new FieldErrors();
  if (!note) errors.add(['input', 'note'], 'Say why: the note is part of the record.');
  if (input.note.length > MAX_TEXT) errors.add(['input', 'note'], `Use at most ${MAX_TEXT} characters.`);
  errors.throwIfAny();
  return note;
}

/** A stored application as the scorecard's input data. */
export function storedApplicant(app: CreditApplication): ApplicantData {
  return {
    product: app.product as Product,
    amount: Number(app.amount),
    termMonths: app.termMonths,
    dateOfBirth: app.dateOfBirth,
    monthlyIncome: Number(app.monthlyIncome),
    monthlyDebt: Number(app.monthlyDebt),
    employmentStatus: app.employmentStatus as EmploymentStatus,
    creditScore: app.creditScore,
    alternativeData: app,
  };
}

/** A stored application with an update's fields laid over it; product and birth date never change. */
export function updatedApplicant(app: CreditApplication, input: UpdateApplicationInput): ApplicantData {
  const alt = input.alternativeData;
  return {
    product: app.product as Product,
    amount: input.amount ?? Number(app.amount),
    termMonths: input.termMonths ?? app.termMonths,
    dateOfBirth: app.dateOfBirth,
    monthlyIncome: input.monthlyIncome ?? Number(app.monthlyIncome),
    monthlyDebt: input.monthlyDebt ?? Number(app.monthlyDebt),
    employmentStatus: (input.employmentStatus ?? app.employmentStatus) as EmploymentStatus,
    creditScore: input.creditScore ?? app.creditScore,
    alternativeData: {
      onTimeRentMonths: alt?.onTimeRentMonths ?? app.onTimeRentMonths,
      onTimeUtilityMonths: alt?.onTimeUtilityMonths ?? app.onTimeUtilityMonths,
      bankAccountAgeMonths: alt?.bankAccountAgeMonths ?? app.bankAccountAgeMonths,
      overdraftsLast90Days: alt?.overdraftsLast90Days ?? app.overdraftsLast90Days,
    },
  };
}

/** The columns of an application that come from the scorecard's input (all but identity and status). */
export function applicantColumns(a: ApplicantInput) {
  return {
    amount: a.amount,
    termMonths: a.termMonths,
    monthlyIncome: a.monthlyIncome,
    monthlyDebt: a.monthlyDebt,
    employmentStatus: a.employmentStatus,
    creditScore: a.creditScore,
    onTimeRentMonths: a.onTimeRentMonths,
    onTimeUtilityMonths: a.onTimeUtilityMonths,
    bankAccountAgeMonths: a.bankAccountAgeMonths,
    overdraftsLast90Days: a.overdraftsLast90Days,
  };
}
