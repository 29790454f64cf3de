import { USER_TYPE, userType } from '../../schema/identity/user.type';
import { UserService } from '../../services/identity/user.service';
import { nodeOf, type NodeSource } from '../common/node.resolver';
import { AuthResolver } from './auth.resolver';
import { UserResolver } from './user.resolver';

export const resolvers = [AuthResolver, UserResolver];

export const nodes: NodeSource = (services) => {
  const users = services.get(UserService);
  return { [USER_TYPE]: nodeOf((ctx, id) => users.get(ctx, id), userType) };
};
