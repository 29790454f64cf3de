import { User } from '../../entities';
import type { RequestContext } from '../../server/context';

export class UserService {
  /** The signed-in user, or null (also when the account was deleted since the token was issued). */
  async me(ctx: RequestContext): Promise<User | null> {
    if (!ctx.viewer) return null;
    const user = await ctx.loaders.userById.load(ctx.viewer.userId);
    return user && !user.deletedAt ? user : null;
  }
}
