import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { webhookRetryDelayMs, WEBHOOK_RETRY_WINDOW_MS } from '../../domain/merchants/checkout';
import { webhookSignature } from './webhook-signature';
import { isWebhookEvent, webhookUrlProblem, WEBHOOK_EVENTS } from './webhook-url';
import { Merchant, WebhookDelivery, WebhookEndpoint } from '../../entities';
import { DeliveryStatus } from '../../entities/merchants/merchant.entity';
import { Role } from '../../entities/identity/user.entity';
import type { Config } from '../../config';
import type { Transactions, Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { DomainError, FieldErrors, forbidden, UserErrorCode } from '../../lib/errors';
import { localId } from '../../lib/global-id';
import { uuidv7 } from '../../lib/ids';
import type { AuditService } from '../common/audit.service';
import { findPage, mapConnection, type Connection } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { CardVault } from '../accounts/card-vault';
import { activeMerchant } from './merchant.service';
import {
  attemptView,
  deliveryView,
  WEBHOOK_TYPE,
  webhookView,
  type AttemptView,
  type DeliveryView,
  type WebhookView,
} from './merchant-view';

const MAX_ENDPOINTS = 10;
/** Deliveries one worker pass takes at most. */
const BATCH = 20;

interface Claimed {
  id: string;
  endpoint_id: string;
  body: string;
  attempts: number;
  created_at: Date | string;
  /** The lease of the previous claim when it lapsed without the attempt finishing, else null. */
  lapsed_lease: Date | string | null;
}

/**
 * Webhooks (SPEC section 8): a merchant registers endpoints; each event owed is written as a
 * delivery in the transaction of its cause (`enqueue`), with its JSON body fixed then, so its
 * `id` and bytes are the same on every attempt. A worker claims due deliveries with a lease
 * (`locked_until`, rows locked SKIP LOCKED), so one worker at a time holds each across
 * instances; each attempt is signed afresh (`X-Signature: t=…,v1=…`), has a timeout, and is
 * recorded; failures are retried with exponential backoff and jitter for 24 hours. A crash
 * mid-attempt leaves the lease to lapse and the delivery is tried again (the cut-off attempt
 * recorded then, as `interrupted`): at least once, de-duplicated by receivers with the stable `id`.
 */
export class WebhookService {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly vault: CardVault,
  ) {}

  /** A new endpoint; the signing secret (`whsec_…`) is shown once here, and kept encrypted to sign. */
  async register(
    ctx: RequestScope,
    input: { url: string; events: string[] },
  ): Promise<{ webhook: WebhookView; signingSecret: string }> {
    const viewer = requireViewer(ctx);
    const errors = new FieldErrors();
    const url = input.url.trim();
    const problem = webhookUrlProblem(url, !this.config.sandbox);
    if (problem) errors.add(['input', 'url'], problem);
    const events = [...new Set(input.events)];
    if (!events.length || events.some((e) => !isWebhookEvent(e)))
      errors.add(['input', 'events'], `Choose among ${WEBHOOK_EVENTS.join(', ')}.`);
    errors.throwIfAny();
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    return this.tx.run(ctx.em, async (tx) => {
      const m = await activeMerchant(tx.em, viewer);
      if ((await tx.em.count(WebhookEndpoint, { merchantId: m.id, disabledAt: null })) >= MAX_ENDPOINTS)
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `At most ${MAX_ENDPOINTS} webhooks; remove one first.`,
        );
      const endpoint = tx.em.create(WebhookEndpoint, {
        merchantId: m.id,
        url,
        events,
        secretEncrypted: this.vault.encrypt(secret),
        createdAt: this.clock.now(),
      });
      tx.em.persist(endpoint);
      this.audit.record(tx, ctx, {
        action: 'webhook.register',
        objectId: endpoint.id,
        changes: { events }, // not the URL: it can carry a person's domain or a receiver's token
      });
      return { webhook: webhookView(endpoint), signingSecret: secret };
    });
  }

  /** Stops sending to an endpoint; what it was owed is not sent. */
  async remove(ctx: RequestScope, input: { webhookId: string }): Promise<WebhookView> {
    const viewer = requireViewer(ctx);
    const id = localId(input.webhookId, WEBHOOK_TYPE);
    return this.tx.run(ctx.em, async (tx) => {
      const m = await tx.em.findOne(Merchant, { userId: viewer.userId });
      const endpoint = id && m ? await tx.em.findOne(WebhookEndpoint, { id, merchantId: m.id }) : null;
      if (!endpoint)
        throw new DomainError(UserErrorCode.NOT_FOUND, 'No such webhook.', ['input', 'webhookId']);
      if (!endpoint.disabledAt) {
        endpoint.disabledAt = this.clock.now();
        await tx.em
          .getConnection()
          .execute(
            `update webhook_delivery set status = 'FAILED' where endpoint_id = ? and status = 'PENDING'`,
            [endpoint.id],
            'run',
            tx.em.getTransactionContext(),
          );
        this.audit.record(tx, ctx, { action: 'webhook.remove', objectId: endpoint.id });
      }
      return webhookView(endpoint);
    });
  }

  /** The caller's endpoints, newest first. */
  async endpoints(ctx: RequestScope): Promise<WebhookView[]> {
    const viewer = requireViewer(ctx);
    if (!viewer.roles.includes(Role.MERCHANT)) throw forbidden();
    const m = await ctx.em.findOne(Merchant, { userId: viewer.userId });
    if (!m) return [];
    return (await ctx.em.find(WebhookEndpoint, { merchantId: m.id }, { orderBy: { id: 'desc' } })).map(
      webhookView,
    );
  }

  /** An endpoint's deliveries, newest first (the endpoint was shown to the caller). */
  async deliveries(
    ctx: RequestScope,
    endpointId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<DeliveryView>> {
    requireViewer(ctx);
    return mapConnection(await findPage(ctx.em, WebhookDelivery, { endpointId }, args), deliveryView);
  }

  /** A delivery's attempts, in order. */
  async attempts(ctx: RequestScope, deliveryId: string): Promise<AttemptView[]> {
    requireViewer(ctx);
    // In id order, which is the order they were recorded: an interrupted one is recorded when
    // its delivery is claimed again, before the next attempt.
    return (await ctx.loaders.attemptsByDelivery.load(deliveryId)).map(attemptView);
  }

  /**
   * Owes `type` with `data` to each of the merchant's endpoints that listens for it, in the
   * caller's transaction (so it is owed exactly when its cause commits).
   */
  async enqueue(tx: Tx, merchantId: string, type: string, data: Record<string, unknown>): Promise<void> {
    const endpoints = await tx.em.find(WebhookEndpoint, {
      merchantId,
      disabledAt: null,
      events: { $contains: [type] },
    });
    const now = new Date();
    for (const endpoint of endpoints) {
      const delivery = tx.em.create(WebhookDelivery, {
        endpointId: endpoint.id,
        merchantId,
        type,
        body: '',
        createdAt: now,
        nextAttemptAt: now,
      });
      delivery.body = JSON.stringify({
        id: delivery.id,
        type,
        createdAt: this.clock.now().toISOString(),
        data,
      });
      tx.em.persist(delivery);
    }
  }

  /**
   * One pass of the worker: claims what is due and attempts each (in parallel). Returns how many.
   * A claim whose previous lease lapsed unfinished (`locked_until` still set: a finished attempt
   * clears it) had its worker die mid-attempt; that attempt is recorded now, as `interrupted`,
   * in the claim's transaction, so every attempt shows (the receiver may have got that POST).
   */
  async deliverDue(em: EntityManager): Promise<number> {
    const leaseMs = this.config.webhookTimeoutMs * 2 + 1000;
    const conn = em.getConnection();
    const claimed = await conn.transactional(async (trx) => {
      const rows = (await conn.execute(
        `with due as (select id, locked_until from webhook_delivery
                       where status = 'PENDING' and next_attempt_at <= now()
                         and (locked_until is null or locked_until < now())
                       order by next_attempt_at limit ? for update skip locked)
         update webhook_delivery d
            set locked_until = now() + (? * interval '1 millisecond'), attempts = d.attempts + 1
           from due where d.id = due.id
         returning d.id, d.endpoint_id, d.body, d.attempts, d.created_at, due.locked_until as lapsed_lease`,
        [BATCH, leaseMs],
        'all',
        trx,
      )) as Claimed[];
      const lost = rows.filter((r) => r.lapsed_lease);
      if (lost.length)
        await conn.execute(
          `insert into webhook_attempt (id, delivery_id, attempted_at, status_code, error, duration_ms)
           values ${lost.map(() => `(?, ?, ?, null, 'interrupted', 0)`).join(', ')}`,
          // Made when that lease was taken (its end less the lease); how long it ran is unknown: 0.
          lost.flatMap((r) => [uuidv7(), r.id, new Date(new Date(r.lapsed_lease!).getTime() - leaseMs)]),
          'run',
          trx,
        );
      return rows;
    });
    if (!claimed.length) return 0;
    const endpoints = await em
      .fork()
      .find(WebhookEndpoint, { id: { $in: [...new Set(claimed.map((c) => c.endpoint_id))] } });
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    // Every attempt is let finish before the pass ends (shutdown waits for the pass), even when one fails.
    const results = await Promise.allSettled(
      claimed.map((c) => this.attempt(em, c, byId.get(c.endpoint_id)!)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return claimed.length;
  }

  /** One signed POST, recorded; then delivered, or the next attempt scheduled, or given up after 24 hours. */
  private async attempt(em: EntityManager, d: Claimed, endpoint: WebhookEndpoint): Promise<void> {
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const secret = this.vault.decrypt(endpoint.secretEncrypted);
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'credit-platform-webhooks/1',
          'x-signature': webhookSignature(secret, Math.floor(Date.now() / 1000), d.body),
          'x-webhook-id': d.id,
        },
        body: d.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => undefined);
    } catch (err) {
      // By name, not `instanceof Error`: the DOMException of the timeout may come from another realm.
      error = (err as { name?: unknown } | null)?.name === 'TimeoutError' ? 'timeout' : 'connection failed';
    }
    const finished = Date.now();
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const delay = webhookRetryDelayMs(d.attempts, this.config.webhookRetryBaseMs, Math.random());
    const givesUp = !ok && finished + delay - new Date(d.created_at).getTime() > WEBHOOK_RETRY_WINDOW_MS;
    const status = ok ? DeliveryStatus.DELIVERED : givesUp ? DeliveryStatus.FAILED : DeliveryStatus.PENDING;
    const conn = em.getConnection();
    await conn.transactional(async (trx) => {
      // Recorded only while this worker still holds it: once its lease lapsed and the delivery
      // was claimed again, the next claim has recorded this attempt as interrupted.
      await conn.execute(
        `insert into webhook_attempt (id, delivery_id, attempted_at, status_code, error, duration_ms)
         select cast(? as uuid), cast(? as uuid), cast(? as timestamptz), cast(? as integer), cast(? as text),
                cast(? as integer)
          where exists (select 1 from webhook_delivery where id = ? and attempts = ?)`,
        [uuidv7(), d.id, new Date(started), statusCode, error, finished - started, d.id, d.attempts],
        'run',
        trx,
      );
      // Only while this worker still holds it (its attempt number): a lapsed lease lost it.
      await conn.execute(
        `update webhook_delivery set status = ?, last_status_code = ?, locked_until = null,
                delivered_at = ?, next_attempt_at = ?
          where id = ? and attempts = ? and status = 'PENDING'`,
        [status, statusCode, ok ? new Date(finished) : null, new Date(finished + delay), d.id, d.attempts],
        'run',
        trx,
      );
    });
    if (!ok) this.log.info({ deliveryId: d.id, statusCode, error, status }, 'webhook attempt failed');
  }
}
