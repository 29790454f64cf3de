import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

/** Error codes that are safe and meaningful for clients; everything else is masked. */
const CLIENT_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  // A subscription's `since` is older than the events the server keeps: reload, resubscribe.
  'CURSOR_EXPIRED',
]);

export const INTERNAL_MESSAGE = 'Something went wrong on our side. It has been logged; please try again.';

/** True when the error is one we raised on purpose for the client to see. */
export function isClientError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (!(original instanceof GraphQLError)) return false;
  const code = original.extensions?.code;
  // Errors graphql-js raises itself (validation, coercion) have no code but no internals either.
  if (code === undefined) return !original.originalError;
  return typeof code === 'string' && CLIENT_CODES.has(code);
}

/**
 * Central masking (SPEC section 1): known errors pass, everything else becomes a generic
 * INTERNAL_SERVER_ERROR with no message, stack, SQL or path details from the server. The
 * original is logged by the logging plugin with the request id.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  hideSuggestions: boolean,
): GraphQLFormattedError {
  if (isClientError(error)) {
    const { extensions, ...rest } = formatted;
    const {
      stacktrace: _s,
      exception: _e,
      http: _h,
      ...safe
    } = (extensions ?? {}) as Record<string, unknown>;
    const message = hideSuggestions ? rest.message.replace(/ ?Did you mean .*\?$/, '') : rest.message;
    return { ...rest, message, extensions: safe };
  }
  return {
    message: INTERNAL_MESSAGE,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}
