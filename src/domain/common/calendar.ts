/**
 * Business-date arithmetic on `YYYY-MM-DD` strings. Due dates, ages and Truth in Lending
 * periods are calendar facts, not instants, so this works on plain civil dates (proleptic
 * Gregorian) without time zones and never asks the machine what day it is: "today" is always
 * passed in by the caller, who reads it from the business clock.
 */

export interface CivilDate {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `len` ASCII digits of `s` from `at` as a number, or -1 when one is not a digit. */
function digitsAt(s: string, at: number, len: number): number {
  let value = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The date `YYYY-MM-DD` stands for, or null when it is not a real calendar date
 * ("2025-02-29" is not one). Read by character codes: date arithmetic runs for every
 * installment of every offer, and a regular expression there showed in profiles.
 */
export function readDate(s: string): CivilDate | null {
  if (typeof s !== 'string' || s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45)
    return null;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/** True for a real calendar date written `YYYY-MM-DD` ("2025-02-29" is not one). */
export function isValidDate(s: string): boolean {
  return readDate(s) !== null;
}

export function parseDate(s: string): CivilDate {
  const date = readDate(s);
  if (!date) throw new RangeError(`Not a valid YYYY-MM-DD date: ${JSON.stringify(s)}`);
  return date;
}

export function formatDate(d: CivilDate): string {
  if (d.year < 0 || d.year > 9999) throw new RangeError(`Year out of range: ${d.year}`);
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 (H. Hinnant's days_from_civil), exact for any Gregorian date. */
export function toDayNumber(date: string | CivilDate): number {
  const { year, month, day } = typeof date === 'string' ? parseDate(date) : date;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function fromDayNumber(dayNumber: number): CivilDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

export function addDays(date: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`days must be an integer, got ${n}`);
  return formatDate(fromDayNumber(toDayNumber(date) + n));
}

/** Calendar days from `a` to `b` (negative when `b` is earlier). */
export function daysBetween(a: string, b: string): number {
  return toDayNumber(b) - toDayNumber(a);
}

/**
 * The date `months` calendar months after (or before) `date`, on the given day of the month
 * (default: the date's own day), clamped to the month's last day: 2025-01-31 + 1 → 2025-02-28.
 */
export function shiftMonths(date: string | CivilDate, months: number, dayOfMonth?: number): CivilDate {
  if (!Number.isSafeInteger(months)) throw new RangeError(`months must be an integer, got ${months}`);
  const d = typeof date === 'string' ? parseDate(date) : date;
  const index = d.year * 12 + (d.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const day = Math.min(dayOfMonth ?? d.day, daysInMonth(year, month));
  return { year, month, day };
}

export function isLastDayOfMonth(d: CivilDate): boolean {
  return d.day === daysInMonth(d.year, d.month);
}

/**
 * Age in whole years on `onDate`. Someone born on 29 February becomes a year older on
 * 1 March in common years (the birthday has not yet happened on 28 February).
 */
export function ageOnDate(dateOfBirth: string, onDate: string): number {
  const birth = parseDate(dateOfBirth);
  const on = parseDate(onDate);
  let age = on.year - birth.year;
  if (on.month < birth.month || (on.month === birth.month && on.day < birth.day)) age -= 1;
  return age;
}
