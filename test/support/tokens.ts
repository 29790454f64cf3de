import { SignJWT } from 'jose';

/** When an access token expires (epoch ms), read from its `exp` claim as a client would. */
export function expiryOf(accessToken: string): number {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
    exp: number;
  };
  return claims.exp * 1000;
}

/**
 * The same access token's claims signed again with the server's key, expiring at `exp` (epoch
 * seconds): an already-expired token, or one about to expire, with no waiting on the clock.
 */
export async function resigned(secret: Uint8Array, accessToken: string, exp: number): Promise<string> {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
    sub: string;
    sid: string;
    roles: string[];
    iat: number;
  };
  return new SignJWT({ roles: claims.roles, sid: claims.sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer('credit-platform')
    .setIssuedAt(Math.min(claims.iat, exp - 1))
    .setExpirationTime(exp)
    .sign(secret);
}
