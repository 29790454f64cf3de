import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import { toGlobalId } from '../../lib/global-id';
import type { UserView } from '../../services/identity/user-view';
import { DateTimeScalar } from '../common/scalars';
import { Node } from '../common/node';

registerEnumType(Role, {
  name: 'Role',
  description: 'What a user may do. A user can hold several roles.',
  valuesConfig: {
    BORROWER: { description: 'Applies for credit, holds accounts and cards.' },
    INVESTOR: { description: 'Funds marketplace loans.' },
    MERCHANT: { description: 'Offers pay-in-4 at checkout.' },
    ADMIN: { description: 'Underwriting and operations; created only by the command-line bootstrap.' },
  },
});

export const USER_TYPE = 'User';

@ObjectType(USER_TYPE, { implements: Node, description: 'A person with an account on the platform.' })
export class UserType extends Node {
  /** Local id, for field resolvers; not exposed. */
  localId!: string;

  @Field(() => String)
  email!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [Role])
  roles!: Role[];

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const userType = (u: UserView): UserType =>
  Object.assign(new UserType(), {
    id: toGlobalId(USER_TYPE, u.id),
    localId: u.id,
    email: u.email,
    name: u.name,
    roles: u.roles,
    createdAt: new Date(u.createdAt),
  });

@ObjectType('UserRef', { description: 'Another user, as far as the caller may see them.' })
export class UserRef {
  @Field(() => ID)
  id!: string;
}
