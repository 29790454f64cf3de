import { print, type DocumentNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Client, ExecutionResult } from 'graphql-ws';

/** Polls a condition until it holds, for at most `ms` (never a fixed sleep). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  ms = 5000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Subscription<T> {
  /** Every result received so far. */
  results: ExecutionResult<T>[];
  /** The next result not yet taken, within `ms`. */
  next(ms?: number): Promise<ExecutionResult<T>>;
  /** Resolves when the server ends the subscription with an error (or completes it). */
  ended: Promise<{ error?: unknown }>;
  dispose(): void;
}

export function subscribe<T, V>(
  client: Client,
  doc: TypedDocumentNode<T, V> | DocumentNode,
  variables?: V,
): Subscription<T> {
  const results: ExecutionResult<T>[] = [];
  let taken = 0;
  const waiters: (() => void)[] = [];
  let endResolve!: (v: { error?: unknown }) => void;
  const ended = new Promise<{ error?: unknown }>((r) => (endResolve = r));
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const dispose = client.subscribe<T>(
    { query: print(doc), variables: variables as Record<string, unknown> | undefined },
    {
      next: (v) => {
        results.push(v as ExecutionResult<T>);
        wake();
      },
      error: (error) => {
        endResolve({ error });
        wake();
      },
      complete: () => {
        endResolve({});
        wake();
      },
    },
  );
  return {
    results,
    ended,
    dispose,
    async next(ms = 5000) {
      const end = Date.now() + ms;
      while (results.length <= taken) {
        const left = end - Date.now();
        if (left <= 0) throw new Error(`no subscription event within ${ms} ms (got ${results.length})`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
      return results[taken++]!;
    },
  };
}

/**
 * Waits until every committed event has been relayed. A subscription without `since`
 * starts from the newest relayed event, so tests that want "only what comes next" settle first.
 */
export async function settled(s: {
  app: { orm: { em: { getConnection(): { execute(sql: string): Promise<unknown> } } } };
}): Promise<void> {
  await waitFor(
    async () => {
      const rows = (await s.app.orm.em.getConnection().execute(
        `select count(*)::int as n from outbox_event where cursor is null
             or cursor > (select published_through from outbox_relay_state where id = 1)`,
      )) as {
        n: number;
      }[];
      return rows[0]!.n === 0;
    },
    10_000,
    'the outbox to drain',
  );
}

interface LiveServer {
  app: {
    services: { live: { openStreams: number } };
    orm: { em: { getConnection(): { execute(sql: string): Promise<unknown> } } };
  };
  ws(token?: string | null): Client;
}

/**
 * Subscribes and resolves once the server is listening for it, so an event caused right
 * after cannot be missed. Without `since`, waits for the outbox to drain first, so earlier
 * events do not arrive as live ones.
 */
export async function listen<T, V extends { since?: string | null }>(
  s: LiveServer,
  token: string | null,
  doc: TypedDocumentNode<T, V>,
  variables: V,
): Promise<Subscription<T>> {
  if (variables.since == null) await settled(s);
  const before = s.app.services.live.openStreams;
  const sub = subscribe(s.ws(token), doc, variables);
  await Promise.race([
    waitFor(() => s.app.services.live.openStreams > before, 5000, 'the subscription to be listening'),
    sub.ended.then((e) => {
      throw new Error(`subscription ended before listening: ${JSON.stringify(e)}`);
    }),
  ]);
  return sub;
}
