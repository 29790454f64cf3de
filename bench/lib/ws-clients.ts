/**
 * Child-process entry of bench/fan-out.ts: opens WebSocket clients in bulk and records, for
 * every message that carries a cursor, when it arrived. Its own process, so its CPU is
 * accounted apart from the server's (and the parent can spread sockets over several).
 *
 * Protocol over IPC (each command answered by one message of the same type):
 * - `connect`: opens `count` sockets (`graphql-ws`: connection_init with a bearer token,
 *   connected on connection_ack; `raw`: connected when open), `concurrency` at a time, each
 *   from its own loopback source address so that ports never run out across runs.
 * - `subscribe`: one subscription (id "1") on every graphql-ws socket opened so far.
 * - `report`: receipt times by cursor (CLOCK_MONOTONIC in ms, `process.hrtime`: the same
 *   clock in every process on this machine), message sizes, and what went wrong.
 * - `close`: closes every socket; the process then exits.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export type ClientCommand =
  | {
      type: 'connect';
      url: string;
      protocol: 'graphql-ws' | 'raw';
      tokens: string[];
      count: number;
      concurrency: number;
      /** Second octet of the 127.x.y.z source addresses (one per worker). */
      net: number;
    }
  | { type: 'subscribe'; query: string; variables: Record<string, unknown> }
  | { type: 'report' }
  | { type: 'close' };

export type ClientReply =
  | { type: 'connect'; connected: number; failed: number; firstError: string | null; ms: number }
  | { type: 'subscribe'; sent: number }
  | {
      type: 'report';
      receipts: Record<string, number[]>;
      bytes: number[];
      /** Messages other than events (errors, completes, unexpected). */
      other: string[];
      closed: number;
    }
  | { type: 'close' }
  | { type: 'error'; message: string };

/** CLOCK_MONOTONIC in ms: one clock for every process on this machine. */
const now = () => Number(process.hrtime.bigint()) / 1e6;
const CURSOR = Buffer.from('"cursor":"');

const sockets: WebSocket[] = [];
/** The graphql-ws ones among them (`subscribe` goes to these). */
const graphqlSockets: WebSocket[] = [];
const receipts = new Map<string, number[]>();
const bytes: number[] = [];
const other: string[] = [];
let closed = 0;

function onMessage(data: Buffer): void {
  const at = now();
  const i = data.indexOf(CURSOR);
  if (i >= 0) {
    const start = i + CURSOR.length;
    const cursor = data.toString('latin1', start, data.indexOf(34, start)); // up to the closing quote
    let list = receipts.get(cursor);
    if (!list) receipts.set(cursor, (list = []));
    list.push(at);
    if (bytes.length < 100) bytes.push(data.length);
    return;
  }
  if (other.length < 20) other.push(data.toString('utf8', 0, 300));
}

function open(url: string, protocol: 'graphql-ws' | 'raw', token: string, local: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol === 'raw' ? undefined : 'graphql-transport-ws', {
      localAddress: local,
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
    });
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      ws.terminate();
      reject(err);
    };
    ws.once('error', fail);
    ws.once('close', (code, reason) => {
      closed++;
      fail(new Error(`closed ${code} ${reason.toString()}`));
    });
    ws.once('open', () => {
      if (protocol === 'raw') {
        done = true;
        ws.on('message', onMessage);
        resolve(ws);
        return;
      }
      ws.once('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as { type: string };
        if (m.type !== 'connection_ack') return fail(new Error(`expected connection_ack, got ${m.type}`));
        done = true;
        ws.on('message', onMessage);
        resolve(ws);
      });
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    });
  });
}

async function connect(c: Extract<ClientCommand, { type: 'connect' }>): Promise<ClientReply> {
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  let connected = 0;
  let firstError: string | null = null;
  const one = async () => {
    while (next < c.count) {
      const i = next++;
      const local = `127.${c.net}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
      try {
        const ws = await open(c.url, c.protocol, c.tokens[i % c.tokens.length]!, local);
        sockets.push(ws);
        if (c.protocol === 'graphql-ws') graphqlSockets.push(ws);
        connected++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, one));
  return { type: 'connect', connected, failed, firstError, ms: performance.now() - t0 };
}

function subscribe(c: Extract<ClientCommand, { type: 'subscribe' }>): ClientReply {
  const message = JSON.stringify({
    id: '1',
    type: 'subscribe',
    payload: { query: c.query, variables: c.variables },
  });
  let sent = 0;
  for (const ws of graphqlSockets) {
    if (ws.readyState !== ws.OPEN) continue;
    ws.send(message);
    sent++;
  }
  return { type: 'subscribe', sent };
}

async function handle(c: ClientCommand): Promise<ClientReply> {
  switch (c.type) {
    case 'connect':
      return connect(c);
    case 'subscribe':
      return subscribe(c);
    case 'report':
      return { type: 'report', receipts: Object.fromEntries(receipts), bytes, other, closed };
    case 'close':
      for (const ws of sockets) ws.terminate();
      return { type: 'close' };
  }
}

process.on('message', (c: ClientCommand) => {
  handle(c)
    .then((reply) => {
      process.send?.(reply);
      if (c.type === 'close') process.disconnect();
    })
    .catch((err: unknown) =>
      process.send?.({
        type: 'error',
        message: err instanceof Error ? (err.stack ?? err.message) : String(err),
      }),
    );
});
process.on('disconnect', () => process.exit(0));
