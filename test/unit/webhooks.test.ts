import { createHmac } from 'node:crypto';
import { webhookRetryDelayMs, WEBHOOK_RETRY_WINDOW_MS } from '../../src/domain/merchants/checkout';
import { webhookSignature } from '../../src/services/merchants/webhook-signature';
import { isPrivateHost, isWebhookEvent, webhookUrlProblem } from '../../src/services/merchants/webhook-url';

describe('webhookUrlProblem', () => {
  it.each(['not a url', '/relative/path', 'example.com/hooks', ''])(
    'refuses %j: not an absolute URL',
    (raw) => {
      expect(webhookUrlProblem(raw, false)).toMatch(/absolute URL/);
      expect(webhookUrlProblem(raw, true)).toMatch(/absolute URL/);
    },
  );

  it.each(['ftp://example.com/hooks', 'file:///etc/passwd', 'javascript:alert(1)', 'ws://example.com/'])(
    'refuses %j: not http(s)',
    (raw) => {
      expect(webhookUrlProblem(raw, false)).toBe('Use an http or https URL.');
    },
  );

  it('refuses credentials in the URL and URLs over 2,000 characters', () => {
    expect(webhookUrlProblem('https://user:pass@example.com/hooks', false)).toMatch(/credentials/);
    expect(webhookUrlProblem('https://user@example.com/hooks', false)).toMatch(/credentials/);
    const at = (n: number) => `https://example.com/${'a'.repeat(n - 'https://example.com/'.length)}`;
    expect(webhookUrlProblem(at(2000), false)).toBeNull();
    expect(webhookUrlProblem(at(2001), false)).toMatch(/2,000/);
  });

  it('takes any http(s) URL in the sandbox, loopback included', () => {
    expect(webhookUrlProblem('http://127.0.0.1:8080/hooks', false)).toBeNull();
    expect(webhookUrlProblem('http://localhost/hooks', false)).toBeNull();
    expect(webhookUrlProblem('https://example.com/hooks', false)).toBeNull();
  });

  it('in production takes only https to a public host', () => {
    expect(webhookUrlProblem('https://example.com/hooks', true)).toBeNull();
    expect(webhookUrlProblem('https://93.184.216.34/hooks', true)).toBeNull();
    expect(webhookUrlProblem('http://example.com/hooks', true)).toBe('Use https.');
    for (const raw of [
      'https://localhost/hooks',
      'https://localhost./hooks',
      'https://127.0.0.1/hooks',
      'https://2130706433/hooks',
      'https://0x7f.1/hooks',
      'https://[::1]/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://metadata.google.internal./computeMetadata',
      'https://10.1.2.3/hooks',
    ])
      expect([raw, webhookUrlProblem(raw, true)]).toEqual([raw, expect.stringMatching(/public host/)]);
  });
});

describe('isPrivateHost', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    'api.localhost',
    'printer.local',
    'metadata.google.internal',
    'metadata.google.internal.',
    '0.0.0.0',
    '10.0.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '127.0.0.1',
    '127.255.255.254',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '192.0.2.1',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '[::1]',
    '::',
    '::7f00:1', // ::127.0.0.1, IPv4-compatible
    '::ffff:7f00:1', // ::ffff:127.0.0.1 as the URL parser writes it
    '::ffff:127.0.0.1',
    '::ffff:a00:1',
    '64:ff9b::a00:1', // NAT64 of 10.0.0.1
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'febf::1',
    'ff02::1',
  ])('%s is private', (host) => {
    expect(isPrivateHost(host)).toBe(true);
  });

  it.each([
    'example.com',
    'hooks.example.com.',
    'localhost.example.com',
    'local.example.com',
    '8.8.8.8',
    '93.184.216.34',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '223.255.255.255',
    '2606:4700::1111',
    '[2606:4700::1111]',
    '::ffff:808:808', // ::ffff:8.8.8.8
    '64:ff9b::808:808', // NAT64 of 8.8.8.8
    'fbff::1',
    'fe7f::1',
  ])('%s is public', (host) => {
    expect(isPrivateHost(host)).toBe(false);
  });
});

describe('isWebhookEvent', () => {
  it('knows the four events of SPEC section 8 and nothing else', () => {
    for (const e of ['checkout.completed', 'checkout.refunded', 'checkout.expired', 'settlement.paid'])
      expect(isWebhookEvent(e)).toBe(true);
    for (const e of ['checkout.shipped', 'Checkout.Completed', '', 'settlement.paid '])
      expect(isWebhookEvent(e)).toBe(false);
  });
});

describe('webhookSignature', () => {
  it('is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> keyed by the secret', () => {
    const body = '{"id":"1","type":"checkout.completed","data":{"name":"Café ✓"}}';
    const header = webhookSignature('whsec_test', 1_700_000_000, body);
    const expected = createHmac('sha256', 'whsec_test')
      .update(Buffer.from(`1700000000.${body}`, 'utf8'))
      .digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('changes with the secret, the time and every byte of the body', () => {
    const base = webhookSignature('whsec_a', 1, '{"a":1}');
    expect(webhookSignature('whsec_b', 1, '{"a":1}')).not.toBe(base);
    expect(webhookSignature('whsec_a', 2, '{"a":1}').split(',v1=')[1]).not.toBe(base.split(',v1=')[1]);
    expect(webhookSignature('whsec_a', 1, '{"a":2}')).not.toBe(base);
    expect(webhookSignature('whsec_a', 1, '{"a":1}')).toBe(base);
  });
});

describe('webhookRetryDelayMs', () => {
  it('doubles from the base after each failed attempt, with jitter in [0.5, 1.5)', () => {
    expect(webhookRetryDelayMs(1, 30_000, 0.5)).toBe(30_000);
    expect(webhookRetryDelayMs(2, 30_000, 0.5)).toBe(60_000);
    expect(webhookRetryDelayMs(3, 30_000, 0.5)).toBe(120_000);
    expect(webhookRetryDelayMs(1, 30_000, 0)).toBe(15_000);
    expect(webhookRetryDelayMs(1, 30_000, 0.99)).toBe(44_700);
    expect(webhookRetryDelayMs(2, 30_000, 0.25)).toBe(45_000);
  });

  it('treats attempt 0 like the first, and stops growing at an hour (before jitter)', () => {
    expect(webhookRetryDelayMs(0, 1000, 0.5)).toBe(1000);
    expect(webhookRetryDelayMs(8, 30_000, 0.5)).toBe(60 * 60_000);
    expect(webhookRetryDelayMs(50, 30_000, 0.5)).toBe(60 * 60_000);
    expect(webhookRetryDelayMs(1000, 30_000, 0)).toBe(30 * 60_000);
    expect(webhookRetryDelayMs(1000, 30_000, 0.999)).toBeLessThan(90 * 60_000);
  });

  it('gives a failing receiver 30 attempts within the 24-hour window at the default base (no jitter)', () => {
    expect(WEBHOOK_RETRY_WINDOW_MS).toBe(24 * 60 * 60_000);
    let elapsed = 0;
    let attempts = 0;
    while (elapsed <= WEBHOOK_RETRY_WINDOW_MS) {
      attempts++;
      elapsed += webhookRetryDelayMs(attempts, 30_000, 0.5);
    }
    // Waits of 30 s, 1, 2, 4, 8, 16 and 32 min (63.5 min in all), then hourly: the 23rd hourly
    // wait ends past 24 hours.
    expect(attempts).toBe(30);
  });
});
