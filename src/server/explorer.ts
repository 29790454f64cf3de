import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';

/**
 * GraphiQL, served from the server's own copies of its files (no CDN: the explorer works
 * offline and behind strict networks). Queries go over HTTP, subscriptions over the
 * WebSocket on the same URL; the headers editor's Authorization is sent in
 * `connection_init` too.
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

export function explorerHtml(): string {
  const a = (name: string) => `${EXPLORER_ASSETS_PATH}/${name}`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Credit platform · GraphQL explorer</title>
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

const BOOT = `(() => {
  const url = location.origin + '/graphql';
  const wsUrl = url.replace(/^http/, 'ws');
  const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl: wsUrl });
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
    defaultHeaders: '{\\n  "Authorization": "Bearer <access token from signIn>"\\n}',
    defaultQuery: '# Sign in with the signIn mutation, put the access token in Headers, then try:\\nquery Me {\\n  me { id email roles }\\n}\\n',
  }));
})();`;

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
  if (name === 'explorer.js') return { body: BOOT, contentType: TYPES.js!, maxAgeSeconds: 3600 };
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
