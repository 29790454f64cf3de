/**
 * The fan-out bench's physical limit (SPEC section 13): a plain `ws` server on node:http that
 * broadcasts one pre-serialised message to every socket, nothing else (no protocol, no
 * GraphQL, no authentication). Child-process entry (`serveAsChild`), like the product.
 *
 * It listens on the bus as the product does: each message on Redis channel
 * `BENCH_RAW_CHANNEL` (`{"cursor":"…","bytes":N}`) is turned once into a graphql-ws `next`
 * message of exactly N bytes carrying that cursor, encoded once into one Buffer, and that
 * Buffer is sent to every open socket.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { serveAsChild } from '../lib/servers';

/** A `next` message of `bytes` bytes (ASCII) carrying `cursor`, shaped like the product's. */
function rawMessage(cursor: string, bytes: number): Buffer {
  const head = `{"id":"1","type":"next","payload":{"data":{"listingFundingChanged":{"cursor":"${cursor}","pad":"`;
  const tail = '"}}}}';
  const pad = Math.max(0, bytes - head.length - tail.length);
  return Buffer.from(`${head}${'x'.repeat(pad)}${tail}`);
}

serveAsChild(async () => {
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const channel = process.env.BENCH_RAW_CHANNEL ?? 'bench:raw';
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, path: '/graphql', perMessageDeflate: false });
  wss.on('connection', (socket) => socket.on('error', () => undefined));
  const sub = new Redis(redisUrl);
  sub.on('error', () => undefined);
  sub.on('message', (_channel: string, message: string) => {
    const { cursor, bytes } = JSON.parse(message) as { cursor: string; bytes: number };
    const data = rawMessage(cursor, bytes);
    for (const socket of wss.clients) if (socket.readyState === socket.OPEN) socket.send(data);
  });
  await sub.subscribe(channel);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      sub.disconnect();
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
});
