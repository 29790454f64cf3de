import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { forbidden } from '../lib/errors';
import type { RequestContext } from './context';
import { isClientError, refusalStatus, toGraphQLError } from './errors';
import type { Metrics } from './metrics';

/** Latency histogram per operation, error counts, and a log line (with request id) for every unexpected error. */
export function observabilityPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          for (const err of errors) {
            const code = String(toGraphQLError(err).extensions.code ?? 'NONE');
            metrics.errors.inc({ code: isClientError(err) ? code : 'INTERNAL_SERVER_ERROR' });
            if (!isClientError(err)) {
              contextValue.log.error(
                { err: unwrapResolverError(err), path: err.path, operationName },
                'unexpected error',
              );
            }
          }
        },
        async willSendResponse(rc: GraphQLRequestContext<RequestContext>) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requestDuration.observe(
            {
              operation: metrics.operationLabel(rc.operationName),
              type: rc.operation?.operation ?? 'unknown',
              transport: 'http',
            },
            seconds,
          );
        },
      };
    },
  };
}

const PRE_EXECUTION = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * The HTTP statuses Apollo does not take from the errors themselves:
 *
 * - A refusal (401, 403) has its status from the one mapping in ./errors. Apollo reads a
 *   status only from `extensions.http` of the errors it formats, and a refusal thrown in a
 *   resolver reaches it wrapped by graphql-js with no extensions. Of several, the last
 *   one's status wins, as it does among Apollo's own.
 * - GraphQL over HTTP: a client that accepts only `application/json` (a legacy client) gets
 *   status 200 for parse, validation and variable-coercion failures, with the errors in the
 *   body; clients accepting `application/graphql-response+json` keep the 4xx statuses.
 */
export function httpStatusPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response, errors: raised }) {
          for (const err of raised ?? []) {
            const status = refusalStatus(err);
            if (status !== undefined) response.http.status = status;
          }
          const accept = request.http?.headers.get('accept') ?? '';
          if (accept.includes('application/graphql-response+json')) return;
          if (response.http.status !== 400 || response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors ?? [];
          if (errors.length && errors.every((e) => PRE_EXECUTION.has(String(e.extensions?.code)))) {
            response.http.status = 200;
          }
        },
      };
    },
  };
}

/**
 * What a merchant's API key may do (SPEC section 2: its merchant's own operations only):
 * checkouts, refunds, settlements, webhooks and the merchant's profile. Anything else in an
 * operation sent with a key (a shopper's operations, `me`, minting keys) is FORBIDDEN before
 * anything runs.
 */
export const API_KEY_OPERATIONS: ReadonlySet<string> = new Set([
  '__typename',
  'merchant',
  'createCheckout',
  'checkout',
  'checkouts',
  'refundCheckout',
  'merchantSettlements',
  'registerWebhook',
  'removeWebhook',
  'webhooks',
]);

function rootFields(
  selections: readonly SelectionNode[],
  doc: DocumentNode,
  seen = new Set<string>(),
): string[] {
  return selections.flatMap((s) => {
    if (s.kind === Kind.FIELD) return [s.name.value];
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFields(s.selectionSet.selections, doc, seen);
    if (seen.has(s.name.value)) return [];
    seen.add(s.name.value);
    const fragment = doc.definitions.find(
      (d): d is FragmentDefinitionNode =>
        d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
    );
    return fragment ? rootFields(fragment.selectionSet.selections, doc, seen) : [];
  });
}

export function apiKeyScopePlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          if (!contextValue.viewer?.apiKeyId || !operation) return;
          const fields = rootFields(operation.selectionSet.selections, document);
          if (fields.some((f) => !API_KEY_OPERATIONS.has(f)))
            throw toGraphQLError(new GraphQLError('', { originalError: forbidden() }));
        },
      };
    },
  };
}
