import { isIP } from 'node:net';

/** The events a merchant can receive (SPEC section 8). */
export const WEBHOOK_EVENTS = [
  'checkout.completed',
  'checkout.refunded',
  'checkout.expired',
  'settlement.paid',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const isWebhookEvent = (s: string): s is WebhookEvent =>
  (WEBHOOK_EVENTS as readonly string[]).includes(s);

/** IPv4 networks a webhook must not reach: this host, private, shared, link-local, reserved, multicast. */
const PRIVATE_V4: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8 ("this" network)
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 (carrier-grade NAT)
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (and cloud metadata, 169.254.169.254)
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24 (IETF protocol assignments)
  [0xc0000200, 24], // 192.0.2/24 (documentation)
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15 (benchmarking)
  [0xc6336400, 24], // 198.51.100/24 (documentation)
  [0xcb007100, 24], // 203.0.113/24 (documentation)
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, and the broadcast address
];

const v4Number = (ip: string): number => ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);

function privateV4Number(n: number): boolean {
  return PRIVATE_V4.some(
    ([net, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(net / 2 ** (32 - bits)),
  );
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part counts as two). */
function v6Groups(ip: string): number[] {
  let s = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const n = v4Number(dotted[1]!);
    s = `${s.slice(0, dotted.index)}${Math.floor(n / 65536).toString(16)}:${(n % 65536).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const part = (x: string) => (x ? x.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function privateV6(ip: string): boolean {
  const g = v6Groups(ip);
  const embeddedV4 = g[6]! * 65536 + g[7]!;
  // ::/96: unspecified, loopback and the deprecated IPv4-compatible addresses.
  if (g.slice(0, 6).every((x) => x === 0)) return true;
  // ::ffff:0:0/96 (IPv4-mapped) and 64:ff9b::/96 (NAT64): as the IPv4 address inside.
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return privateV4Number(embeddedV4);
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
    return privateV4Number(embeddedV4);
  const first = g[0]!;
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated)
    (first & 0xff00) === 0xff00 || // ff00::/8 multicast
    (first === 0x2001 && g[1] === 0x0db8) // 2001:db8::/32 documentation
  );
}

/** Whether a host names this machine or a private network (by name or literal address). */
export function isPrivateHost(hostname: string): boolean {
  // "localhost." is "localhost": a trailing dot only makes the name fully qualified.
  const host = hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.+$/, '');
  if (
    host === '' ||
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    return true;
  const family = isIP(host);
  if (family === 4) return privateV4Number(v4Number(host));
  if (family === 6) return privateV6(host);
  return false;
}

/**
 * Why a webhook URL is refused, or null: it must be an absolute http(s) URL without
 * credentials; in production only https to a public host (SPEC section 8: any URL in the sandbox).
 */
export function webhookUrlProblem(raw: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Enter an absolute URL such as https://example.com/webhooks.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an http or https URL.';
  if (url.username || url.password) return 'Leave credentials out of the URL.';
  if (raw.length > 2000) return 'Use at most 2,000 characters.';
  if (!production) return null;
  if (url.protocol !== 'https:') return 'Use https.';
  if (isPrivateHost(url.hostname)) return 'Use a public host, not a private or loopback address.';
  return null;
}
