/** When an access token expires (epoch ms), read from its `exp` claim as a client would. */
export function expiryOf(accessToken: string): number {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
    exp: number;
  };
  return claims.exp * 1000;
}
