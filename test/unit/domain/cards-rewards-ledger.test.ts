import fc from 'fast-check';
import { isLuhnValid, luhnCheckDigit, makePan } from '../../../src/domain/accounts/card-number';
import {
  posting,
  purchasePosting,
  redemptionPosting,
  refundPosting,
  returnPayoutPosting,
  rewardsClawbackPosting,
  unappliedPaymentPosting,
  rewardsPosting,
} from '../../../src/domain/ledger/ledger';
import {
  clawbackCharges,
  earnsOnTimePoints,
  pointsToReverse,
  purchasePoints,
  redemptionValue,
} from '../../../src/domain/rewards/rewards';
import { CardVault } from '../../../src/services/accounts/card-vault';

describe('card numbers', () => {
  it('computes the Luhn check digit of known numbers', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
  });

  it('every generated PAN has 16 digits, the BIN, and passes Luhn', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9}$/), (digits) => {
        const pan = makePan('453275', digits);
        return pan.length === 16 && pan.startsWith('453275') && isLuhnValid(pan);
      }),
    );
  });
});

describe('the card vault', () => {
  const vault = new CardVault(Buffer.alloc(32, 1), Buffer.alloc(32, 2), '453275');
  it('encrypts with a fresh IV each time and decrypts back; tampering is detected', () => {
    const pan = vault.newPan();
    const a = vault.encrypt(pan);
    const b = vault.encrypt(pan);
    expect(a).not.toBe(b);
    expect(vault.decrypt(a)).toBe(pan);
    const raw = Buffer.from(a, 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => vault.decrypt(raw.toString('base64'))).toThrow();
  });

  it('derives the same 3-digit CVV for the same card, another for another expiry or key', () => {
    const cvv = vault.cvv('4532750000000006', 12, 2029);
    expect(cvv).toMatch(/^\d{3}$/);
    expect(vault.cvv('4532750000000006', 12, 2029)).toBe(cvv);
    // Deterministic (keyed HMAC): these particular inputs give other CVVs, so the expiry and the key matter.
    expect(vault.cvv('4532750000000006', 11, 2029)).not.toBe(cvv);
    expect(
      new CardVault(Buffer.alloc(32, 1), Buffer.alloc(32, 3), '453275').cvv('4532750000000006', 12, 2029),
    ).not.toBe(cvv);
  });
});

describe('rewards math', () => {
  it('10 points a dollar for travel and dining, 1 otherwise, whole dollars rounded down', () => {
    expect(purchasePoints(2599, 'DINING')).toBe(250);
    expect(purchasePoints(2599, 'TRAVEL')).toBe(250);
    expect(purchasePoints(999, 'GROCERY')).toBe(9);
    expect(purchasePoints(99, 'OTHER')).toBe(0);
  });

  it('reverses in proportion, exactly all of it on a full refund', () => {
    expect(pointsToReverse(2000, 20_000, 5_000, 0)).toBe(500);
    expect(pointsToReverse(2000, 20_000, 20_000, 500)).toBe(1500);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (amount, shares) => {
          const earned = purchasePoints(amount, 'TRAVEL');
          let refunded = 0;
          let reversed = 0;
          for (const sh of shares) {
            refunded = Math.min(amount, refunded + Math.round((amount - refunded) * sh));
            reversed += pointsToReverse(earned, amount, refunded, reversed);
            if (reversed > earned) return false;
          }
          reversed += pointsToReverse(earned, amount, amount, reversed);
          return reversed === earned;
        },
      ),
    );
  });

  it('values a statement credit at 1 cent and travel at 1.25 cents a point, half-up', () => {
    expect(redemptionValue(1000, 'STATEMENT_CREDIT')).toBe(1000);
    expect(redemptionValue(1000, 'TRAVEL')).toBe(1250);
    expect(redemptionValue(1002, 'TRAVEL')).toBe(1253); // 1252.5 → 1253
  });
});

describe('points charged back after a refund', () => {
  const r = (id: string, points: number, value: number, clawedBack = 0) => ({
    id,
    points,
    value,
    clawedBack,
  });

  it('takes the latest redemptions first, each at the value it was redeemed for', () => {
    // newest first: 1,000 travel points ($12.50), then 2,000 statement points ($20.00)
    expect(clawbackCharges(1500, [r('new', 1000, 1250), r('old', 2000, 2000)])).toEqual({
      takes: [
        { id: 'new', points: 1000, value: 1250 },
        { id: 'old', points: 500, value: 500 },
      ],
      value: 1750,
    });
  });

  it('skips what earlier refunds already charged back, and adds up to the redemption exactly when taken in pieces', () => {
    expect(clawbackCharges(10, [r('a', 1000, 1250, 1000), r('b', 1002, 1253, 0)]).takes).toEqual([
      { id: 'b', points: 10, value: 13 },
    ]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 10 }), (pieces) => {
        const redemption = r('x', 1002, 1253);
        let total = 0;
        for (const p of [...pieces, 1002]) {
          const points = Math.min(p, redemption.points - redemption.clawedBack);
          if (points === 0) break;
          total += clawbackCharges(points, [redemption]).value;
          redemption.clawedBack += points;
        }
        return total === 1253;
      }),
    );
  });

  it('charges points found in no redemption at 1 cent', () => {
    expect(clawbackCharges(50, [])).toEqual({ takes: [], value: 50 });
  });
});

describe('on-time points', () => {
  it('are for installments of $25.00 or more', () => {
    expect(earnsOnTimePoints(2499)).toBe(false);
    expect(earnsOnTimePoints(2500)).toBe(true);
    expect(earnsOnTimePoints(27)).toBe(false);
  });
});

describe('ledger postings', () => {
  it('every posting balances', () => {
    for (const p of [
      purchasePosting('a', 6000),
      refundPosting('a', { owed: 100, returned: 0 }),
      refundPosting('a', { owed: 40, returned: 60 }),
      unappliedPaymentPosting(500),
      returnPayoutPosting(60),
      rewardsClawbackPosting('a', 12_500),
      rewardsPosting(250),
      rewardsPosting(-40),
      redemptionPosting('a', 1000, { fee: 0, interest: 250, principal: 1000 }),
    ]) {
      expect(p.lines.reduce((s, l) => s + l.amount, 0)).toBe(0);
    }
  });

  it('refuses an unbalanced or fractional posting', () => {
    expect(() => posting('X', 'x', [{ code: 'a', amount: 1 }])).toThrow(/unbalanced/);
    expect(() =>
      posting('X', 'x', [
        { code: 'a', amount: 0.5 },
        { code: 'b', amount: -0.5 },
      ]),
    ).toThrow(/integer/);
  });
});
