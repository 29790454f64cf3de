import { AsyncResource } from 'node:async_hooks';
import { Agent, request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { createServer, type AppServer } from '../../src/server/create-server';
import { createTestDatabase } from './databases';

export interface GqlResponse<T> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestServer {
  url: string;
  wsUrl: string;
  app: AppServer;
  databaseUrl: string;
  /** Sends one GraphQL operation over HTTP. */
  gql<T = Record<string, unknown>, V = Record<string, unknown>>(
    doc: TypedDocumentNode<T, V> | DocumentNode | string,
    variables?: V,
    opts?: { token?: string | null; headers?: Record<string, string> },
  ): Promise<GqlResponse<T>>;
  /** A graphql-ws client on this server (closed with the server). */
  ws(token?: string | null, extra?: { connectionParams?: Record<string, unknown> }): Client;
  close(): Promise<void>;
}

export const SECRETS = {
  JWT_SECRET: 'a'.repeat(64),
  CARD_ENCRYPTION_KEY: 'b'.repeat(64),
  CVV_KEY: 'c'.repeat(64),
};

export const redisAvailable = (): boolean => !!process.env.TEST_REDIS_URL;

/**
 * Boots the real server (the same `createServer` as production) on port 0 against a
 * fresh database cloned from the migrated template, and Redis with a private key prefix
 * when Redis is reachable. Pass `database` to run a second instance on the same data.
 */
/**
 * Made while this module loads, before any test runs: outside jest-circus's test-execution
 * context (an AsyncLocalStorage whose store holds the running hook or test, hence the whole
 * file). What a server creates for the life of the process (prom-client's event-loop-delay
 * histogram and GC observer, which are never stopped) would otherwise keep that store, and
 * with it every test file's server, alive until the worker ends: ~25 MB a file.
 */
const testFree = new AsyncResource('credit-test-server');

/** Runs `work` in the context of this module's loading, with no test's store. */
export const outsideTheTest = <T>(work: () => Promise<T>): Promise<T> => testFree.runInAsyncScope(work);

export async function startTestServer(
  opts: {
    env?: Record<string, string>;
    database?: string;
    redisUrl?: string | null;
    redisPrefix?: string;
  } = {},
): Promise<TestServer & { redisPrefix: string }> {
  let drop: (() => Promise<void>) | null = null;
  let databaseUrl = opts.database;
  if (!databaseUrl) {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    drop = db.drop;
  }
  const redisUrl = opts.redisUrl !== undefined ? opts.redisUrl : process.env.TEST_REDIS_URL || null;
  const redisPrefix = opts.redisPrefix ?? `test:${randomBytes(6).toString('hex')}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    REDIS_PREFIX: redisPrefix,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'credit-test-data-')),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RELAY_POLL_MS: '200',
    DAILY_JOB_AUTORUN: 'false',
    ...SECRETS,
    ...opts.env,
  });
  const app = await outsideTheTest(() => createServer(config));
  const url = `http://127.0.0.1:${app.port}/graphql`;
  const wsUrl = url.replace(/^http/, 'ws');
  const clients: Client[] = [];

  const gql = gqlClient(url);

  const ws: TestServer['ws'] = (token, extra = {}) => {
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: extra.connectionParams ?? (token ? { authorization: `Bearer ${token}` } : {}),
    });
    clients.push(client);
    return client;
  };

  return {
    url,
    wsUrl,
    app,
    databaseUrl,
    redisPrefix,
    gql,
    ws,
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.close();
      await drop?.();
    },
  };
}

/** Each document's text, printed once (printing a contract document costs about 0.1 ms). */
const printed = new WeakMap<DocumentNode, string>();
const textOf = (doc: DocumentNode | string): string => {
  if (typeof doc === 'string') return doc;
  let text = printed.get(doc);
  if (text === undefined) printed.set(doc, (text = print(doc)));
  return text;
};

/**
 * Sends GraphQL operations over HTTP to `url` (a test server, or a server in another process),
 * on keep-alive connections of its own. `node:http` rather than `fetch`: measured here,
 * `fetch` costs about 0.5 to 0.9 ms more CPU per request, in the process that also runs the
 * server under test.
 */
export function gqlClient(url: string): TestServer['gql'] {
  const agent = new Agent({ keepAlive: true });
  return (doc, variables, o = {}) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ query: textOf(doc), variables });
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            accept: 'application/graphql-response+json',
            ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
            ...o.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
                headers.append(name, v);
              }
            }
            let parsed: { data?: unknown; errors?: GqlResponse<unknown>['errors'] };
            try {
              parsed = JSON.parse(text) as typeof parsed;
            } catch {
              reject(new Error(`non-JSON response ${res.statusCode}: ${text.slice(0, 300)}`));
              return;
            }
            resolve({ status: res.statusCode!, headers, data: parsed.data as never, errors: parsed.errors });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

/** Data of a response that must have succeeded; otherwise the test fails showing the errors. */
export function ok<T>(res: GqlResponse<T>): T {
  if (res.errors?.length || !res.data) {
    throw new Error(`GraphQL errors (${res.status}): ${JSON.stringify(res.errors)}`);
  }
  return res.data;
}
