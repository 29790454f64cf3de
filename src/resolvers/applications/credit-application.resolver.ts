import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  UseMiddleware,
} from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import { forbidden, unauthenticated } from '../../lib/errors';
import type { RequestContext } from '../../server/context';
import { PayloadErrors } from '../../schema/common/payload';
import {
  CancelApplicationInput,
  ReviewApplicationInput,
  SubmitApplicationInput,
  UpdateApplicationInput,
} from '../../schema/applications/application.inputs';
import {
  ApplicationConnection,
  ApplicationEvent,
  ApplicationPayload,
  ApplicationType,
  DecisionSimulation,
  applicationType,
  simulationType,
} from '../../schema/applications/application.types';
import { ApplicationStatus } from '../../entities/applications/credit-application.entity';
import { UserType, userType } from '../../schema/identity/user.type';
import type { ApplicationView } from '../../services/applications/application-view';
import { EventType, type LiveEvent } from '../../subscriptions/common/topics';
import { liveSubscribe } from '../common/live-subscribe';

const payload = (ctx: RequestContext, v: ApplicationView) => ({
  application: applicationType(v, ctx.services.clock.now()),
});

@Resolver(() => ApplicationType)
export class CreditApplicationResolver {
  @Query(() => DecisionSimulation, {
    description:
      'The decision an application would get ("check your rate"). No sign-in needed; nothing is stored.',
  })
  @UseMiddleware(PayloadErrors)
  async simulateDecision(
    @Arg('input', () => SubmitApplicationInput) input: SubmitApplicationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Partial<DecisionSimulation>> {
    return simulationType(await ctx.services.applications.simulate(ctx, input));
  }

  @Authorized()
  @Mutation(() => ApplicationPayload, { description: 'Apply for credit; the decision is in the response.' })
  @UseMiddleware(PayloadErrors)
  async submitApplication(
    @Arg('input', () => SubmitApplicationInput) input: SubmitApplicationInput,
    @Ctx() ctx: RequestContext,
  ) {
    return payload(ctx, await ctx.services.applications.submit(ctx, input));
  }

  @Authorized()
  @Mutation(() => ApplicationPayload, { description: 'Change a referred application; the decision re-runs.' })
  @UseMiddleware(PayloadErrors)
  async updateApplication(
    @Arg('input', () => UpdateApplicationInput) input: UpdateApplicationInput,
    @Ctx() ctx: RequestContext,
  ) {
    return payload(ctx, await ctx.services.applications.update(ctx, input));
  }

  @Authorized()
  @Mutation(() => ApplicationPayload, {
    description: 'Withdraw an approved (not yet accepted) or referred application.',
  })
  @UseMiddleware(PayloadErrors)
  async cancelApplication(
    @Arg('input', () => CancelApplicationInput) input: CancelApplicationInput,
    @Ctx() ctx: RequestContext,
  ) {
    return payload(ctx, await ctx.services.applications.cancel(ctx, input.applicationId));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApplicationPayload, {
    description: 'Admins: approve or decline a referred application, with a note.',
  })
  @UseMiddleware(PayloadErrors)
  async reviewApplication(
    @Arg('input', () => ReviewApplicationInput) input: ReviewApplicationInput,
    @Ctx() ctx: RequestContext,
  ) {
    return payload(ctx, await ctx.services.applications.review(ctx, input));
  }

  @Authorized()
  @Query(() => ApplicationType, {
    nullable: true,
    description: 'An application of yours (admins: anyone’s).',
  })
  async application(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ApplicationType | null> {
    const v = await ctx.services.applications.get(ctx, id);
    return v ? applicationType(v, ctx.services.clock.now()) : null;
  }

  @Authorized(Role.ADMIN)
  @Query(() => ApplicationConnection, {
    description: 'Admins: every applicant’s applications, oldest first, by status.',
  })
  async applications(
    @Ctx() ctx: RequestContext,
    @Arg('status', () => ApplicationStatus, { nullable: true }) status?: string,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await ctx.services.applications.queue(ctx, { status, first, after });
    const now = ctx.services.clock.now();
    return {
      ...page,
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: applicationType(e.node, now) })),
    };
  }

  @FieldResolver(() => UserType)
  async applicant(@Root() app: ApplicationType, @Ctx() ctx: RequestContext): Promise<UserType> {
    if (!ctx.viewer) throw unauthenticated();
    if (ctx.viewer.userId !== app.applicantId && !ctx.viewer.isAdmin) throw forbidden();
    const u = await ctx.loaders.userById.load(app.applicantId);
    return userType(u!);
  }

  @Subscription(() => ApplicationEvent, {
    description:
      'Changes to your applications (one, with `applicationId`). Admins with an `applicationId` follow anyone’s; without one, all. Pass `since` to resume.',
    subscribe: liveSubscribe(EventType.applicationUpdated, 'applicationId', true),
  })
  async applicationUpdated(
    @Root() event: LiveEvent,
    @Ctx() ctx: RequestContext,
    @Arg('applicationId', () => ID, { nullable: true }) _applicationId?: string,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): Promise<ApplicationEvent> {
    // Visibility was checked on the event's audience; what is shown is the application's current state.
    const view = await ctx.services.applications.loadForEvent(ctx, (event.payload as { id: string }).id);
    return { cursor: event.cursor, application: applicationType(view, ctx.services.clock.now()) };
  }
}
