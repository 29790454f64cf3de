import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { Role } from '../../entities/identity/user.entity';
import type { Authenticated } from '../common/request-scope';

const ISSUER = 'credit-platform';
const ROLES = new Set<string>(Object.values(Role));

/**
 * Access tokens are short-lived JWTs (HS256) carrying the user, roles and session;
 * refresh tokens are random secrets of which only a SHA-256 is stored.
 */
export class TokenService {
  constructor(
    private readonly secret: Buffer,
    private readonly ttlSeconds: number,
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
   * that session is still signed in is `SessionService.isLive`'s question.
   */
  async verifyAccess(token: string): Promise<Authenticated | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp', 'sid'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return null;
      if (!Array.isArray(payload.roles) || typeof payload.exp !== 'number') return null;
      const roles = payload.roles.filter((r): r is Role => typeof r === 'string' && ROLES.has(r));
      return {
        viewer: {
          userId: payload.sub,
          roles,
          sessionId: payload.sid,
          isAdmin: roles.includes(Role.ADMIN),
        },
        expiresAt: payload.exp * 1000,
      };
    } catch {
      return null;
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
