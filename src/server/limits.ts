import { createHash } from 'node:crypto';
import { GraphQLError, Lexer, Source, TokenKind, type ValidationContext, type ValidationRule } from 'graphql';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { Config } from '../config';

/**
 * Abuse limits (SPEC section 11), the same for HTTP and WebSocket operations: token count
 * before parsing, then depth, aliases, directives and cost as validation rules, so an
 * abusive document is refused before anything executes.
 */
export interface QueryLimits {
  rules: ValidationRule[];
  /** Null when the document is within the token limit, else the error to answer with. */
  checkTokens(query: string): GraphQLError | null;
  /** Size of the memo of documents already counted (for tests and metrics). */
  tokenCacheStats(): { entries: number; bytes: number };
}

/**
 * The memo of documents already counted holds digests, never the documents: anyone may
 * send documents up to the body limit without signing in, and thousands of full texts
 * would be hundreds of megabytes. One entry costs about this much (a 44-character key in
 * a Set, with its hash-table slot); the memo keeps the most recently used entries within
 * `TOKEN_CACHE_BYTES`.
 */
const TOKEN_CACHE_ENTRY_BYTES = 128;
export const TOKEN_CACHE_BYTES = 1024 * 1024;

export function createQueryLimits(limits: Config['limits']): QueryLimits {
  // Report through the validation context (graphql-armor throws by default, which would
  // abort validation with an unexpected error instead of a validation failure).
  const report = {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(err)],
  };
  const rules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...report }),
    // __typename is not exempt: a flood of it costs as much to parse and answer as any field.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], ...report }),
    maxDirectivesRule({ n: limits.maxDirectives, ...report }),
    costLimitRule({ maxCost: limits.maxCost, ignoreIntrospection: true, ...report }),
  ] as ValidationRule[];

  // Digests of documents already counted, oldest first, so hot operations are lexed once.
  const known = new Set<string>();
  const maxEntries = Math.floor(TOKEN_CACHE_BYTES / TOKEN_CACHE_ENTRY_BYTES);
  const checkTokens = (query: string): GraphQLError | null => {
    const key = createHash('sha256').update(query).digest('base64');
    if (known.delete(key)) {
      known.add(key); // most recently used last
      return null;
    }
    const lexer = new Lexer(new Source(query));
    let count = 0;
    try {
      for (let t = lexer.advance(); t.kind !== TokenKind.EOF; t = lexer.advance()) {
        if (++count > limits.maxTokens) {
          return new GraphQLError(`Syntax Error: Token limit of ${limits.maxTokens} exceeded.`, {
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          });
        }
      }
    } catch {
      return null; // a syntax error: the parser reports it properly
    }
    known.add(key);
    if (known.size > maxEntries) known.delete(known.values().next().value!);
    return null;
  };
  const tokenCacheStats = () => ({ entries: known.size, bytes: known.size * TOKEN_CACHE_ENTRY_BYTES });
  return { rules, checkTokens, tokenCacheStats };
}
