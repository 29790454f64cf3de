import { Arg, Ctx, Mutation, Resolver, UseMiddleware } from 'type-graphql';
import type { RequestContext } from '../../server/context';
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

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Create an account and sign in. Works without a token.' })
  @UseMiddleware(PayloadErrors)
  async signUp(
    @Arg('input', () => SignUpInput) input: SignUpInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Partial<AuthPayload>> {
    const s = await ctx.services.auth.signUp(ctx, input);
    return { accessToken: s.accessToken, refreshToken: s.refreshToken, user: userType(s.user) };
  }

  @Mutation(() => AuthPayload, {
    description:
      'Sign in with email and password. Five failures in 15 minutes lock the email for 15 minutes.',
  })
  @UseMiddleware(PayloadErrors)
  async signIn(
    @Arg('input', () => SignInInput) input: SignInInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Partial<AuthPayload>> {
    const s = await ctx.services.auth.signIn(ctx, input);
    return { accessToken: s.accessToken, refreshToken: s.refreshToken, user: userType(s.user) };
  }

  @Mutation(() => RefreshTokenPayload, {
    description: 'Exchange a refresh token for new tokens. Reusing a spent token ends the whole session.',
  })
  @UseMiddleware(PayloadErrors)
  async refreshToken(
    @Arg('input', () => RefreshTokenInput) input: RefreshTokenInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Partial<RefreshTokenPayload>> {
    return ctx.services.auth.refresh(ctx, input.refreshToken);
  }

  @Mutation(() => SignOutPayload, {
    description: 'End the current session: its refresh tokens stop working.',
  })
  @UseMiddleware(PayloadErrors)
  async signOut(@Ctx() ctx: RequestContext): Promise<Partial<SignOutPayload>> {
    await ctx.services.auth.signOut(ctx);
    return { ok: true };
  }
}
