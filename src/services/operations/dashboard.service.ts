import { forbidden } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { SnapshotFeed, type SnapshotEvent } from '../../subscriptions/common/snapshot-feed';
import { requireViewer, type Viewer } from '../common/request-scope';
import type { DashboardSnapshot, PortfolioMetricsService } from './portfolio-metrics.service';

/** SPEC section 10: the dashboard is updated at most once a second. */
export const DASHBOARD_INTERVAL_MS = 1000;

/**
 * The admins' live dashboard (`dashboardMetricsUpdated`): today's figures, taken once a
 * second on each instance while an admin watches there, once for all of them, and sent only
 * when they changed. Derived per instance, so it does not go through the outbox.
 */
export class DashboardService {
  readonly feed: SnapshotFeed<DashboardSnapshot>;

  constructor(metrics: PortfolioMetricsService, log: Logger, intervalMs = DASHBOARD_INTERVAL_MS) {
    this.feed = new SnapshotFeed({
      name: 'dashboard',
      compute: () => metrics.dashboard(),
      figures: ({ at: _at, ...figures }) => JSON.stringify(figures),
      intervalMs,
      log,
    });
  }

  /** Admins only: the current figures at once, then each change. */
  subscribe(scope: { viewer: Viewer | null }): AsyncIterableIterator<SnapshotEvent<DashboardSnapshot>> {
    if (!requireViewer(scope).isAdmin) throw forbidden();
    return this.feed.open();
  }

  /** With the server's other background work (the scheduler's loops): stopped at shutdown. */
  start(): void {
    this.feed.start();
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }
}
