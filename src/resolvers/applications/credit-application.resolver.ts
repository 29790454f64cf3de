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
import type { RequestScope } from '../../services/common/request-scope';
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
import { CreditApplicationService } from '../../services/applications/credit-application.service';
import { UserService } from '../../services/identity/user.service';
import { Clock } from '../../lib/clock';

@Resolver(() => ApplicationType)
export class CreditApplicationResolver {
  constructor(
    private readonly applicationService: CreditApplicationService,
    private readonly users: UserService,
    private readonly clock: Clock,
  ) {}

  @Query(() => DecisionSimulation, {
    description:
      'The decision an application would get ("check your rate"). No sign-in needed; nothing is stored.',
  })
  @UseMiddleware(PayloadErrors)
  async simulateDecision(
    @Arg('input', () => SubmitApplicationInput) input: SubmitApplicationInput,
    @Ctx() ctx: RequestScope,
  ): Promise<Partial<DecisionSimulation>> {
    return simulationType(await this.applicationService.simulate(ctx, input));
  }

  @Authorized()
  @Mutation(() => ApplicationPayload, { description: 'Apply for credit; the decision is in the response.' })
  @UseMiddleware(PayloadErrors)
  async submitApplication(
    @Arg('input', () => SubmitApplicationInput) input: SubmitApplicationInput,
    @Ctx() ctx: RequestScope,
  ) {
    return this.payload(await this.applicationService.submit(ctx, input));
  }

  @Authorized()
  @Mutation(() => ApplicationPayload, { description: 'Change a referred application; the decision re-runs.' })
  @UseMiddleware(PayloadErrors)
  async updateApplication(
    @Arg('input', () => UpdateApplicationInput) input: UpdateApplicationInput,
    @Ctx() ctx: RequestScope,
  ) {
    return this.payload(await this.applicationService.update(ctx, input));
  }

  @Authorized()
  @Mutation(() => ApplicationPayload, {
    description: 'Withdraw an approved (not yet accepted) or referred application.',
  })
  @UseMiddleware(PayloadErrors)
  async cancelApplication(
    @Arg('input', () => CancelApplicationInput) input: CancelApplicationInput,
    @Ctx() ctx: RequestScope,
  ) {
    return this.payload(await this.applicationService.cancel(ctx, input.applicationId));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ApplicationPayload, {
    description: 'Admins: approve or decline a referred application, with a note.',
  })
  @UseMiddleware(PayloadErrors)
  async reviewApplication(
    @Arg('input', () => ReviewApplicationInput) input: ReviewApplicationInput,
    @Ctx() ctx: RequestScope,
  ) {
    return this.payload(await this.applicationService.review(ctx, input));
  }

  @Authorized()
  @Query(() => ApplicationType, {
    nullable: true,
    description: 'An application of yours (admins: anyone’s).',
  })
  async application(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: RequestScope,
  ): Promise<ApplicationType | null> {
    const v = await this.applicationService.get(ctx, id);
    return v ? applicationType(v, this.clock.now()) : null;
  }

  @Authorized(Role.ADMIN)
  @Query(() => ApplicationConnection, {
    description: 'Admins: every applicant’s applications, oldest first, by status.',
  })
  async applications(
    @Ctx() ctx: RequestScope,
    @Arg('status', () => ApplicationStatus, { nullable: true }) status?: string,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.applicationService.queue(ctx, { status, first, after });
    const now = this.clock.now();
    return {
      ...page,
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: applicationType(e.node, now) })),
    };
  }

  @FieldResolver(() => UserType)
  async applicant(@Root() app: ApplicationType, @Ctx() ctx: RequestScope): Promise<UserType> {
    return userType(await this.users.ofRecord(ctx, app.applicantId));
  }

  @Subscription(() => ApplicationEvent, {
    description:
      'Changes to your applications (one, with `applicationId`). Admins with an `applicationId` follow anyone’s; without one, all. Pass `since` to resume.',
    subscribe: liveSubscribe(EventType.applicationUpdated, 'applicationId', true),
  })
  async applicationUpdated(
    @Root() event: LiveEvent,
    @Ctx() ctx: RequestScope,
    @Arg('applicationId', () => ID, { nullable: true }) _applicationId?: string,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): Promise<ApplicationEvent> {
    // Visibility was checked on the event's audience; what is shown is the application's current state.
    const view = await this.applicationService.loadForEvent(ctx, (event.payload as { id: string }).id);
    return { cursor: event.cursor, application: applicationType(view, this.clock.now()) };
  }

  private payload(v: ApplicationView) {
    return { application: applicationType(v, this.clock.now()) };
  }
}
