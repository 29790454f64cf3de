import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { MeDocument } from '../generated/contract';
import { createTestDatabase } from '../support/databases';
import { signUp } from '../support/fixtures';
import { srcEntry, stoppedAccepting } from '../support/process';
import { SECRETS, ok, startTestServer } from '../support/server';

describe('graceful shutdown', () => {
  it('finishes a request in flight, closes sockets with 1001, then refuses new connections', async () => {
    const s = await startTestServer();
    const u = await signUp(s);
    const users = s.app.services.users;
    const realMe = users.me.bind(users);
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    users.me = async (ctx) => {
      entered();
      await released; // held in flight until the shutdown is under way
      return realMe(ctx);
    };

    const socket = new WebSocket(s.wsUrl, 'graphql-transport-ws');
    await new Promise((r) => socket.once('open', r));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await new Promise((r) => socket.once('message', r)); // connection_ack
    const socketClosed = new Promise<number>((r) => socket.once('close', (code) => r(code)));

    const inFlight = s.gql(MeDocument, {}, { token: u.accessToken });
    await inside;
    const closing = s.close();
    await stoppedAccepting(s);
    release();
    const res = await inFlight;
    expect(ok(res).me!.email).toBe(u.email);
    expect(await socketClosed).toBe(1001);
    await closing;
    await expect(fetch(s.url.replace('/graphql', '/healthz'))).rejects.toThrow();
  });

  it('the process exits 0 on SIGTERM', async () => {
    const db = await createTestDatabase();
    const child = spawn(process.execPath, srcEntry('src/index.ts'), {
      cwd: join(__dirname, '..', '..'),
      env: {
        ...process.env,
        ...SECRETS,
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'credit-sigterm-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no 'server ready' line: ${out}`)), 30_000);
        child.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const line = out.split('\n').find((l) => l.includes('"server ready"'));
          if (line) {
            clearTimeout(timer);
            resolve((JSON.parse(line) as { url: string }).url);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      const health = await fetch(url.replace('/graphql', '/healthz'));
      expect(health.status).toBe(200);
      const started = Date.now();
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      child.kill('SIGKILL');
      await db.drop();
    }
  }, 60_000);
});
