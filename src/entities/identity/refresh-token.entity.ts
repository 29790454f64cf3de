import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

/**
 * One refresh token of a session. A session is a token family: every refresh rotates to a
 * new token in the same family, and presenting a token that was already rotated revokes
 * the whole family (someone else holds a copy).
 */
@Entity({ tableName: 'refresh_token' })
@Index({ properties: ['familyId'] })
// A person's sessions: listed by `exportMyData`, all revoked by `deleteMyAccount`.
@Index({ properties: ['userId'] })
export class RefreshToken {
  [OptionalProps]?: 'createdAt' | 'usedAt' | 'revokedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  /** The session this token belongs to (also the `sid` claim of its access tokens). */
  @Property({ type: 'uuid' })
  familyId!: string;

  /** SHA-256 of the secret part; the secret itself is never stored. */
  @Property({ type: 'text', unique: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  /** Set when this token was exchanged for its successor. */
  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}
