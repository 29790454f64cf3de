/** Luhn (mod 10) check digit of a digit string. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(pan: string): boolean {
  return /^\d{12,19}$/.test(pan) && luhnCheckDigit(pan.slice(0, -1)) === Number(pan.at(-1));
}

/** A 16-digit PAN: the BIN, random account digits, the Luhn check digit. */
export function makePan(bin: string, randomDigits: string): string {
  const body = (bin + randomDigits).slice(0, 15);
  if (!/^\d{15}$/.test(body)) throw new RangeError('BIN and random digits must make 15 digits');
  return body + luhnCheckDigit(body);
}
