import { createHash } from 'node:crypto';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode } from '../../lib/errors';
import type { Clock } from '../../lib/clock';

/**
 * How long a key is kept (SPEC section 1: at least 24 hours), on the business clock: a key's
 * `created_at` is business time wherever it is inserted (here and in the one-statement card
 * purchase), and the daily job forgets keys older than this before the instant it runs at, so
 * the sandbox clock moves keys towards their expiry like everything else (its offset is 0 in
 * production).
 */
export const IDEMPOTENCY_KEY_RETENTION_MS = 48 * 3_600_000;

/** Canonical JSON: object keys sorted, so the same input always hashes the same. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

export const hashInput = (operation: string, input: Record<string, unknown>): string => {
  const { idempotencyKey: _ignored, ...rest } = input;
  return createHash('sha256').update(operation).update('\n').update(canonical(rest)).digest('hex');
};

/** A key has 1 to 100 characters (SPEC section 1), or the call is refused naming the field. */
export function checkIdempotencyKey(key: string): void {
  if (key.length < 1 || key.length > 100) {
    throw new DomainError(UserErrorCode.INVALID_INPUT, 'The idempotency key must have 1 to 100 characters.', [
      'input',
      'idempotencyKey',
    ]);
  }
}

export type Claim<R> = { replay: true; result: R } | { replay: false };

/**
 * Idempotency keys for money-moving mutations (SPEC section 1). Call `claim` first inside
 * the mutation's transaction: the key row is inserted in that transaction, so a concurrent
 * call with the same key waits for it and then replays its committed result, and a
 * rolled-back call leaves no trace. Keys are scoped per user, across operations (a key used
 * for one operation is refused for another). Kept `IDEMPOTENCY_KEY_RETENTION_MS`.
 */
export class IdempotencyService {
  constructor(private readonly clock: Clock) {}

  async claim<R extends Record<string, unknown>>(
    tx: Tx,
    userId: string,
    key: string,
    operation: string,
    input: Record<string, unknown>,
  ): Promise<Claim<R>> {
    checkIdempotencyKey(key);
    const hash = hashInput(operation, input);
    const conn = tx.em.getConnection();
    const ctx = tx.em.getTransactionContext();
    const inserted = await conn.execute<{ key: string }[]>(
      `insert into idempotency_key (user_id, key, operation, request_hash, created_at)
       values (?, ?, ?, ?, ?) on conflict (user_id, key) do nothing returning key`,
      [userId, key, operation, hash, this.clock.now()],
      'all',
      ctx,
    );
    if (inserted.length === 1) return { replay: false };
    const [existing] = await conn.execute<{ operation: string; request_hash: string; result: R | null }[]>(
      'select operation, request_hash, result from idempotency_key where user_id = ? and key = ?',
      [userId, key],
      'all',
      ctx,
    );
    if (!existing || existing.operation !== operation || existing.request_hash !== hash || !existing.result) {
      throw new DomainError(
        UserErrorCode.IDEMPOTENCY_KEY_REUSED,
        'This idempotency key was already used for a different request.',
        ['input', 'idempotencyKey'],
      );
    }
    return { replay: true, result: existing.result };
  }

  /** Stores what the first call produced, for replays. Same transaction as `claim`. */
  async complete(tx: Tx, userId: string, key: string, result: Record<string, unknown>): Promise<void> {
    await tx.em
      .getConnection()
      .execute(
        'update idempotency_key set result = ? where user_id = ? and key = ?',
        [JSON.stringify(result), userId, key],
        'run',
        tx.em.getTransactionContext(),
      );
  }
}
