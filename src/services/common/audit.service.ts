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

/** Append-only audit trail, written in the transaction of the change it records. */
export class AuditService {
  constructor(private readonly clock: Clock) {}

  /** The row, for callers that write with one multi-insert statement. */
  row(ctx: { requestId: string; viewer?: { userId: string } | null } | null, entry: AuditRecord) {
    return {
      id: uuidv7(),
      at: this.clock.now(),
      actor_id: entry.actorId !== undefined ? entry.actorId : (ctx?.viewer?.userId ?? null),
      action: entry.action,
      object_id: entry.objectId,
      request_id: ctx?.requestId ?? null,
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
        requestId: ctx?.requestId ?? null,
        changes: entry.changes ?? null,
      }),
    );
  }
}
