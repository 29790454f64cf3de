/**
 * The bare baseline's schema (bare-apollo-pg.ts: `{ hello }` and the 4-row `benchSubmit`)
 * with the same Apollo options, served by plain `node:http` calling
 * `apollo.executeHTTPGraphQLRequest` directly: no Express, no body-parser. Transport (b) of
 * bench/transport.ts (issue 10).
 *
 * What it does itself, as the Express stack does for the product: a 100 kB body limit (413,
 * from Content-Length before reading, or while reading a chunked body), JSON bodies only
 * when the media type is application/json (anything else reaches Apollo without a body, and
 * its CSRF prevention refuses it), an `x-request-id` (random UUID) on every response, the
 * request's HeaderMap and query string for Apollo, and both kinds of Apollo response body:
 * `complete` (one string) and `chunked` (incremental delivery, written as it comes, with
 * back-pressure). 404 outside /graphql. Graceful stop through Apollo's drain plugin.
 *
 * Library: startBareHttpServer({ databaseUrl }). As a process (bench/lib/servers.ts protocol):
 *   BENCH_DATABASE_URL=postgres://... node -r @swc-node/register bench/baseline/bare-http.ts
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { RunningServer } from '../lib/servers';
import {
  BARE_BODY_LIMIT,
  bareResolvers,
  createBareApollo,
  listenBare,
  serveBareAsChild,
} from './bare-apollo-pg';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

/** The JSON body of an application/json request (undefined for any other media type), at most `limit` bytes. */
async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  const mediaType = type?.split(';', 1)[0]!.trim().toLowerCase();
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new HttpError(413, `Request body too large (limit ${limit} bytes).`, 'PAYLOAD_TOO_LARGE');
  }
  if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') {
    throw new HttpError(415, 'Compressed request bodies are not accepted.', 'UNSUPPORTED_MEDIA_TYPE');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      // Stop collecting but keep reading (and dropping) the rest, so the 413 reaches the client.
      req.off('data', onData);
      req.resume();
      reject(new HttpError(413, `Request body too large (limit ${limit} bytes).`, 'PAYLOAD_TOO_LARGE'));
    };
    req.on('data', onData);
    req.once('end', resolve);
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new HttpError(400, 'The request was aborted.'));
    });
  });
  if (mediaType !== 'application/json' || size === 0) return undefined;
  const text =
    chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function sendError(res: ServerResponse, e: HttpError): void {
  res.statusCode = e.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  // A body left unread (too large) is not drained: the connection closes after this response.
  if (e.status === 413) res.setHeader('connection', 'close');
  res.end(JSON.stringify({ errors: [{ message: e.message, extensions: { code: e.code } }] }));
}

/** Writes an Apollo HTTP response: a `complete` body whole, a `chunked` one part by part (back-pressure honoured). */
export async function writeApolloResponse(res: ServerResponse, r: HTTPGraphQLResponse): Promise<void> {
  for (const [key, value] of r.headers) res.setHeader(key, value);
  res.statusCode = r.status ?? 200;
  if (r.body.kind === 'complete') {
    // Headers still unsent: Node adds Content-Length for a body given whole to end().
    res.end(r.body.string);
    return;
  }
  // Incremental delivery (@defer/@stream): chunked transfer encoding, each part as it comes.
  res.flushHeaders();
  for await (const chunk of r.body.asyncIterator) {
    if (!res.write(chunk)) await once(res, 'drain');
  }
  res.end();
}

/** The request listener: /graphql to Apollo, 404 elsewhere. */
export function apolloRequestListener(apollo: ApolloServer, o: { bodyLimit: number }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('x-request-id', randomUUID());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== '/graphql' && path !== '/graphql/') {
      sendError(res, new HttpError(404, `Cannot ${req.method} ${path}`, 'NOT_FOUND'));
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const handle = async () => {
      const body = method === 'POST' ? await readJsonBody(req, o.bodyLimit) : undefined;
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers: headerMap(req), search: q < 0 ? '' : url.slice(q), body },
        context: () => Promise.resolve({}),
      });
      await writeApolloResponse(res, response);
    };
    handle().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy(err instanceof Error ? err : undefined);
        return;
      }
      sendError(
        res,
        err instanceof HttpError ? err : new HttpError(500, 'Internal server error', 'INTERNAL'),
      );
    });
  };
}

export async function startBareHttpServer(o: {
  databaseUrl: string;
  host?: string;
  port?: number;
  poolMax?: number;
}): Promise<RunningServer & { port: number }> {
  const { pool, resolvers } = await bareResolvers(o);
  const httpServer = createServer();
  const apollo = createBareApollo(resolvers, ApolloServerPluginDrainHttpServer({ httpServer }));
  await apollo.start();
  httpServer.on('request', apolloRequestListener(apollo, { bodyLimit: BARE_BODY_LIMIT }));

  return listenBare(httpServer, o, async () => {
    await apollo.stop();
    await pool.end();
  });
}

if (require.main === module) serveBareAsChild(startBareHttpServer);
