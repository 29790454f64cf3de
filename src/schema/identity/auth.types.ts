import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, InputType, ObjectType } from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import { UserError } from '../common/user-error.type';
import { UserType } from './user.type';

@InputType({ description: 'A new account.' })
export class SignUpInput {
  @Field(() => String)
  @MaxLength(254)
  email!: string;

  @Field(() => String, { description: 'At least 8 characters.' })
  @MaxLength(128)
  password!: string;

  @Field(() => String)
  @MaxLength(500)
  name!: string;

  @Field(() => [Role], {
    nullable: true,
    description: 'BORROWER (default), INVESTOR, MERCHANT. ADMIN cannot be chosen.',
  })
  @IsOptional()
  @ArrayMaxSize(3)
  roles?: Role[] | null;
}

@InputType({ description: 'Email and password, to sign in.' })
export class SignInInput {
  @Field(() => String)
  @MaxLength(254)
  email!: string;

  @Field(() => String)
  @MaxLength(128)
  password!: string;
}

@InputType({ description: 'The refresh token to exchange for new tokens.' })
export class RefreshTokenInput {
  @Field(() => String)
  @MaxLength(200)
  refreshToken!: string;
}

@ObjectType({ description: 'A new session: tokens and the user.' })
export class AuthPayload {
  @Field(() => String, { nullable: true, description: 'JWT for `Authorization: Bearer`, valid 15 minutes.' })
  accessToken?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Exchange it with `refreshToken` for new tokens; single use.',
  })
  refreshToken?: string | null;

  @Field(() => UserType, { nullable: true })
  user?: UserType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `refreshToken`: a new pair of tokens, or user errors.' })
export class RefreshTokenPayload {
  @Field(() => String, { nullable: true })
  accessToken?: string | null;

  @Field(() => String, { nullable: true, description: 'The replacement; the token sent is now spent.' })
  refreshToken?: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of `signOut`: whether the session ended, or user errors.' })
export class SignOutPayload {
  @Field(() => Boolean)
  ok!: boolean;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
