import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { Role } from '../entities/user.entity';
import type { Viewer } from '../server/context';

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

  /** The viewer behind a token, or null for anything invalid, expired or forged. */
  async verifyAccess(token: string): Promise<Viewer | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { issuer: ISSUER, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || !Array.isArray(payload.roles)) return null;
      const roles = payload.roles.filter((r): r is Role => typeof r === 'string' && ROLES.has(r));
      return {
        userId: payload.sub,
        roles,
        sessionId: typeof payload.sid === 'string' ? payload.sid : null,
        isAdmin: roles.includes(Role.ADMIN),
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
