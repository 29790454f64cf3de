import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { SandboxClockRow } from '../../entities';
import { DomainError, UserErrorCode, forbidden, unauthenticated } from '../../lib/errors';
import type { RequestScope } from '../common/request-scope';
import type { Config } from '../../config';
import type { Clock } from '../../lib/clock';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { DailyJobService } from './daily-job.service';

const DAY = 86_400_000;

/**
 * The movable business clock of the sandbox (like test clocks of card-issuing sandboxes).
 * The offset is stored in the database, so every instance follows it; advancing runs the
 * daily job for every day crossed. Refused in production.
 */
export class SandboxService {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly dailyJob: DailyJobService,
  ) {}

  private advancing = false;

  async load(em: EntityManager): Promise<void> {
    if (this.advancing) return;
    const row = await em.fork().findOne(SandboxClockRow, { id: 1 });
    if (row && this.config.sandbox) this.clock.setOffset(Number(row.offsetMs));
  }

  /** The business date and time, for a signed-in caller. */
  now(ctx: RequestScope) {
    if (!ctx.viewer) throw unauthenticated();
    return { today: this.clock.today(), now: this.clock.now() };
  }

  async advance(ctx: RequestScope, days: number) {
    if (!ctx.viewer) throw unauthenticated();
    if (!ctx.viewer.isAdmin) throw forbidden();
    if (!this.config.sandbox)
      throw new DomainError(UserErrorCode.SANDBOX_ONLY, 'The clock only moves in the sandbox.');
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'Advance by 1 to 3650 days.', ['input', 'days']);
    }
    // One advance at a time, across instances: the clock row stays locked until the last day ran.
    this.advancing = true;
    try {
      await this.advanceLocked(ctx, days);
    } finally {
      this.advancing = false;
    }
    return this.now(ctx);
  }

  private async advanceLocked(ctx: RequestScope, days: number): Promise<void> {
    await this.tx.run(ctx.em, async (tx) => {
      const row = await tx.em.findOneOrFail(
        SandboxClockRow,
        { id: 1 },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      let offset = Number(row.offsetMs);
      for (let d = 0; d < days; d++) {
        offset += DAY;
        this.clock.setOffset(offset);
        await this.dailyJob.run(ctx.em.fork(), this.clock.today(), this.clock.now());
      }
      row.offsetMs = offset;
      this.audit.record(tx, ctx, {
        action: 'sandbox.advance',
        objectId: 'sandbox_clock',
        changes: { days, offsetMs: offset },
      });
    });
  }
}
