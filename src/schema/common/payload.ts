import type { MiddlewareFn } from 'type-graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { ValidationError } from 'class-validator';
import { DomainError, UserErrorCode, type UserErrorData } from '../../lib/errors';

function flatten(errors: ValidationError[], path: string[]): UserErrorData[] {
  return errors.flatMap((e) => {
    const here = [...path, e.property];
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field: here,
      message,
      code: UserErrorCode.INVALID_INPUT,
    }));
    return [...own, ...flatten(e.children ?? [], here)];
  });
}

/**
 * The boundary of every mutation: an expected outcome (a DomainError from a service, or a
 * failed input validation) becomes the payload's `userErrors`; anything else stays an error.
 */
export const PayloadErrors: MiddlewareFn = async (_data, next) => {
  try {
    const result = (await next()) as Record<string, unknown>;
    return { userErrors: [], ...result };
  } catch (err) {
    if (err instanceof DomainError) return { userErrors: err.errors };
    if (err instanceof ArgumentValidationError) {
      return { userErrors: flatten(err.extensions.validationErrors as ValidationError[], ['input']) };
    }
    throw err;
  }
};
