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
  /** The checkout's hour is over: it can no longer be confirmed. */
  CHECKOUT_EXPIRED = 'CHECKOUT_EXPIRED',
  /** The credit line's available credit does not cover the amount. */
  INSUFFICIENT_CREDIT = 'INSUFFICIENT_CREDIT',
  /** Not enough cash (an investor's balance). */
  INSUFFICIENT_FUNDS = 'INSUFFICIENT_FUNDS',
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

/**
 * Why a whole request is refused. Not an expected outcome of a mutation (those are
 * `UserErrorCode`s in its payload): the request as asked cannot be answered at all.
 */
export type RefusalCode =
  /** No signed-in viewer where one is needed. */
  | 'UNAUTHENTICATED'
  /** Signed in, but not allowed to see or do this. */
  | 'FORBIDDEN'
  /** A request argument that is not one of ours (a cursor we did not hand out): the client's mistake. */
  | 'BAD_USER_INPUT'
  /** A subscription's `since` is older than the events the server keeps: reload, then resubscribe. */
  | 'CURSOR_EXPIRED';

/**
 * A refusal of the whole request. Services and subscriptions throw it; what clients see of
 * each code (GraphQL error code, HTTP status) is decided in one place, `src/server/errors.ts`.
 */
export class RequestRefused extends Error {
  override readonly name = 'RequestRefused';
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

export const unauthenticated = (): RequestRefused =>
  new RequestRefused('UNAUTHENTICATED', 'You must be signed in.');

export const forbidden = (): RequestRefused =>
  new RequestRefused('FORBIDDEN', 'You are not allowed to do this.');

/** A request argument that is not one of ours (a cursor we did not hand out): the client's mistake. */
export const badInput = (message: string): RequestRefused => new RequestRefused('BAD_USER_INPUT', message);
