import type { EntityManager } from '@mikro-orm/postgresql';
import { IsolationLevel } from '@mikro-orm/core';
import { OutboxEvent } from '../entities';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { OutboxRelay } from '../subscriptions/common/outbox-relay';
import type { NewEvent } from '../subscriptions/common/topics';

export { IsolationLevel };

/** A running transaction: its EntityManager, and the outbox of the change it makes. */
export class Tx {
  wroteEvents = false;
  constructor(
    readonly em: EntityManager,
    private readonly clock: Clock,
  ) {}

  /** Announce a change; written in this transaction, so it is sent if and only if the change commits. */
  emit(event: NewEvent): void {
    const row = this.em.create(OutboxEvent, {
      type: event.type,
      audience: event.audience,
      objectId: event.objectId ?? null,
      payload: event.payload,
      createdAt: this.clock.now(),
    });
    this.em.persist(row);
    this.wroteEvents = true;
  }

  /**
   * Runs `work` in a savepoint of this transaction: if it throws, what it did is undone and
   * the rest of the transaction goes on (the error still propagates to the caller).
   */
  savepoint<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.em.transactional(async (em) => {
      const inner = new Tx(em, this.clock);
      const result = await work(inner);
      if (inner.wroteEvents) this.wroteEvents = true;
      return result;
    });
  }
}

/**
 * The EntityManager of a draft: `create` builds the entity (its constructor gives its id
 * and defaults) and `persist` writes it down, with no identity map, change sets or flush.
 * Nothing else is there: a service that reads through a draft fails at once.
 */
class DraftEntityManager {
  readonly rows: object[] = [];
  create<T extends object>(entity: new () => T, data: Partial<T>): T {
    return Object.assign(new entity(), data);
  }
  persist(entity: object): this {
    this.rows.push(entity);
    return this;
  }
}

/**
 * A transaction only written down: the services build its rows exactly as they would in a
 * real one (`tx.em.create`, `tx.em.persist`, `tx.emit`), and a hot path writes `rows` with
 * one statement of its own (see `PurchaseApproval`). Building them through the ORM's unit
 * of work instead cost a fifth of an authorisation's CPU.
 */
export class DraftTx extends Tx {
  private readonly draft: DraftEntityManager;
  constructor(clock: Clock) {
    const draft = new DraftEntityManager();
    super(draft as unknown as EntityManager, clock);
    this.draft = draft;
  }
  /** Every row created and persisted, in order. */
  get rows(): readonly object[] {
    return this.draft.rows;
  }
}

/** SQLSTATEs worth another attempt: the transaction lost a race, not a rule. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 4;

export function isRetryable(err: unknown): boolean {
  const e = err as { code?: string; sqlState?: string; cause?: { code?: string } } | null;
  const code = e?.code ?? e?.sqlState ?? e?.cause?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Transactions, and the rules every money path follows (SPEC sections 5 and 11):
 *
 * - **One lock order.** A transaction that moves money takes its locks in this order and
 *   never the other way round, so two money paths can wait for each other but never
 *   deadlock: the idempotency key (its row is inserted first), then the credit account
 *   (`SELECT … FOR UPDATE`, or the guarded `UPDATE credit_account` of a purchase), then the
 *   card transaction, then plans and installments, then the payment or disbursement record,
 *   then the owner's reward balance, then their reward redemptions; on a marketplace loan,
 *   after the account: its listing, its notes, then the investors' cash balances (an
 *   investment, a distribution, an expiry; a deposit or withdrawal takes only the
 *   investor's cash); a merchant checkout's confirmation or refund: the shopper's account,
 *   then the checkout (an expiry sweep locks only open checkouts, skipping held ones).
 *   Payments, refunds,
 *   conversions, redemptions, settlements and each account's daily-job step all start by
 *   locking the account. One exception: an approved card purchase written in one statement
 *   (`PurchaseApproval`) takes the account row before it inserts its key. Only a call with
 *   the same key can wait on that key, so the worst case is a deadlock between two calls
 *   with one key, which PostgreSQL breaks; the purchase then takes the general path.
 * - **No network call inside a transaction.** `run` may roll back and retry its work, so a
 *   gateway call is never made inside it: the record is committed PENDING with a stable
 *   reference (the provider's idempotency key), the gateway is asked after the commit, and
 *   its answer settles the record in a second transaction (see `RepaymentService`).
 */
export class Transactions {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** After a commit made outside `run` (a single multi-insert statement) that wrote events. */
  eventsCommitted(): void {
    this.relay.kick();
  }

  /** The outbox row of an event, for a multi-insert statement. */
  outboxRow(event: NewEvent) {
    return {
      type: event.type,
      audience: event.audience,
      object_id: event.objectId ?? null,
      payload: event.payload,
      created_at: this.clock.now(),
    };
  }

  /**
   * Runs `work` in one database transaction, flushed and committed at the end. Serialization
   * failures and deadlocks are retried a bounded number of times with jitter; any other
   * error rolls back and propagates. Events emitted inside are relayed after the commit.
   */
  async run<T>(em: EntityManager, work: (tx: Tx) => Promise<T>, isolationLevel?: IsolationLevel): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let tx: Tx | null = null;
      try {
        const result = await em.transactional(
          async (txEm) => {
            tx = new Tx(txEm, this.clock);
            return work(tx);
          },
          { isolationLevel },
        );
        if (tx && (tx as Tx).wroteEvents) this.relay.kick();
        return result;
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
        this.log.debug({ attempt, code: (err as { code?: string }).code }, 'transaction conflict; retrying');
        em.clear();
        await sleep(Math.random() * 10 * attempt);
      }
    }
  }
}
