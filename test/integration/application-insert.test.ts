import type { MikroORM } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/postgresql';
import { openOrm } from '../../src/db/orm';
import { multiInsert } from '../../src/db/multi-insert';
import { Transactions } from '../../src/db/transactions';
import { AuditEntry, CreditApplication, CreditDecision, Notification, OutboxEvent } from '../../src/entities';
import { NotificationKind } from '../../src/entities/notifications/notification.entity';
import { Clock } from '../../src/lib/clock';
import { uuidv7 } from '../../src/lib/ids';
import { ApplicationInsert } from '../../src/services/applications/application-insert';
import { decisionData } from '../../src/services/applications/decision';
import type { DecisionView } from '../../src/services/applications/application-view';
import { AuditService } from '../../src/services/common/audit.service';
import { NotificationService } from '../../src/services/notifications/notification.service';
import { EventType } from '../../src/subscriptions/common/topics';
import { createTestDatabase } from '../support/databases';

/**
 * The one-statement insert of submitApplication takes its column lists from the entities'
 * metadata. These tests hold it to the migrated database: every column of every table it
 * writes is in the statement, and what it writes reads back through the ORM unchanged.
 */
let orm: MikroORM;
let drop: () => Promise<void>;
let insert: ApplicationInsert;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  orm = await openOrm(db.url, 2);
  insert = new ApplicationInsert(orm.getMetadata());
});

afterAll(async () => {
  await orm?.close(true);
  await drop?.();
});

/** The columns a row must name: all but those the database numbers itself (serial, identity). */
async function tableColumns(table: string): Promise<string[]> {
  const rows = await orm.em.getConnection().execute<{ column_name: string }[]>(
    `select column_name from information_schema.columns
      where table_schema = current_schema() and table_name = ?
        and is_identity = 'NO' and coalesce(column_default, '') not like 'nextval(%'
      order by ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

function sampleRows(clock: Clock) {
  const now = clock.now();
  const applicantId = uuidv7();
  // Every nullable column holds a value, so a column left out or mixed up cannot pass as NULL.
  const application = Object.assign(new CreditApplication(), {
    applicantId,
    product: 'PERSONAL_LOAN',
    status: 'APPROVED',
    amount: 500_000,
    termMonths: 36,
    purpose: 'debt consolidation',
    dateOfBirth: '1985-04-12',
    monthlyIncome: 800_000,
    monthlyDebt: 50_000,
    employmentStatus: 'FULL_TIME',
    creditScore: 780,
    onTimeRentMonths: 12,
    onTimeUtilityMonths: 11,
    bankAccountAgeMonths: 60,
    overdraftsLast90Days: 1,
    decisionId: uuidv7(),
    offerExpiresAt: new Date(now.getTime() + 30 * 86_400_000),
    reviewNote: 'a note',
    version: 3,
    createdAt: now,
    updatedAt: new Date(now.getTime() + 1000),
  });
  const view: DecisionView = {
    id: application.decisionId!,
    applicationId: application.id,
    outcome: 'APPROVED',
    score: 812,
    grade: 'A',
    aprBp: 799,
    approvedAmount: 450_000,
    counterOffer: true,
    reasons: [{ code: 'DEBT_TO_INCOME', description: 'Debt is high for the income.' }],
    trace: [{ component: 'BUREAU_SCORE', points: 300, maxPoints: 350 }],
    modelVersion: 'v1',
    decidedBy: 'ADMIN',
    deciderId: uuidv7(),
    latencyMs: 0.25,
    decidedAt: now.toISOString(),
    offer: {
      amount: 450_000,
      termMonths: 36,
      aprBp: 799,
      monthlyPayment: 14_100,
      schedule: [],
      disclosure: null,
      expiresAt: application.offerExpiresAt!.toISOString(),
    },
  };
  const note = new NotificationService(clock, {} as never, {} as never).build(
    applicantId,
    NotificationKind.APPLICATION_APPROVED,
    'Title',
    'Body with "quotes" and {braces}',
    { applicationId: 'QXBwbGljYXRpb246eA==' },
  );
  const tx = new Transactions({} as never, clock, {} as never);
  const events = [
    { type: EventType.applicationUpdated, audience: [applicantId, 'a "quoted", user'], payload: { id: 'x' } },
    note.event,
  ].map((e) => tx.outboxRow(e));
  const audit = new AuditService(clock).row(
    { requestId: 'req-1', viewer: { userId: applicantId } },
    { action: 'application.submit', objectId: application.id, changes: { amount: 500_000 } },
  );
  return { application, decision: decisionData(view), notification: note.row, events, audit };
}

describe('the one-statement insert of a new application', () => {
  it('names every column of every table it writes, as the migrated database has them', async () => {
    expect(insert.tables.map((t) => t.table)).toEqual([
      'credit_application',
      'credit_decision',
      'notification',
      'outbox_event',
      'audit_entry',
    ]);
    for (const t of insert.tables) {
      expect({ table: t.table, columns: t.columns.map((c) => c.name).sort() }).toEqual({
        table: t.table,
        columns: (await tableColumns(t.table)).sort(),
      });
    }
  });

  it('writes rows that read back through the ORM as the values they came from', async () => {
    const rows = sampleRows(new Clock());
    const specs = insert.specs(rows);
    for (const s of specs) expect(Object.keys(s.rows[0]!)).toEqual(await tableColumns(s.table));
    await multiInsert(orm.em.getConnection().getKnex() as Knex, specs);

    const em = orm.em.fork();
    const app = await em.findOneOrFail(CreditApplication, { id: rows.application.id });
    expect({ ...app }).toEqual({ ...rows.application });
    const decision = await em.findOneOrFail(CreditDecision, { id: rows.decision.id });
    expect({ ...decision }).toEqual(rows.decision);

    const n = await em.findOneOrFail(Notification, { id: rows.notification.id as string });
    expect([n.userId, n.kind, n.title, n.body, n.data, n.readAt, n.createdAt]).toEqual([
      rows.notification.user_id,
      rows.notification.kind,
      rows.notification.title,
      rows.notification.body,
      rows.notification.data,
      null,
      rows.notification.created_at,
    ]);
    const events = await em.find(
      OutboxEvent,
      { type: { $in: rows.events.map((e) => e.type) } },
      { orderBy: { id: 'asc' } },
    );
    expect(events.map((e) => [e.type, e.audience, e.objectId, e.payload, e.createdAt, e.cursor])).toEqual(
      rows.events.map((e) => [e.type, e.audience, e.object_id, e.payload, e.created_at, null]),
    );
    const audit = await em.findOneOrFail(AuditEntry, { id: rows.audit.id });
    expect({ ...audit }).toEqual({
      id: rows.audit.id,
      at: rows.audit.at,
      actorId: rows.audit.actor_id,
      action: rows.audit.action,
      objectId: rows.audit.object_id,
      requestId: rows.audit.request_id,
      changes: rows.audit.changes,
    });
  });
});
