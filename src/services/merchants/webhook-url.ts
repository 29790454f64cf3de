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

const PRIVATE_V4: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 (carrier-grade NAT)
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
];

function privateV4(ip: string): boolean {
  const n = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  return PRIVATE_V4.some(
    ([net, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(net / 2 ** (32 - bits)),
  );
}

function privateV6(ip: string): boolean {
  const s = ip.toLowerCase();
  if (s === '::1' || s === '::') return true;
  if (s.startsWith('::ffff:')) return isIP(s.slice(7)) === 4 ? privateV4(s.slice(7)) : true;
  return /^f[cd]/.test(s) || /^fe[89ab]/.test(s);
}

/** Whether a host names this machine or a private network (by name or literal address). */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal')
  )
    return true;
  const family = isIP(host);
  if (family === 4) return privateV4(host);
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
