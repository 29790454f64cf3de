/**
 * Money and rate arithmetic. Every amount the platform stores or shows is an integer number
 * of cents, and every rate is an integer number of basis points (7.99% = 799), so that a
 * balance shown to a borrower, an investor and the ledger is the same number everywhere.
 * Rounding is half-up to the cent (half away from zero for negative amounts), done with
 * exact integer division so that no floating-point artefact can move a cent.
 */

/** An amount of money in integer cents (always a safe integer). */
export type Cents = number;

/** API `Decimal` inputs: optional minus, at most 13 integer digits, at most 2 decimals. */
const DECIMAL_PATTERN = /^-?(\d{1,13})(?:\.(\d{1,2}))?$/;

/** True when `s` is a money amount a client may send ("1500", "1500.5", "-5.00"). */
export function isWellFormedDecimal(s: string): boolean {
  return typeof s === 'string' && DECIMAL_PATTERN.test(s);
}

/** Parses a client `Decimal` string into cents; anything else is a programming error upstream. */
export function parseDecimal(s: string): Cents {
  const match = typeof s === 'string' ? DECIMAL_PATTERN.exec(s) : null;
  if (!match) throw new RangeError(`Not a well-formed decimal amount: ${JSON.stringify(s)}`);
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? '').padEnd(2, '0'));
  const magnitude = whole * 100 + fraction;
  // "-0.00" is zero, never a negative zero that would compare oddly later on.
  return s.startsWith('-') && magnitude !== 0 ? -magnitude : magnitude;
}

/** The API's `Decimal` rendering of an amount: always two decimals ("1500.00", "-5.00", "0.05"). */
export function formatCents(c: Cents): string {
  assertCents(c, 'amount');
  const magnitude = Math.abs(c);
  const whole = Math.floor(magnitude / 100);
  const fraction = String(magnitude % 100).padStart(2, '0');
  return `${c < 0 ? '-' : ''}${whole}.${fraction}`;
}

/** An amount as people read it in messages and notifications: "$1,234.56", "-$5.00". */
export function formatMoney(c: Cents): string {
  const [whole, fraction] = formatCents(Math.abs(c)).split('.');
  return `${c < 0 ? '-' : ''}$${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

/** Throws unless `c` is a safe integer number of cents. */
export function assertCents(c: number, what = 'amount'): asserts c is Cents {
  if (!Number.isSafeInteger(c))
    throw new RangeError(`${what} must be a safe integer number of cents, got ${c}`);
}

function toBigInt(x: bigint | number, what: string): bigint {
  if (typeof x === 'bigint') return x;
  if (!Number.isSafeInteger(x)) throw new RangeError(`${what} must be a safe integer, got ${x}`);
  return BigInt(x);
}

/**
 * Exact integer division rounded half-up (a half goes away from zero, so a refund rounds
 * like the charge it reverses). Works on bigints internally, so products of cents and basis
 * points never lose precision; the result must fit a safe integer.
 */
export function divRoundHalfUp(numerator: bigint | number, denominator: bigint | number): number {
  const n = toBigInt(numerator, 'numerator');
  const d = toBigInt(denominator, 'denominator');
  if (d === 0n) throw new RangeError('Division by zero');
  const negative = n < 0n !== d < 0n && n !== 0n;
  const absN = n < 0n ? -n : n;
  const absD = d < 0n ? -d : d;
  let quotient = absN / absD;
  const remainder = absN % absD;
  if (remainder * 2n >= absD) quotient += 1n;
  const result = Number(negative ? -quotient : quotient);
  if (!Number.isSafeInteger(result)) throw new RangeError('Result is not a safe integer');
  // Avoid -0 when a small negative rounds to zero.
  return result === 0 ? 0 : result;
}

/** A percentage of an amount given in basis points, half-up: 3% of x is percentOfBp(x, 300). */
export function percentOfBp(amount: Cents, basisPoints: number): Cents {
  assertCents(amount);
  if (!Number.isSafeInteger(basisPoints))
    throw new RangeError(`basis points must be an integer, got ${basisPoints}`);
  return divRoundHalfUp(BigInt(amount) * BigInt(basisPoints), 10_000n);
}

/**
 * Splits `total` pro rata to `weights` so that the parts add up exactly to the total (an
 * investor payout, a fee split across notes). Each part is its exact share rounded down,
 * then the cents still missing go one each to the largest remainders; equal remainders go to
 * the lower index (the earlier note), so the split is deterministic. A zero weight always
 * gets zero. A negative total (a reversal) is split like its positive and negated.
 */
export function allocateLargestRemainder(total: Cents, weights: readonly number[]): Cents[] {
  assertCents(total, 'total');
  weights.forEach((w, i) => {
    if (!Number.isSafeInteger(w) || w < 0) {
      throw new RangeError(`weights[${i}] must be a non-negative safe integer, got ${w}`);
    }
  });
  const sumWeights = weights.reduce((acc, w) => acc + BigInt(w), 0n);
  if (total === 0) return weights.map(() => 0);
  if (sumWeights === 0n) throw new RangeError('Cannot allocate a non-zero total over all-zero weights');

  const magnitude = BigInt(Math.abs(total));
  const floors = weights.map((w) => (magnitude * BigInt(w)) / sumWeights);
  const remainders = weights.map((w) => (magnitude * BigInt(w)) % sumWeights);
  let missing = magnitude - floors.reduce((acc, f) => acc + f, 0n);

  const order = weights
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = remainders[a] as bigint;
      const rb = remainders[b] as bigint;
      if (ra !== rb) return ra > rb ? -1 : 1;
      return a - b;
    });
  for (const i of order) {
    if (missing === 0n) break;
    floors[i] = (floors[i] as bigint) + 1n;
    missing -= 1n;
  }
  const sign = total < 0 ? -1 : 1;
  return floors.map((f) => (f === 0n ? 0 : sign * Number(f)));
}

/** A rate in basis points as the API's percentage `Decimal`: 799 → "7.99". */
export function formatRateBp(bp: number): string {
  if (!Number.isSafeInteger(bp)) throw new RangeError(`basis points must be an integer, got ${bp}`);
  return formatCents(bp);
}

/** A percentage `Decimal` ("7.99", "12", "0.5") as basis points: 799, 1200, 50. */
export function parseRateBp(s: string): number {
  return parseDecimal(s);
}
