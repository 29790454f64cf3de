import { AsyncLocalStorage } from 'node:async_hooks';
import { AuditEntry } from '../../entities';
import type { Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import { uuidv7 } from '../../lib/ids';

export interface AuditRecord {
  action: string;
  objectId: string;
  /** Defaults to the signed-in viewer; null for the system. */
  actorId?: string | null;
  changes?: Record<string, unknown> | null;
}

/**
 * Append-only audit trail, written in the transaction of the change it records. Every entry
 * names its actor (null: the system), action, object, time, request id and what changed:
 * each changed field as `[before, after]`, or the values a new object was created with;
 * never secrets, card numbers, passwords, tokens, or a person's email or name (entries are
 * kept after a person is erased, and the database refuses to change them).
 */
export class AuditService {
  /** The request id of background work (`daily-job:<day>`) for entries written without a request. */
  private readonly background = new AsyncLocalStorage<string>();

  constructor(private readonly clock: Clock) {}

  /** Runs `work` with `requestId` on every entry it writes without a request of its own. */
  within<T>(requestId: string, work: () => Promise<T>): Promise<T> {
    return this.background.run(requestId, work);
  }

  private requestId(ctx: { requestId: string } | null): string | null {
    return ctx?.requestId ?? this.background.getStore() ?? null;
  }

  /** The row, for callers that write with one multi-insert statement. */
  row(ctx: { requestId: string; viewer?: { userId: string } | null } | null, entry: AuditRecord) {
    return {
      id: uuidv7(),
      at: this.clock.now(),
      actor_id: entry.actorId !== undefined ? entry.actorId : (ctx?.viewer?.userId ?? null),
      action: entry.action,
      object_id: entry.objectId,
      request_id: this.requestId(ctx),
      changes: entry.changes ?? null,
    };
  }

  record(
    tx: Tx,
    ctx: { requestId: string; viewer?: { userId: string } | null } | null,
    entry: AuditRecord,
  ): void {
    tx.em.persist(
      tx.em.create(AuditEntry, {
        at: this.clock.now(),
        actorId: entry.actorId !== undefined ? entry.actorId : (ctx?.viewer?.userId ?? null),
        action: entry.action,
        objectId: entry.objectId,
        requestId: this.requestId(ctx),
        changes: entry.changes ?? null,
      }),
    );
  }
}
