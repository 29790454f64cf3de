import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { RequestRefused, type RefusalCode } from '../lib/errors';

/**
 * What clients see of each refusal, one entry per code (a code without one does not
 * compile): its code as `extensions.code`, its message, and the HTTP status of a response
 * carrying it (none: 200, as for any error met while executing).
 */
const REFUSALS: Record<RefusalCode, { status?: number }> = {
  UNAUTHENTICATED: { status: 401 },
  FORBIDDEN: { status: 403 },
  BAD_USER_INPUT: {},
  CURSOR_EXPIRED: {},
};

/**
 * Codes of the GraphQLErrors that are safe and meaningful for clients, as raised by
 * graphql-js, Apollo, type-graphql, the scalars and this server (an invalid token); refusals
 * are client errors by their class. Everything else is masked.
 */
const CLIENT_CODES = new Set([
  'UNAUTHENTICATED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export const INTERNAL_MESSAGE = 'Something went wrong on our side. It has been logged; please try again.';

/**
 * The refusal behind an error, through the GraphQLErrors graphql-js (with the field's path),
 * Apollo and graphql-ws (a subscription failing mid-stream, without one) wrap it in.
 */
function refusalOf(error: unknown): RequestRefused | null {
  let e = error;
  while (e instanceof GraphQLError && e.originalError) e = e.originalError;
  return e instanceof RequestRefused ? e : null;
}

/**
 * The error as clients see it: a refusal, wherever it was thrown and however it was
 * wrapped, becomes a GraphQLError with its message, its code and the HTTP status of its
 * kind, at the same place in the document; any other error is returned as it is.
 */
export function toGraphQLError(error: GraphQLError): GraphQLError {
  const refusal = refusalOf(error);
  if (!refusal) return error;
  const { status } = REFUSALS[refusal.code];
  return new GraphQLError(refusal.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: refusal,
    extensions: { code: refusal.code, ...(status === undefined ? {} : { http: { status } }) },
  });
}

/** The HTTP status a refusal gives its response, if any (Apollo takes the others' from `extensions.http`). */
export function refusalStatus(error: GraphQLError): number | undefined {
  const refusal = refusalOf(error);
  return refusal ? REFUSALS[refusal.code].status : undefined;
}

/** True when the error is one we raised on purpose for the client to see. */
export function isClientError(error: unknown): boolean {
  if (refusalOf(error)) return true;
  const original = unwrapResolverError(error);
  if (!(original instanceof GraphQLError)) return false;
  const code = original.extensions?.code;
  // Errors graphql-js raises itself (validation, coercion) have no code but no internals either.
  if (code === undefined) return !original.originalError;
  return typeof code === 'string' && CLIENT_CODES.has(code);
}

/**
 * Central masking (SPEC section 1), for HTTP (Apollo's formatError) and WebSocket alike:
 * refusals and other known errors pass, everything else becomes a generic
 * INTERNAL_SERVER_ERROR with no message, stack, SQL or path details from the server. The
 * original is logged by the logging plugin with the request id.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  error: unknown,
  hideSuggestions: boolean,
): GraphQLFormattedError {
  if (error instanceof GraphQLError && refusalOf(error)) {
    // Apollo formatted the wrapper, which knows no code (INTERNAL_SERVER_ERROR by default).
    formatted = toGraphQLError(error).toJSON();
  }
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
