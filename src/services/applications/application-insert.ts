import type { MetadataStorage } from '@mikro-orm/core';
import type { InsertSpec } from '../../db/multi-insert';
import { TableInsert } from '../../db/table-insert';
import { AuditEntry, CreditApplication, CreditDecision, Notification, OutboxEvent } from '../../entities';
import type { decisionData } from './decision';

/**
 * The one-statement insert of `submitApplication` (see `src/db/multi-insert.ts`), with its
 * column lists read from the entities' metadata (`src/db/table-insert.ts`).
 */

/** Everything a new application writes, each row as its owner builds it. */
export interface NewApplicationRows {
  application: CreditApplication;
  decision: ReturnType<typeof decisionData>;
  /** By column: `NotificationService.build`, `Transactions.outboxRow`, `AuditService.row`. */
  notification: Record<string, unknown>;
  events: Record<string, unknown>[];
  audit: Record<string, unknown>;
}

/** The application, its decision, the notification, both live events and the audit entry. */
export class ApplicationInsert {
  private readonly application: TableInsert;
  private readonly decision: TableInsert;
  private readonly notification: TableInsert;
  private readonly outbox: TableInsert;
  private readonly audit: TableInsert;

  constructor(metadata: MetadataStorage) {
    this.application = new TableInsert(metadata.get(CreditApplication));
    this.decision = new TableInsert(metadata.get(CreditDecision));
    this.notification = new TableInsert(metadata.get(Notification));
    this.outbox = new TableInsert(metadata.get(OutboxEvent));
    this.audit = new TableInsert(metadata.get(AuditEntry));
  }

  /** Every table the insert writes, in statement order. */
  get tables(): readonly TableInsert[] {
    return [this.application, this.decision, this.notification, this.outbox, this.audit];
  }

  specs(rows: NewApplicationRows): InsertSpec[] {
    return [
      this.application.spec([this.application.fromEntity(rows.application)]),
      this.decision.spec([this.decision.fromEntity(rows.decision)]),
      this.notification.spec([this.notification.fromColumns(rows.notification)]),
      this.outbox.spec(rows.events.map((e) => this.outbox.fromColumns(e))),
      this.audit.spec([this.audit.fromColumns(rows.audit)]),
    ];
  }
}
