import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { Role } from '../../entities/identity/user.entity';
import type { Authenticated } from '../common/request-scope';

const ISSUER = 'credit-platform';
const ROLES = new Set<string>(Object.values(Role));
/** Verified access tokens remembered at most (about 1 KB each). */
const MAX_VERIFIED = 10_000;

/**
 * Access tokens are short-lived JWTs (HS256) carrying the user, roles and session;
 * refresh tokens are random secrets of which only a SHA-256 is stored.
 */
export class TokenService {
  /**
   * Tokens that passed `verifyAccess`, with what they carry, until they expire. A token's
   * verdict depends only on its text, the secret and the clock (its expiry is checked on every
   * use), so a remembered verdict is the one verifying again would give. Failures are never
   * remembered. Insertion order is age order: the oldest go first past the bound.
   */
  private readonly verified = new Map<string, Authenticated>();

  constructor(
    private readonly secret: Buffer,
    private readonly ttlSeconds: number,
    private readonly maxVerified = MAX_VERIFIED,
  ) {}

  async issueAccess(userId: string, roles: Role[], sessionId: string): Promise<string> {
    return new SignJWT({ roles, sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.secret);
  }

  /**
   * The viewer of a token we signed and that has not expired, or null for anything else
   * (malformed, forged, `alg: none`, expired, or without the session it must name). Whether
   * that session is still signed in is `SessionService`'s question, asked on every request.
   */
  async verifyAccess(token: string): Promise<Authenticated | null> {
    const known = this.verified.get(token);
    if (known) {
      if (Date.now() < known.expiresAt) return known;
      this.verified.delete(token);
      return null;
    }
    const verified = await this.verifySignature(token);
    if (verified) this.remember(token, verified);
    return verified;
  }

  private async verifySignature(token: string): Promise<Authenticated | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp', 'sid'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
      if (!Array.isArray(payload.roles) || typeof payload.exp !== 'number') return null;
      const roles = payload.roles.filter((r): r is Role => typeof r === 'string' && ROLES.has(r));
      // Shared by every request presenting this token: frozen, so none can change it for the others.
      return Object.freeze({
        viewer: Object.freeze({
          userId: payload.sub,
          roles: Object.freeze(roles) as Role[],
          sessionId: payload.sid,
          isAdmin: roles.includes(Role.ADMIN),
        }),
        expiresAt: payload.exp * 1000,
      });
    } catch {
      return null;
    }
  }

  private remember(token: string, verified: Authenticated): void {
    this.verified.set(token, verified);
    const now = Date.now();
    for (const [t, v] of this.verified) {
      if (this.verified.size <= this.maxVerified && v.expiresAt > now) break;
      this.verified.delete(t); // the oldest while expired or past the bound
    }
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = `rt_${randomBytes(32).toString('base64url')}`;
    return { token, hash: TokenService.hash(token) };
  }

  static hash(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
