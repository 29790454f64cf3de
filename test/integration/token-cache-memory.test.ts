import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Issue 8, item 14: the token-count memo of the query limits is reachable without signing
 * in. Distinct documents near the body limit must not pile up in the server's memory.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** A document of about `bytes` that lexes to a few tokens (the filler is a comment). */
const bigDocument = (bytes: number) => `# ${randomBytes(bytes / 2).toString('hex')}\n{ notAField }`;

it('600 distinct 40 KB documents sent without signing in leave no more than a few MB behind', async () => {
  const send = (query: string) =>
    fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { errors: { message: string }[] } }));

  // Warm up every code path first, so what is measured is what the documents leave behind.
  for (let i = 0; i < 50; i++) await send(bigDocument(40_000));
  const before = heapAfterGc();
  const total = 600;
  let next = 0;
  const statuses = new Set<number>();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        next++;
        statuses.add((await send(bigDocument(40_000))).status);
      }
    }),
  );
  const grown = heapAfterGc() - before;
  // Each document was read and answered (a validation error, so Apollo's own bounded
  // document cache keeps none of them); 600 × 40 KB is 24 MB if the texts were kept.
  expect([...statuses]).toEqual([400]);
  expect(grown).toBeLessThan(8 * 1024 * 1024);

  // The memo still works: a document over the token limit is refused, every time.
  const flood = `{ ${'__typename '.repeat(2500)} }`;
  for (let i = 0; i < 2; i++) {
    const r = await send(flood);
    expect(r.body.errors[0]!.message).toBe('Syntax Error: Token limit of 2000 exceeded.');
  }
}, 60_000);
