import { randomUUID } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';

export type GatewayResult = { ok: true; reference: string } | { ok: false; reason: string };

export interface GatewayRequest {
  accountId: string;
  amount: number;
  /**
   * Our record's stable reference, the provider's idempotency key: asking again with it
   * answers the first result and never moves money twice.
   */
  reference: string;
}

/**
 * The payment provider: collects repayments, pays out loans and returned money. A network
 * call: never made inside a database transaction (SPEC section 5).
 */
export interface PaymentGateway {
  charge(input: GatewayRequest): Promise<GatewayResult>;
  payout(input: GatewayRequest): Promise<GatewayResult>;
}

/**
 * Asks the gateway and waits at most `timeoutMs`. No answer in time (or a network error)
 * is `null`: the record stays PENDING and is settled later by asking again.
 */
export async function askGateway(
  call: () => Promise<GatewayResult>,
  timeoutMs: number,
): Promise<GatewayResult | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    return await Promise.race([call().catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Claims up to 100 PENDING records of `table` (payments or disbursements) not asked about in
 * the last `olderThanMs` by moving their attempt time, so instances do not ask for the same
 * one at once. Returns their ids, to ask the gateway again with the same reference.
 */
export async function claimPending(
  em: EntityManager,
  table: 'payment' | 'disbursement' | 'cash_movement' | 'merchant_settlement',
  olderThanMs: number,
): Promise<string[]> {
  const rows = (await em.getConnection().execute(
    `update ${table} set attempted_at = now() where id in (
       select id from ${table} where status = 'PENDING'
          and (attempted_at is null or attempted_at < now() - (? * interval '1 millisecond'))
        limit 100 for update skip locked)
     returning id`,
    [olderThanMs],
  )) as { id: string }[];
  return rows.map((r) => r.id);
}

/**
 * The default provider outside production. It remembers every reference it served (in its
 * own table), so asking twice answers the same and charges once, across restarts. It
 * declines the configured fail amounts (cents), and for the configured timeout amounts it
 * records the operation but never answers the first request, like a provider whose answer
 * is lost: the caller's record stays PENDING until it asks again.
 */
export class SimulatedGateway implements PaymentGateway {
  constructor(
    private readonly knex: Knex,
    private readonly failAmounts: ReadonlySet<number>,
    private readonly timeoutAmounts: ReadonlySet<number> = new Set(),
  ) {}

  charge(input: GatewayRequest): Promise<GatewayResult> {
    return this.serve('CHARGE', input, 'CARD_DECLINED');
  }

  payout(input: GatewayRequest): Promise<GatewayResult> {
    return this.serve('PAYOUT', input, 'PAYOUT_REJECTED');
  }

  private async serve(kind: string, input: GatewayRequest, declined: string): Promise<GatewayResult> {
    const ok = !this.failAmounts.has(input.amount);
    const inserted = (await this.knex('gateway_operation')
      .insert({
        reference: input.reference,
        kind,
        amount: input.amount,
        ok,
        reason: ok ? null : declined,
        provider_reference: randomUUID(),
        created_at: new Date(),
      })
      .onConflict('reference')
      .ignore()
      .returning(['ok', 'reason', 'provider_reference'])) as Row[];
    if (inserted.length === 1) {
      if (this.timeoutAmounts.has(input.amount)) return new Promise<GatewayResult>(() => undefined);
      return answer(inserted[0]!);
    }
    const [first] = (await this.knex('gateway_operation')
      .where({ reference: input.reference })
      .select('ok', 'reason', 'provider_reference')) as Row[];
    return answer(first!);
  }
}

interface Row {
  ok: boolean;
  reason: string | null;
  provider_reference: string;
}

const answer = (r: Row): GatewayResult =>
  r.ok ? { ok: true, reference: r.provider_reference } : { ok: false, reason: r.reason ?? 'DECLINED' };
