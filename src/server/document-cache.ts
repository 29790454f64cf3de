import { createHash } from 'node:crypto';
import {
  parse,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';

/** Validated documents kept per instance, and the longest text worth keeping (the contract's are far shorter). */
const DOCUMENT_CACHE_ENTRIES = 256;
const DOCUMENT_CACHE_MAX_QUERY = 8 * 1024;

/**
 * Parsed and validated documents by digest of their text, least recently used dropped
 * first: anyone may open a socket, so neither the texts nor large documents are kept.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
  ) {}

  /**
   * The document of a query and its identity (the digest of its text: the same text has the
   * same key, cached or not), or the errors that parsing or validation found.
   */
  get(query: string): { document: DocumentNode; key: string } | { errors: readonly GraphQLError[] } {
    const key = createHash('sha256').update(query).digest('base64');
    let document = this.documents.get(key);
    if (document) {
      this.documents.delete(key);
      this.documents.set(key, document); // most recently used last
      return { document, key };
    }
    try {
      document = parse(query);
    } catch (err) {
      return { errors: [err as GraphQLError] };
    }
    const errors = validate(this.schema, document, this.rules);
    if (errors.length) return { errors };
    if (query.length <= DOCUMENT_CACHE_MAX_QUERY) {
      this.documents.set(key, document);
      if (this.documents.size > DOCUMENT_CACHE_ENTRIES)
        this.documents.delete(this.documents.keys().next().value!);
    }
    return { document, key };
  }
}
