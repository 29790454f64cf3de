import { forbidden } from '../../lib/errors';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { userView, type UserView } from './user-view';

export class UserService {
  /**
   * The signed-in user, or null (also when the account was deleted since the token was
   * issued). Over HTTP the session check has already read it, in the same statement
   * (`RequestScope.viewerAccount`); `me` is a query field, so nothing of this request can
   * have changed it since.
   */
  async me(ctx: RequestScope): Promise<UserView | null> {
    if (!ctx.viewer) return null;
    if (ctx.viewerAccount !== undefined) return ctx.viewerAccount;
    return this.get(ctx, ctx.viewer.userId);
  }

  /** A user, for themselves or an admin; null when absent, deleted or someone else's. */
  async get(ctx: RequestScope, id: string): Promise<UserView | null> {
    if (ctx.viewer?.userId !== id && !ctx.viewer?.isAdmin) return null;
    const user = await ctx.loaders.userById.load(id);
    return user && !user.deletedAt ? userView(user) : null;
  }

  /**
   * A user named by a record the caller was shown (an application's applicant, an audit
   * entry's actor): themselves, or anyone for an admin (FORBIDDEN otherwise). Records keep
   * showing their user after the account is deleted, then pseudonymised.
   */
  async ofRecord(ctx: RequestScope, userId: string): Promise<UserView> {
    const viewer = requireViewer(ctx);
    if (viewer.userId !== userId && !viewer.isAdmin) throw forbidden();
    const user = await ctx.loaders.userById.load(userId);
    return userView(user!);
  }
}
