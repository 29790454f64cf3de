import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** The sandbox clock's offset from real time, shared by every instance (one row). */
@Entity({ tableName: 'sandbox_clock' })
export class SandboxClockRow {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  offsetMs!: number;
}
