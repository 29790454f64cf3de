import { Arg, Authorized, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import { DateScalar } from '../../schema/common/scalars';
import {
  DashboardMetricsType,
  PortfolioMetricsType,
  dashboardMetricsType,
  portfolioMetricsType,
} from '../../schema/operations/metrics.types';
import type { RequestScope } from '../../services/common/request-scope';
import { DashboardService } from '../../services/operations/dashboard.service';
import type { DashboardSnapshot } from '../../services/operations/portfolio-metrics.service';
import { PortfolioMetricsService } from '../../services/operations/portfolio-metrics.service';
import type { SnapshotEvent } from '../../subscriptions/common/snapshot-feed';
import type { ResolverContext } from '../common/context';

@Resolver()
export class MetricsResolver {
  constructor(private readonly metrics: PortfolioMetricsService) {}

  @Authorized(Role.ADMIN)
  @Query(() => PortfolioMetricsType, {
    description:
      'Admins: portfolio analytics over business days `from` to `to`, both included (defaults: `to` today on the sandbox clock, `from` 29 days before `to`; at most 366 days; `from` after `to` is refused with BAD_USER_INPUT).',
  })
  async portfolioMetrics(
    @Ctx() ctx: RequestScope,
    @Arg('from', () => DateScalar, { nullable: true }) from?: string | null,
    @Arg('to', () => DateScalar, { nullable: true }) to?: string | null,
  ): Promise<PortfolioMetricsType> {
    return portfolioMetricsType(await this.metrics.portfolio(ctx, { from, to }));
  }

  @Authorized(Role.ADMIN)
  @Subscription(() => DashboardMetricsType, {
    description:
      "Admins: today's figures, live: a snapshot at once, then each change, at most once a second. Nothing to resume: each message is a fresh snapshot.",
    subscribe: ({ context }: SubscribeResolverData<unknown, Record<string, unknown>, ResolverContext>) =>
      context.container.get(DashboardService).subscribe(context),
  })
  dashboardMetricsUpdated(@Root() event: SnapshotEvent<DashboardSnapshot>): DashboardMetricsType {
    return dashboardMetricsType(event.snapshot);
  }
}
