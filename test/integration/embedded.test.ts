import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createServer, type AppServer } from '../../src/server/create-server';
import {
  MeDocument,
  NotificationReceivedDocument,
  SignInDocument,
  SignUpDocument,
} from '../generated/contract';
import { subscribe } from '../support/live';
import { alive, holdEmbedded, postmasterPid, stopPostmaster } from '../support/process';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

/**
 * The zero-configuration mode of `npm start`: no DATABASE_URL and no REDIS_URL, so the
 * server runs its own PostgreSQL (data in DATA_DIR/pg) and in-process pub/sub.
 */
const boot = (dataDir: string) =>
  createServer(
    loadConfig({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    }),
  );

async function gql<T, V>(
  app: AppServer,
  doc: TypedDocumentNode<T, V>,
  variables: V,
  token?: string,
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${app.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe('embedded mode (no DATABASE_URL, no REDIS_URL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'credit-embedded-'));

  it('serves sign-up, sign-in and live notifications, and keeps its data across restarts', async () => {
    let app = await boot(dataDir);
    let token: string;
    try {
      const up = await gql(app, SignUpDocument, {
        input: { email: 'emb@example.com', password: 'correct horse', name: 'Em' },
      });
      token = up.signUp.accessToken!;
      const client = createClient({
        url: `ws://127.0.0.1:${app.port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      const sub = subscribe(client, NotificationReceivedDocument, { since: '0' });
      expect((await sub.next(10_000)).data!.notificationReceived.notification.kind).toBe('WELCOME');
      sub.dispose();
      await client.dispose();
    } finally {
      await app.close();
    }

    app = await boot(dataDir); // same folder: the account is still there, tokens still valid
    try {
      const me = await gql(app, MeDocument, {}, token);
      expect(me.me!.email).toBe('emb@example.com');
      const signIn = await gql(app, SignInDocument, {
        input: { email: 'emb@example.com', password: 'correct horse' },
      });
      expect(signIn.signIn.userErrors).toEqual([]);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('recovers from a killed run that left its PostgreSQL behind', async () => {
    // A run killed with kill -9: its postmaster (in its own process group) keeps running.
    const run = await holdEmbedded(dataDir, 'server');
    const orphan = postmasterPid(dataDir)!;
    await run.kill();
    expect(alive(orphan)).toBe(true);
    const app = await boot(dataDir);
    try {
      expect(alive(orphan)).toBe(false);
      const signIn = await gql(app, SignInDocument, {
        input: { email: 'emb@example.com', password: 'correct horse' },
      });
      expect(signIn.signIn.userErrors).toEqual([]);
    } finally {
      await app.close();
      stopPostmaster(dataDir);
    }
  }, 120_000);
});
