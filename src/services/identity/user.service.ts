import { User } from '../../entities';
import type { RequestScope } from '../common/request-scope';

export class UserService {
  /** The signed-in user, or null (also when the account was deleted since the token was issued). */
  async me(ctx: RequestScope): Promise<User | null> {
    if (!ctx.viewer) return null;
    return this.get(ctx, ctx.viewer.userId);
  }

  /** A user, for themselves or an admin; null when absent, deleted or someone else's. */
  async get(ctx: RequestScope, id: string): Promise<User | null> {
    if (ctx.viewer?.userId !== id && !ctx.viewer?.isAdmin) return null;
    const user = await ctx.loaders.userById.load(id);
    return user && !user.deletedAt ? user : null;
  }
}
