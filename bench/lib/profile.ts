import { readFileSync } from 'node:fs';

/**
 * Where a V8 CPU profile's time went, by layer of the request path: each sample's self
 * time is charged to the layer of the function it was in (its script's package, or the
 * product folder), so "graphql-js 12%" means 12% of the samples were inside graphql-js's
 * own code (and the built-ins it called directly), not in the packages it called.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Ordered: the first rule whose pattern matches the script URL names the layer. */
const LAYERS: [string, RegExp][] = [
  [
    'transport: express',
    /node_modules\/(express|router|body-parser|raw-body|finalhandler|send|serve-static|accepts|type-is|content-type|negotiator|on-finished|qs|iconv-lite|mime-types|depd|parseurl|path-to-regexp|@as-integrations\/express5)\//,
  ],
  [
    'transport: fastify',
    /node_modules\/(fastify|@fastify|find-my-way|light-my-request|avvio|@as-integrations\/fastify|fast-json-stringify|secure-json-parse)\//,
  ],
  ['apollo server', /node_modules\/@apollo\//],
  ['graphql-js', /node_modules\/graphql\//],
  ['type-graphql', /node_modules\/type-graphql\//],
  ['class-validator', /node_modules\/(class-validator|validator|libphonenumber-js)\//],
  ['mikro-orm', /node_modules\/@mikro-orm\//],
  ['knex', /node_modules\/knex\//],
  ['pg driver', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+|pg-int8)\//],
  ['dataloader', /node_modules\/dataloader\//],
  [
    'logging (pino)',
    /node_modules\/(pino|pino-std-serializers|sonic-boom|fast-redact|thread-stream|quick-format-unescaped)\//,
  ],
  ['metrics (prom-client)', /node_modules\/(prom-client|tdigest|bintrees)\//],
  ['jwt (jose)', /node_modules\/jose\//],
  [
    'redis',
    /node_modules\/(ioredis|graphql-redis-subscriptions|redis-parser|@ioredis|denque|cluster-key-slot)\//,
  ],
  ['other packages', /node_modules\//],
  ['product: server', /\/src\/server\//],
  ['product: resolvers', /\/src\/resolvers\//],
  ['product: schema', /\/src\/schema\//],
  ['product: services', /\/src\/services\//],
  ['product: domain', /\/src\/domain\//],
  ['product: entities', /\/src\/entities\//],
  ['product: other', /\/src\//],
  ['bench harness', /\/bench\//],
  [
    'node: http/net/streams',
    /^node:(_http|http|net|stream|internal\/(streams|http|net|stream_base|js_stream))|^node:internal\/(streams|http)/,
  ],
  ['node: crypto', /^node:(crypto|internal\/crypto)/],
  [
    'node: timers, promises, events',
    /^node:(events|timers|internal\/(timers|process\/task_queues|async_hooks|event_target|promise))/,
  ],
  ['node: other', /^node:/],
];

/**
 * A sample's layer is its function's. Built-ins without a script (socket writes, JSON,
 * hashing) are charged to the nearest caller outside Node's own modules: `writev` under the
 * pg driver is the driver's, under the HTTP response it is the transport's.
 */
const SPECIAL: Record<string, string> = {
  '(garbage collector)': 'GC',
  '(idle)': 'idle',
  '(root)': 'idle',
  '(program)': 'V8 and native, outside JS',
};

function layerOfUrl(url: string): string {
  for (const [name, re] of LAYERS) if (re.test(url)) return name;
  return 'other';
}

function layerOf(node: ProfileNode, parent: Map<number, ProfileNode>): string {
  const special = SPECIAL[node.callFrame.functionName];
  if (!node.callFrame.url && special) return special;
  if (node.callFrame.url) return layerOfUrl(node.callFrame.url);
  let nodeLayer: string | null = null;
  for (let n = parent.get(node.id); n; n = parent.get(n.id)) {
    const url = n.callFrame.url;
    if (!url) continue;
    if (!url.startsWith('node:')) return layerOfUrl(url);
    nodeLayer ??= layerOfUrl(url);
  }
  return nodeLayer ?? 'V8 and native, outside JS';
}

export interface ProfileSummary {
  /** Sampled wall time of the profile, in ms. */
  durationMs: number;
  /** Busy share (not idle) of the sampled time, %. */
  busyPct: number;
  /** Layer -> % of busy samples (self time). */
  layers: Record<string, number>;
  /** The busiest functions by self time: "% name (file:line)". */
  top: { pct: number; where: string }[];
}

export function summariseProfile(file: string, topN = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, ProfileNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; charge it to sample i's node.
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, p.timeDeltas[i] ?? 0));
  }
  const layers = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const frame = node.callFrame;
    const layer = layerOf(node, parent);
    total += us;
    if (layer === 'idle') continue;
    busy += us;
    layers.set(layer, (layers.get(layer) ?? 0) + us);
    const short = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/');
    const where = `${frame.functionName || '(anonymous)'} ${short ? `(${short}:${frame.lineNumber + 1})` : ''}`;
    fns.set(where, (fns.get(where) ?? 0) + us);
  }
  const pct = (us: number) => (busy ? (100 * us) / busy : 0);
  return {
    durationMs: total / 1000,
    busyPct: total ? (100 * busy) / total : 0,
    layers: Object.fromEntries([...layers].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)])),
    top: [...fns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([where, us]) => ({ pct: pct(us), where })),
  };
}
