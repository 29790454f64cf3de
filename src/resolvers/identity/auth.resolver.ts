import { Arg, Ctx, Mutation, Resolver, UseMiddleware } from 'type-graphql';
import type { RequestScope } from '../../services/common/request-scope';
import {
  AuthPayload,
  RefreshTokenInput,
  RefreshTokenPayload,
  SignInInput,
  SignOutPayload,
  SignUpInput,
} from '../../schema/identity/auth.types';
import { PayloadErrors } from '../../schema/common/payload';
import { userType } from '../../schema/identity/user.type';
import { AuthService } from '../../services/identity/auth.service';

@Resolver()
export class AuthResolver {
  constructor(private readonly auth: AuthService) {}

  @Mutation(() => AuthPayload, { description: 'Create an account and sign in. Works without a token.' })
  @UseMiddleware(PayloadErrors)
  async signUp(
    @Arg('input', () => SignUpInput) input: SignUpInput,
    @Ctx() ctx: RequestScope,
  ): Promise<Partial<AuthPayload>> {
    const s = await this.auth.signUp(ctx, input);
    return { accessToken: s.accessToken, refreshToken: s.refreshToken, user: userType(s.user) };
  }

  @Mutation(() => AuthPayload, {
    description:
      'Sign in with email and password. Five failures in 15 minutes lock the email for 15 minutes.',
  })
  @UseMiddleware(PayloadErrors)
  async signIn(
    @Arg('input', () => SignInInput) input: SignInInput,
    @Ctx() ctx: RequestScope,
  ): Promise<Partial<AuthPayload>> {
    const s = await this.auth.signIn(ctx, input);
    return { accessToken: s.accessToken, refreshToken: s.refreshToken, user: userType(s.user) };
  }

  @Mutation(() => RefreshTokenPayload, {
    description: 'Exchange a refresh token for new tokens. Reusing a spent token ends the whole session.',
  })
  @UseMiddleware(PayloadErrors)
  async refreshToken(
    @Arg('input', () => RefreshTokenInput) input: RefreshTokenInput,
    @Ctx() ctx: RequestScope,
  ): Promise<Partial<RefreshTokenPayload>> {
    return this.auth.refresh(ctx, input.refreshToken);
  }

  @Mutation(() => SignOutPayload, {
    description: 'End the current session: its refresh tokens stop working.',
  })
  @UseMiddleware(PayloadErrors)
  async signOut(@Ctx() ctx: RequestScope): Promise<Partial<SignOutPayload>> {
    await this.auth.signOut(ctx);
    return { ok: true };
  }
}
