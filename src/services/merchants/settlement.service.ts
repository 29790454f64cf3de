import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { addDays } from '../../domain/common/calendar';
import { merchantFeePosting, settlementPaidPosting } from '../../domain/ledger/ledger';
import { settlementFigures } from '../../domain/merchants/checkout';
import { Merchant, MerchantSettlement } from '../../entities';
import { SettlementStatus } from '../../entities/merchants/merchant.entity';
import type { Config } from '../../config';
import type { Transactions, Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import { uuidv7 } from '../../lib/ids';
import type { Logger } from '../../lib/logger';
import type { AuditService } from '../common/audit.service';
import { findPage, mapConnection, type Connection } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { LedgerService } from '../ledger/ledger.service';
import {
  askGateway,
  claimPending,
  type GatewayResult,
  type PaymentGateway,
} from '../repayments/payment-gateway';
import { settlementData, settlementView, type SettlementView } from './merchant-view';
import type { WebhookService } from './webhook.service';

/** Days back the daily job looks for days not settled yet (a server down for a while catches up). */
const CATCH_UP_DAYS = 7;

/**
 * Daily settlement to merchants (SPEC section 8). For each business day: gross (checkouts
 * completed that day), refunds (made that day), fees 3% of the difference half-up, net. The
 * next day's daily job creates it PENDING (one per merchant and day: the database refuses a
 * second) with the fee posted, then pays it through the gateway after the commit, its id the
 * provider's reference; a payout left PENDING is asked again later with the same reference,
 * so it is paid exactly once. A negative net (refunds beyond the day's sales) is collected
 * from the merchant the same way; a zero net is PAID at once.
 */
export class SettlementService {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly ledger: LedgerService,
    private readonly gateway: PaymentGateway,
    private readonly webhooks: WebhookService,
  ) {}

  /** Creates the settlements of the days before `today` that have none yet, then pays them. Returns how many it created. */
  async settleBefore(em: EntityManager, today: string): Promise<number> {
    const rows = (await em.getConnection().execute(
      `select merchant_id, day::text as day, sum(gross)::bigint as gross, sum(refunds)::bigint as refunds from (
          select merchant_id, completed_on as day, amount as gross, 0 as refunds from checkout
           where completed_on >= ? and completed_on < ?
          union all
          select merchant_id, refunded_on, 0, amount from checkout_refund
           where refunded_on >= ? and refunded_on < ?) d
        where not exists (select 1 from merchant_settlement s where s.merchant_id = d.merchant_id and s.date = d.day)
        group by merchant_id, day order by day, merchant_id`,
      [addDays(today, -CATCH_UP_DAYS), today, addDays(today, -CATCH_UP_DAYS), today],
    )) as { merchant_id: string; day: string; gross: string; refunds: string }[];
    const created: string[] = [];
    for (const r of rows) {
      const id = await this.tx.run(em.fork(), (tx) =>
        this.create(tx, r.merchant_id, r.day, Number(r.gross), Number(r.refunds)),
      );
      if (id) created.push(id);
    }
    for (const id of created) await this.pay(em, id);
    return created.length;
  }

  /** One day's settlement, PENDING, with its fee posted; null if it exists already. */
  private async create(
    tx: Tx,
    merchantId: string,
    day: string,
    gross: number,
    refunds: number,
  ): Promise<string | null> {
    const { fees, net } = settlementFigures(gross, refunds);
    const [row] = (await tx.em.getConnection().execute(
      `insert into merchant_settlement (id, merchant_id, date, gross, refunds, fees, net, status, created_at, attempted_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())
       on conflict (merchant_id, date) do nothing returning id`,
      [uuidv7(), merchantId, day, gross, refunds, fees, net, SettlementStatus.PENDING, this.clock.now()],
      'all',
      tx.em.getTransactionContext(),
    )) as { id: string }[];
    if (!row) return null;
    this.ledger.post(tx, merchantFeePosting(merchantId, fees), { refId: row.id });
    this.audit.record(tx, null, {
      action: 'merchant_settlement.create',
      objectId: row.id,
      changes: { merchantId, date: day, gross, refunds, fees, net },
    });
    return row.id;
  }

  /** Pays (or collects) a PENDING settlement through the gateway, after any commit, and records the answer. */
  async pay(em: EntityManager, id: string): Promise<void> {
    const s = await em.fork().findOne(MerchantSettlement, { id });
    if (!s || s.status !== SettlementStatus.PENDING) return;
    const net = Number(s.net);
    const answer: GatewayResult | null =
      net === 0
        ? { ok: true, reference: s.id }
        : await askGateway(
            () =>
              net > 0
                ? this.gateway.payout({ accountId: s.merchantId, amount: net, reference: s.id })
                : this.gateway.charge({ accountId: s.merchantId, amount: -net, reference: s.id }),
            this.config.gatewayTimeoutMs,
          );
    if (!answer) {
      this.log.warn({ settlementId: id }, 'gateway did not answer in time; settlement stays PENDING');
      return;
    }
    await this.tx.run(em.fork(), async (tx) => {
      const locked = await tx.em.findOneOrFail(
        MerchantSettlement,
        { id },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (locked.status !== SettlementStatus.PENDING) return;
      if (!answer.ok) {
        // Kept PENDING: the recovery sweep asks again (same reference) until the provider pays it.
        locked.failureReason = answer.reason;
        return;
      }
      locked.status = SettlementStatus.PAID;
      locked.paidAt = this.clock.now();
      locked.failureReason = null;
      this.ledger.post(tx, settlementPaidPosting(locked.merchantId, Number(locked.net)), {
        refId: locked.id,
      });
      await this.webhooks.enqueue(
        tx,
        locked.merchantId,
        'settlement.paid',
        settlementData(settlementView(locked)),
      );
      this.audit.record(tx, null, {
        action: 'merchant_settlement.paid',
        objectId: locked.id,
        changes: { net: locked.net },
      });
    });
  }

  /** Settlements left PENDING (a crash, a timeout, a refusal), asked again with the same reference. */
  async recoverPending(em: EntityManager, olderThanMs: number): Promise<number> {
    const ids = await claimPending(em, 'merchant_settlement', olderThanMs);
    for (const id of ids) await this.pay(em, id);
    return ids.length;
  }

  /** The caller's settlements, newest day first. */
  async mine(
    ctx: RequestScope,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<SettlementView>> {
    const viewer = requireViewer(ctx);
    const merchant = await ctx.em.findOne(Merchant, { userId: viewer.userId });
    const where = merchant ? { merchantId: merchant.id } : { id: null };
    return mapConnection(await findPage(ctx.em, MerchantSettlement, where, args), settlementView);
  }
}
