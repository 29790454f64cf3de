import { connect, type Socket } from 'node:net';

/**
 * A minimal HTTP/1.1 keep-alive client over `node:net`, for load generation only.
 *
 * Why not `http.request`: on this 2-core machine the load generator shares the CPU with
 * the server, PostgreSQL and Redis, so every microsecond it spends is taken from what is
 * being measured. Requests here are serialised to bytes once, up front; a response is
 * parsed only as far as the status, the framing (Content-Length or chunked) and a few
 * byte searches of the body. One request at a time per connection (no pipelining).
 * `undici` is not installed in this project (only Node's internal copy behind `fetch`,
 * which costs more per request than `http.request`).
 */

export interface Target {
  host: string;
  port: number;
  path: string;
  hostHeader: string;
}

export function parseTarget(url: string): Target {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`only http:// targets are supported: ${url}`);
  return {
    host: u.hostname,
    port: Number(u.port || 80),
    path: `${u.pathname}${u.search}` || '/',
    hostHeader: u.host,
  };
}

/** The complete bytes of one POST request. */
export function buildRequest(
  target: Target,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Buffer {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  let head =
    `POST ${target.path} HTTP/1.1\r\n` +
    `Host: ${target.hostHeader}\r\n` +
    `Connection: keep-alive\r\n` +
    `Content-Type: application/json\r\n` +
    `Accept: application/json\r\n` +
    `Content-Length: ${payload.length}\r\n`;
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += '\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), payload]);
}

export type ResponseCallback = (err: Error | null, status: number, body: Buffer | null) => void;

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** Decodes a complete chunked body starting at `start`; null while incomplete. */
function decodeChunked(buf: Buffer, start: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, pos);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    const dataStart = lineEnd + 2;
    if (size === 0) {
      // Trailers (rare) end with an empty line.
      const end = buf.indexOf(CRLFCRLF, lineEnd);
      if (end < 0) return null;
      return { body: parts.length === 1 ? parts[0]! : Buffer.concat(parts), end: end + 4 };
    }
    if (buf.length < dataStart + size + 2) return null;
    parts.push(buf.subarray(dataStart, dataStart + size));
    pos = dataStart + size + 2;
  }
}

/** One keep-alive connection carrying one request at a time; reconnects after a close. */
export class Connection {
  private socket: Socket | null = null;
  private acc: Buffer | null = null;
  private headerEnd = -1;
  private status = 0;
  private contentLength = -1;
  private chunked = false;
  private closeAfter = false;
  private cb: ResponseCallback | null = null;
  /** performance.now() after which the pending request counts as timed out. */
  deadline = Infinity;
  reconnects = 0;

  constructor(private readonly target: Target) {}

  get busy(): boolean {
    return this.cb !== null;
  }

  /** Opens the socket now (so connection set-up is not inside a measured window). */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = this.ensureSocket();
      if (!s.connecting) return resolve();
      s.once('connect', () => resolve());
      s.once('error', reject);
    });
  }

  request(buf: Buffer, cb: ResponseCallback, deadline = Infinity): void {
    if (this.cb) throw new Error('connection busy');
    this.cb = cb;
    this.deadline = deadline;
    this.ensureSocket().write(buf);
  }

  /** Fails the pending request (e.g. a timeout) and drops the socket. */
  abort(err: Error): void {
    this.fail(err);
  }

  close(): void {
    const s = this.socket;
    this.socket = null;
    s?.destroy();
  }

  private ensureSocket(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    if (this.socket) this.reconnects++;
    const s = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    // Events of a socket that was already replaced must not touch the current request.
    s.on('data', (d: Buffer) => {
      if (this.socket === s) this.onData(d);
    });
    s.on('error', (err) => {
      if (this.socket === s) this.fail(err);
    });
    s.on('close', () => {
      if (this.socket === s) this.fail(new Error('socket closed by server'));
    });
    this.socket = s;
    this.resetParser();
    return s;
  }

  private resetParser(): void {
    this.acc = null;
    this.headerEnd = -1;
    this.status = 0;
    this.contentLength = -1;
    this.chunked = false;
    this.closeAfter = false;
  }

  private fail(err: Error): void {
    const cb = this.cb;
    const s = this.socket;
    this.socket = null;
    this.cb = null;
    this.deadline = Infinity;
    this.resetParser();
    s?.destroy();
    cb?.(err, 0, null);
  }

  private onData(d: Buffer): void {
    this.acc = this.acc ? Buffer.concat([this.acc, d]) : d;
    const acc = this.acc;
    if (this.headerEnd < 0) {
      const i = acc.indexOf(CRLFCRLF);
      if (i < 0) return;
      this.headerEnd = i + 4;
      const head = acc.toString('latin1', 0, i).toLowerCase();
      this.status = parseInt(head.slice(9, 12), 10);
      const cl = head.indexOf('\r\ncontent-length:');
      if (cl >= 0)
        this.contentLength = parseInt(head.slice(cl + 17, head.indexOf('\r\n', cl + 17) >>> 0), 10);
      this.chunked = /\r\ntransfer-encoding:[^\r]*chunked/.test(head);
      this.closeAfter = /\r\nconnection:\s*close/.test(head);
      if (!this.chunked && this.contentLength < 0) this.contentLength = 0;
    }
    let body: Buffer;
    let end: number;
    if (this.chunked) {
      let decoded: { body: Buffer; end: number } | null;
      try {
        decoded = decodeChunked(acc, this.headerEnd);
      } catch (err) {
        return this.fail(err as Error);
      }
      if (!decoded) return;
      ({ body, end } = decoded);
    } else {
      end = this.headerEnd + this.contentLength;
      if (acc.length < end) return;
      body = acc.subarray(this.headerEnd, end);
    }
    const status = this.status;
    const cb = this.cb;
    const closeAfter = this.closeAfter;
    this.resetParser();
    if (acc.length > end) this.acc = acc.subarray(end); // stray bytes: keep for the next response
    this.cb = null;
    this.deadline = Infinity;
    if (closeAfter) this.close();
    cb?.(null, status, body);
  }
}
