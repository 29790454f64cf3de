import { randomUUID } from 'node:crypto';

export type GatewayResult = { ok: true; reference: string } | { ok: false; reason: string };

/** The payment provider: collects repayments and down payments, pays out disbursements. */
export interface PaymentGateway {
  charge(input: { accountId: string; amount: number; reference: string }): Promise<GatewayResult>;
  payout(input: { accountId: string; amount: number; reference: string }): Promise<GatewayResult>;
}

/**
 * The default provider outside production: succeeds, except for the configured amounts
 * (cents), which it declines, so failure paths can be exercised end to end.
 */
export class SimulatedGateway implements PaymentGateway {
  constructor(private readonly failAmounts: ReadonlySet<number>) {}

  async charge(input: { amount: number }): Promise<GatewayResult> {
    return this.failAmounts.has(input.amount)
      ? { ok: false, reason: 'CARD_DECLINED' }
      : { ok: true, reference: randomUUID() };
  }

  async payout(input: { amount: number }): Promise<GatewayResult> {
    return this.failAmounts.has(input.amount)
      ? { ok: false, reason: 'PAYOUT_REJECTED' }
      : { ok: true, reference: randomUUID() };
  }
}
