import { GraphQLError } from 'graphql';

/**
 * Codes of expected, domain-level outcomes. They reach clients as `UserError.code` in a
 * mutation payload; they are never thrown to the GraphQL layer.
 */
export enum UserErrorCode {
  /** A field's value breaks a rule (range, length, format). */
  INVALID_INPUT = 'INVALID_INPUT',
  /** The object does not exist, or the caller may not see it (the same answer for both). */
  NOT_FOUND = 'NOT_FOUND',
  EMAIL_TAKEN = 'EMAIL_TAKEN',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  /** The refresh token is unknown, expired, revoked, or was already used. */
  INVALID_TOKEN = 'INVALID_TOKEN',
  RATE_LIMITED = 'RATE_LIMITED',
  /** The same idempotency key was sent earlier with a different input. */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  /** The object is not in a state that allows this action. */
  INVALID_STATE = 'INVALID_STATE',
  /** The offer's 30 days are over. */
  OFFER_EXPIRED = 'OFFER_EXPIRED',
  /** More than what is owed or left (payments, refunds). */
  AMOUNT_EXCEEDS_BALANCE = 'AMOUNT_EXCEEDS_BALANCE',
  /** Not enough reward points. */
  INSUFFICIENT_POINTS = 'INSUFFICIENT_POINTS',
  /** The action needs the sandbox, and this is production. */
  SANDBOX_ONLY = 'SANDBOX_ONLY',
}

export interface UserErrorData {
  field: string[] | null;
  message: string;
  code: UserErrorCode;
}

/**
 * An expected outcome that stops a mutation. Services throw it; the mutation boundary
 * turns it into `userErrors` of the payload, and the transaction it interrupted rolls back
 * so nothing changes.
 */
export class DomainError extends Error {
  readonly errors: UserErrorData[];
  constructor(code: UserErrorCode, message: string, field?: string[] | null);
  constructor(errors: UserErrorData[]);
  constructor(codeOrErrors: UserErrorCode | UserErrorData[], message?: string, field?: string[] | null) {
    const errors = Array.isArray(codeOrErrors)
      ? codeOrErrors
      : [{ code: codeOrErrors, message: message ?? codeOrErrors, field: field ?? null }];
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
  }
}

/** Collects field problems so a client sees all of them at once. */
export class FieldErrors {
  private readonly list: UserErrorData[] = [];
  add(field: string[], message: string, code: UserErrorCode = UserErrorCode.INVALID_INPUT): this {
    this.list.push({ field, message, code });
    return this;
  }
  get any(): boolean {
    return this.list.length > 0;
  }
  throwIfAny(): void {
    if (this.list.length) throw new DomainError(this.list);
  }
}

export const unauthenticated = (): GraphQLError =>
  new GraphQLError('You must be signed in.', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });

export const forbidden = (): GraphQLError =>
  new GraphQLError('You are not allowed to do this.', {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });

/** A request argument that is not one of ours (a cursor we did not hand out): the client's mistake. */
export const badInput = (message: string): GraphQLError =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
