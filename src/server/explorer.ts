import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { bootScript } from './explorer/boot';
import { EXPLORER_TABS } from './explorer/examples';

/**
 * GraphiQL, served from the server's own copies of its files (no CDN: the explorer works
 * offline and behind strict networks). Queries go over HTTP, subscriptions over the
 * WebSocket on the same URL; the headers editor's Authorization is sent in
 * `connection_init` too. It opens on example tabs (explorer/examples.ts) that run in order
 * on a fresh server, and puts the token of a sign-in into the headers (explorer/boot.ts).
 */
const graphiqlDir = dirname(require.resolve('graphiql/package.json'));
const reactDir = join(dirname(require.resolve('react/package.json')), 'umd');
const reactDomDir = join(dirname(require.resolve('react-dom/package.json')), 'umd');

const ASSETS: Record<string, string> = {
  'react.js': join(reactDir, 'react.production.min.js'),
  'react-dom.js': join(reactDomDir, 'react-dom.production.min.js'),
  'graphiql.js': join(graphiqlDir, 'graphiql.min.js'),
  'graphiql.css': join(graphiqlDir, 'graphiql.min.css'),
};

export const EXPLORER_ASSETS_PATH = '/graphql-explorer';

/** A credit card: browsers ask for /favicon.ico on every page, and log a 404 otherwise. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect x="2" y="6" width="28" height="20" rx="3" fill="#e10098"/>
<rect x="2" y="11" width="28" height="4" fill="#1b2240"/>
<rect x="6" y="19" width="9" height="3" rx="1" fill="#fff"/>
</svg>
`;

export function explorerHtml(): string {
  const a = (name: string) => `${EXPLORER_ASSETS_PATH}/${name}`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Credit platform · GraphQL explorer</title>
  <link rel="icon" type="image/svg+xml" href="/favicon.ico" />
  <link rel="stylesheet" href="${a('graphiql.css')}" />
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading the explorer…</div>
  <script src="${a('react.js')}"></script>
  <script src="${a('react-dom.js')}"></script>
  <script src="${a('graphiql.js')}"></script>
  <script src="${a('explorer.js')}"></script>
</body>
</html>`;
}

// Saved tabs are kept per version of the examples: a returning browser gets the current ones.
const examplesVersion = createHash('sha256').update(JSON.stringify(EXPLORER_TABS)).digest('hex').slice(0, 12);
const BOOT = bootScript(EXPLORER_TABS, `credit-explorer-${examplesVersion}`);

/** An explorer file: its body, content type and how long browsers may keep it. */
export interface ExplorerAsset {
  body: string | Buffer;
  contentType: string;
  maxAgeSeconds: number;
}

const TYPES: Record<string, string> = {
  js: 'application/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The explorer's files by name (read once, on first request), or undefined for any other name. */
export function explorerAsset(name: string): ExplorerAsset | undefined {
  // The boot script changes with the examples: revalidated on each visit (it is small).
  if (name === 'explorer.js') return { body: BOOT, contentType: TYPES.js!, maxAgeSeconds: 0 };
  const file = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!file) return undefined;
  let body = loaded.get(name);
  if (!body) {
    body = readFileSync(file);
    loaded.set(name, body);
  }
  return { body, contentType: TYPES[name.split('.').pop()!]!, maxAgeSeconds: 86400 };
}

const loaded = new Map<string, Buffer>();

/**
 * The explorer's routes besides /graphql itself (which serves the page to browsers): its
 * files, the favicon, and `/` sending a browser to the explorer (302, not 308: a
 * convenience that may change, so browsers must not remember it).
 */
export function mountExplorer(app: FastifyInstance): void {
  app.get('/', async (_req, reply) => reply.redirect('/graphql', 302));
  app.get('/favicon.ico', async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON),
  );
  app.get<{ Params: { name: string } }>(`${EXPLORER_ASSETS_PATH}/:name`, async (req, reply) => {
    const asset = explorerAsset(req.params.name);
    if (!asset) return reply.callNotFound();
    return reply
      .type(asset.contentType)
      .header('cache-control', `public, max-age=${asset.maxAgeSeconds}`)
      .send(asset.body);
  });
}
