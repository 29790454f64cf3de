import { SignJWT } from 'jose';
import { Role } from '../../src/entities/identity/user.entity';
import { TokenService } from '../../src/services/identity/token.service';

/**
 * Issue 10, item 3: verified access tokens are remembered until they expire. A remembered
 * verdict must be the one verifying again would give, at every instant; failures are never
 * remembered; the memory is bounded.
 */
const secret = Buffer.from('a'.repeat(64), 'hex');
const SESSION = '0190a0b0-0000-7000-8000-000000000001';
const USER = '0190a0b0-0000-7000-8000-000000000002';

// Only the clock is faked: jose reads it through `new Date()`, the cache through `Date.now()`.
beforeEach(() => {
  jest.useFakeTimers({
    now: new Date('2030-01-01T00:00:00.000Z'),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
});
afterEach(() => jest.useRealTimers());

const remembered = (t: TokenService) => t['verified'].size;

describe('TokenService.verifyAccess', () => {
  it('remembers a verified token: the same frozen viewer, until the token expires', async () => {
    const tokens = new TokenService(secret, 60);
    const token = await tokens.issueAccess(USER, [Role.BORROWER, Role.ADMIN], SESSION);
    const first = await tokens.verifyAccess(token);
    expect(first).toEqual({
      viewer: { userId: USER, roles: [Role.BORROWER, Role.ADMIN], sessionId: SESSION, isAdmin: true },
      expiresAt: Date.now() + 60_000,
    });
    expect(await tokens.verifyAccess(token)).toBe(first);
    expect(Object.isFrozen(first!.viewer) && Object.isFrozen(first!.viewer.roles)).toBe(true);
    expect(() => (first!.viewer.roles as Role[]).push(Role.MERCHANT)).toThrow();
  });

  it('gives the verdict a fresh verification gives, on both sides of the expiry', async () => {
    const cached = new TokenService(secret, 2);
    const token = await cached.issueAccess(USER, [Role.BORROWER], SESSION);
    expect(await cached.verifyAccess(token)).not.toBeNull();
    const expiry = Date.now() + 2000;
    for (const at of [expiry - 1001, expiry - 1, expiry, expiry + 1, expiry + 5000]) {
      jest.setSystemTime(at);
      const fresh = await new TokenService(secret, 2).verifyAccess(token);
      const answer = await cached.verifyAccess(token);
      expect([at - expiry, answer === null]).toEqual([at - expiry, fresh === null]);
      if (fresh) expect(answer).toEqual(fresh);
    }
    expect(remembered(cached)).toBe(0); // the expired token was dropped
  });

  it('never remembers a failure: tampered, forged, foreign or incomplete tokens', async () => {
    const tokens = new TokenService(secret, 60);
    const token = await tokens.issueAccess(USER, [Role.BORROWER], SESSION);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const other = Buffer.from('b'.repeat(64), 'hex');
    const bad = [
      'garbage',
      `${header}.${payload}.${'A'.repeat(43)}`,
      `${header}.${Buffer.from('{"sub":"x"}').toString('base64url')}.${signature}`,
      await new TokenService(other, 60).issueAccess(USER, [Role.ADMIN], SESSION),
      // ours, but without the session it must name
      await new SignJWT({ roles: [] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(USER)
        .setIssuer('credit-platform')
        .setExpirationTime('60s')
        .sign(secret),
    ];
    for (const t of bad) {
      expect(await tokens.verifyAccess(t)).toBeNull();
      expect(await tokens.verifyAccess(t)).toBeNull();
    }
    expect(remembered(tokens)).toBe(0);
    expect(await tokens.verifyAccess(token)).not.toBeNull();
    expect(remembered(tokens)).toBe(1);
  });

  it('is bounded: past the bound the oldest are forgotten, and still verify', async () => {
    const tokens = new TokenService(secret, 60, 3);
    const issued: string[] = [];
    for (let i = 0; i < 5; i++) {
      jest.setSystemTime(Date.now() + 1000); // distinct tokens (iat, exp)
      issued.push(await tokens.issueAccess(USER, [Role.BORROWER], SESSION));
    }
    for (const t of issued) expect(await tokens.verifyAccess(t)).not.toBeNull();
    expect(remembered(tokens)).toBe(3);
    expect(await tokens.verifyAccess(issued[0]!)).not.toBeNull();
    expect(remembered(tokens)).toBe(3);
  });
});
