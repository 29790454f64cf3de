import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum CardStatus {
  ACTIVE = 'ACTIVE',
  FROZEN = 'FROZEN',
  CLOSED = 'CLOSED',
}

/** A virtual card. The PAN is stored only encrypted (AES-256-GCM); the CVV is never stored. */
@Entity({ tableName: 'card' })
@Index({ properties: ['accountId'] })
export class Card {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  /** base64 of iv (12) | tag (16) | ciphertext. */
  @Property({ type: 'text', hidden: true })
  panEncrypted!: string;

  /** Keyed hash of the PAN: uniqueness without decrypting. */
  @Property({ type: 'text', unique: true, hidden: true })
  panHash!: string;

  @Property({ type: 'text' })
  last4!: string;

  @Property({ type: 'integer' })
  expiryMonth!: number;

  @Property({ type: 'integer' })
  expiryYear!: number;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();
}
