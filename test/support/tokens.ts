/** When an access token expires (epoch ms), read from its `exp` claim as a client would. */
export function expiryOf(accessToken: string): number {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
    exp: number;
  };
  return claims.exp * 1000;
}

/** Waits until the token has expired (token lifetimes run on the real clock), and no longer. */
export async function untilExpired(accessToken: string): Promise<void> {
  const left = expiryOf(accessToken) - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left + 5));
}
