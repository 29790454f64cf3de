import { MikroORM, ReferenceKind, type EntityProperty } from '@mikro-orm/postgresql';
import { ormOptions } from '../../src/db/orm';
import { CreditApplication } from '../../src/entities';
import { TableInsert, type TableMetadata } from '../../src/db/table-insert';

/**
 * The one-statement insert reads its columns from the entities' metadata, so a property
 * added to an entity is written by submitApplication without touching the fast path. These
 * cases add one to a copy of CreditApplication's metadata: what the new column gets, and
 * that one nothing fills stops the insert instead of going in as NULL.
 */
let orm: MikroORM;
let meta: TableMetadata;

beforeAll(async () => {
  // Metadata only: discovery needs no database.
  orm = await MikroORM.init({ ...ormOptions('postgresql://nobody@127.0.0.1:1/none'), connect: false });
  meta = orm.getMetadata().get(CreditApplication);
});

afterAll(() => orm.close(true));

/** CreditApplication's metadata with one more scalar column, `risk_band`. */
function withRiskBand(extra: Partial<EntityProperty>): TableMetadata {
  const riskBand = {
    name: 'riskBand',
    kind: ReferenceKind.SCALAR,
    fieldNames: ['risk_band'],
    columnTypes: ['text'],
    ...extra,
  } as EntityProperty;
  return { className: meta.className, tableName: meta.tableName, props: [...meta.props, riskBand] };
}

/** A complete application, as submitApplication builds it. */
const application = () =>
  Object.assign(new CreditApplication(), {
    applicantId: '0190a0a0-0000-7000-8000-000000000001',
    product: 'PERSONAL_LOAN',
    status: 'APPROVED',
    amount: 500_000,
    termMonths: 36,
    purpose: 'a car',
    dateOfBirth: '1985-04-12',
    monthlyIncome: 800_000,
    monthlyDebt: 50_000,
    employmentStatus: 'FULL_TIME',
    creditScore: null,
    onTimeRentMonths: 0,
    onTimeUtilityMonths: 0,
    bankAccountAgeMonths: 0,
    overdraftsLast90Days: 0,
  });

describe('the one-statement insert follows the entity', () => {
  it('writes a new column with the value the entity gives it', () => {
    const row = new TableInsert(withRiskBand({})).fromEntity({ ...application(), riskBand: 'B' });
    expect(row).toMatchObject({ risk_band: 'B', review_note: null, version: 1 });
  });

  it("writes the entity's default when the source has none, and NULL for a nullable column", () => {
    expect(new TableInsert(withRiskBand({ default: 'A' })).fromEntity(application())).toMatchObject({
      risk_band: 'A',
    });
    expect(new TableInsert(withRiskBand({ nullable: true })).fromEntity(application())).toMatchObject({
      risk_band: null,
    });
  });

  it('refuses to insert a required column that nothing fills', () => {
    const table = new TableInsert(withRiskBand({}));
    expect(() => table.fromEntity(application())).toThrow(
      'credit_application.risk_band (CreditApplication.riskBand) has no value to insert',
    );
  });

  it('refuses, when built, a relation it would not know how to write', () => {
    expect(() => new TableInsert(withRiskBand({ kind: ReferenceKind.MANY_TO_ONE }))).toThrow(
      'CreditApplication.riskBand: the one-statement insert writes single scalar columns only',
    );
  });

  it('casts the columns PostgreSQL cannot type on its own', () => {
    expect(new TableInsert(meta).spec([]).casts).toEqual({ date_of_birth: 'date' });
  });
});
