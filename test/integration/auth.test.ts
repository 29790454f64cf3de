import {
  MeDocument,
  RefreshTokenDocument,
  SignInDocument,
  SignOutDocument,
  SignUpDocument,
} from '../generated/contract';
import { ok, startTestServer, type TestServer } from '../support/server';
import { signUp, uniqueEmail } from '../support/fixtures';
import { resigned } from '../support/tokens';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe('signUp', () => {
  it('creates a borrower by default, returns tokens, and the token signs the user in', async () => {
    const email = uniqueEmail();
    const res = ok(
      await s.gql(SignUpDocument, { input: { email, password: 'correct horse', name: 'Ada Lovelace' } }),
    );
    expect(res.signUp.userErrors).toEqual([]);
    expect(res.signUp.user).toMatchObject({ email, name: 'Ada Lovelace', roles: ['BORROWER'] });
    expect(res.signUp.user!.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(res.signUp.refreshToken).toMatch(/^rt_/);
    const me = ok(await s.gql(MeDocument, {}, { token: res.signUp.accessToken }));
    expect(me.me).toMatchObject({ id: res.signUp.user!.id, email, roles: ['BORROWER'] });
  });

  it('keeps several chosen roles', async () => {
    const res = ok(
      await s.gql(SignUpDocument, {
        input: {
          email: uniqueEmail(),
          password: 'correct horse',
          name: 'Ivy',
          roles: ['INVESTOR', 'BORROWER'],
        },
      }),
    );
    expect(res.signUp.user!.roles.sort()).toEqual(['BORROWER', 'INVESTOR']);
  });

  it('normalises the email, so the same address in other case is taken', async () => {
    const email = uniqueEmail();
    ok(await s.gql(SignUpDocument, { input: { email, password: 'correct horse', name: 'A' } }));
    const again = ok(
      await s.gql(SignUpDocument, {
        input: { email: ` ${email.toUpperCase()} `, password: 'correct horse', name: 'B' },
      }),
    );
    expect(again.signUp.user).toBeNull();
    expect(again.signUp.accessToken).toBeNull();
    expect(again.signUp.userErrors).toEqual([
      { field: ['input', 'email'], message: expect.any(String), code: 'EMAIL_TAKEN' },
    ]);
  });

  it.each([
    ['email', { email: 'not-an-email' }, 'INVALID_INPUT'],
    ['password', { password: 'short' }, 'INVALID_INPUT'],
    ['name', { name: '   ' }, 'INVALID_INPUT'],
    ['name', { name: 'x'.repeat(501) }, 'INVALID_INPUT'],
    ['roles', { roles: ['ADMIN'] }, 'INVALID_INPUT'],
  ])('refuses a bad %s with a userError naming it, creating nothing', async (field, override, code) => {
    const email = uniqueEmail();
    const input = { email, password: 'correct horse', name: 'Valid Name', ...override };
    const res = ok(await s.gql(SignUpDocument, { input: input as never }));
    expect(res.signUp.user).toBeNull();
    expect(res.signUp.userErrors).toEqual([expect.objectContaining({ field: ['input', field], code })]);
    // nothing stored: the address is still free
    if (!('email' in override)) {
      const retry = ok(
        await s.gql(SignUpDocument, { input: { email, password: 'correct horse', name: 'Valid Name' } }),
      );
      expect(retry.signUp.userErrors).toEqual([]);
    }
  });

  it('rejects a malformed input type at the GraphQL layer', async () => {
    const res = await s.gql(SignUpDocument, {
      input: { email: 'a@b.co', password: 'x', name: 'y', roles: ['KING'] },
    } as never);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('signIn', () => {
  it('signs in with the right password, whatever the email case', async () => {
    const { email } = await signUp(s);
    const res = ok(
      await s.gql(SignInDocument, { input: { email: email.toUpperCase(), password: 'correct horse' } }),
    );
    expect(res.signIn.userErrors).toEqual([]);
    expect(res.signIn.user!.email).toBe(email);
    const me = ok(await s.gql(MeDocument, {}, { token: res.signIn.accessToken }));
    expect(me.me!.email).toBe(email);
  });

  it('answers the same for a wrong password and an unknown email', async () => {
    const { email } = await signUp(s);
    const wrong = ok(await s.gql(SignInDocument, { input: { email, password: 'wrong password' } }));
    const unknown = ok(
      await s.gql(SignInDocument, { input: { email: uniqueEmail(), password: 'wrong password' } }),
    );
    expect(wrong.signIn.userErrors).toEqual([
      { field: null, message: 'Email or password is incorrect.', code: 'INVALID_CREDENTIALS' },
    ]);
    expect(unknown.signIn.userErrors).toEqual(wrong.signIn.userErrors);
    expect(wrong.signIn.accessToken).toBeNull();
  });

  it('locks an email for 15 minutes after 5 failures, even for the right password', async () => {
    const { email } = await signUp(s);
    for (let i = 0; i < 5; i++) {
      const r = ok(await s.gql(SignInDocument, { input: { email, password: `wrong ${i}` } }));
      expect(r.signIn.userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
    }
    const locked = ok(await s.gql(SignInDocument, { input: { email, password: 'correct horse' } }));
    expect(locked.signIn.userErrors[0]!.code).toBe('RATE_LIMITED');
    expect(locked.signIn.accessToken).toBeNull();
  });

  it('four failures then the right password still signs in', async () => {
    const { email } = await signUp(s);
    for (let i = 0; i < 4; i++) await s.gql(SignInDocument, { input: { email, password: `wrong ${i}` } });
    const res = ok(await s.gql(SignInDocument, { input: { email, password: 'correct horse' } }));
    expect(res.signIn.userErrors).toEqual([]);
  });
});

describe('sign-in attempts per address', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SIGNIN_ATTEMPTS_PER_ADDRESS: '6' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses an address past its limit, across different emails', async () => {
    const { email } = await signUp(t);
    for (let i = 0; i < 6; i++) {
      const r = ok(await t.gql(SignInDocument, { input: { email: uniqueEmail(), password: 'whatever 1' } }));
      expect(r.signIn.userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
    }
    const r = ok(await t.gql(SignInDocument, { input: { email, password: 'correct horse' } }));
    expect(r.signIn.userErrors[0]!.code).toBe('RATE_LIMITED');
  });
});

describe('refresh tokens and sign-out', () => {
  it('rotates: the new refresh token works once, the old one is spent', async () => {
    const { refreshToken } = await signUp(s);
    const first = ok(await s.gql(RefreshTokenDocument, { input: { refreshToken } }));
    expect(first.refreshToken.userErrors).toEqual([]);
    expect(first.refreshToken.refreshToken).not.toBe(refreshToken);
    const me = ok(await s.gql(MeDocument, {}, { token: first.refreshToken.accessToken }));
    expect(me.me).not.toBeNull();
    const second = ok(
      await s.gql(RefreshTokenDocument, { input: { refreshToken: first.refreshToken.refreshToken! } }),
    );
    expect(second.refreshToken.userErrors).toEqual([]);
  });

  it('reusing a rotated token revokes the whole family', async () => {
    const { refreshToken } = await signUp(s);
    const rotated = ok(await s.gql(RefreshTokenDocument, { input: { refreshToken } }));
    const reuse = ok(await s.gql(RefreshTokenDocument, { input: { refreshToken } }));
    expect(reuse.refreshToken.userErrors).toEqual([
      { field: ['input', 'refreshToken'], message: expect.any(String), code: 'INVALID_TOKEN' },
    ]);
    // the legitimate successor is revoked too
    const after = ok(
      await s.gql(RefreshTokenDocument, { input: { refreshToken: rotated.refreshToken.refreshToken! } }),
    );
    expect(after.refreshToken.userErrors[0]!.code).toBe('INVALID_TOKEN');
  });

  it('refuses an unknown token', async () => {
    const res = ok(await s.gql(RefreshTokenDocument, { input: { refreshToken: 'rt_nope' } }));
    expect(res.refreshToken.userErrors[0]!.code).toBe('INVALID_TOKEN');
    expect(res.refreshToken.accessToken).toBeNull();
  });

  it('signOut revokes the current session only', async () => {
    const a = await signUp(s);
    const other = ok(
      await s.gql(SignInDocument, { input: { email: a.email, password: 'correct horse' } }),
    ).signIn;
    const out = ok(await s.gql(SignOutDocument, {}, { token: a.accessToken }));
    expect(out.signOut).toEqual({ ok: true, userErrors: [] });
    const dead = ok(await s.gql(RefreshTokenDocument, { input: { refreshToken: a.refreshToken } }));
    expect(dead.refreshToken.userErrors[0]!.code).toBe('INVALID_TOKEN');
    const alive = ok(await s.gql(RefreshTokenDocument, { input: { refreshToken: other.refreshToken! } }));
    expect(alive.refreshToken.userErrors).toEqual([]);
  });

  it('signOut needs a session', async () => {
    const res = await s.gql(SignOutDocument, {});
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('me and tokens', () => {
  it('is null without a token', async () => {
    expect(ok(await s.gql(MeDocument, {})).me).toBeNull();
    expect(ok(await s.gql(MeDocument, {}, { headers: { authorization: '' } })).me).toBeNull();
  });

  // SPEC section 2: a presented token that is not valid is not "signed out"; every operation,
  // `me` included, answers UNAUTHENTICATED so that a client knows to refresh.
  const badTokens: [string, (valid: string) => string][] = [
    ['a garbage token', () => 'garbage'],
    [
      'a tampered token (payload changed, signature kept)',
      (t) => {
        const [h, p, sig] = t.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
        const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url');
        return `${h}.${forged}.${sig}`;
      },
    ],
    ['a forged token (signature replaced)', (t) => `${t.split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`],
    [
      'an alg: none token',
      (t) => {
        const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        return `${none}.${t.split('.')[1]}.`;
      },
    ],
    ['a Basic (not Bearer) credential', (t) => `Basic ${t}`],
  ];
  it.each(badTokens)('%s answers UNAUTHENTICATED to me, signIn and signUp', async (_name, spoil) => {
    const u = await signUp(s);
    const bad = spoil(u.accessToken);
    const headers = { authorization: bad.startsWith('Basic ') ? bad : `Bearer ${bad}` };
    const me = await s.gql(MeDocument, {}, { headers });
    expect(me.status).toBe(401);
    expect(me.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect(me.data ?? null).toBeNull();
    expect(me.errors).toEqual([
      { message: expect.stringMatching(/refresh/i), extensions: { code: 'UNAUTHENTICATED' } },
    ]);
    const signIn = await s.gql(
      SignInDocument,
      { input: { email: u.email, password: 'correct horse' } },
      { headers },
    );
    expect(signIn.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const signUpAgain = await s.gql(
      SignUpDocument,
      { input: { email: uniqueEmail(), password: 'correct horse', name: 'X' } },
      { headers },
    );
    expect(signUpAgain.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // the good token still works
    expect(ok(await s.gql(MeDocument, {}, { token: u.accessToken })).me!.email).toBe(u.email);
  });

  it('a token of a signed-out session answers UNAUTHENTICATED, to me and to signOut', async () => {
    const u = await signUp(s);
    const other = ok(await s.gql(SignInDocument, { input: { email: u.email, password: 'correct horse' } }))
      .signIn.accessToken!;
    ok(await s.gql(SignOutDocument, {}, { token: u.accessToken }));
    const me = await s.gql(MeDocument, {}, { token: u.accessToken });
    expect(me.status).toBe(401);
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await s.gql(SignOutDocument, {}, { token: u.accessToken })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    // the user's other session is untouched
    expect(ok(await s.gql(MeDocument, {}, { token: other })).me!.email).toBe(u.email);
  });

  it('a token of a session revoked by refresh-token reuse answers UNAUTHENTICATED', async () => {
    const u = await signUp(s);
    ok(await s.gql(RefreshTokenDocument, { input: { refreshToken: u.refreshToken } }));
    ok(await s.gql(RefreshTokenDocument, { input: { refreshToken: u.refreshToken } })); // reuse
    const me = await s.gql(MeDocument, {}, { token: u.accessToken });
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('access tokens last 15 minutes', async () => {
    const { accessToken } = await signUp(s);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as {
      exp: number;
      iat: number;
    };
    expect(claims.exp - claims.iat).toBe(15 * 60);
  });

  it('an expired access token answers UNAUTHENTICATED', async () => {
    // The same claims signed with the server's key, once expiring in a minute and once a
    // minute ago: no waiting on the real clock, and the first shows the signing is right.
    const { accessToken } = await signUp(s);
    const now = Math.floor(Date.now() / 1000);
    const signed = (exp: number) => resigned(s.app.services.config.secrets.jwt, accessToken, exp);
    expect(ok(await s.gql(MeDocument, {}, { token: await signed(now + 60) })).me).not.toBeNull();
    const me = await s.gql(MeDocument, {}, { token: await signed(now - 60) });
    expect(me.status).toBe(401);
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
