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

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True for a real calendar date written `YYYY-MM-DD` ("2025-02-29" is not one). */
export function isValidDate(s: string): boolean {
  const m = typeof s === 'string' ? DATE_PATTERN.exec(s) : null;
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function parseDate(s: string): CivilDate {
  if (!isValidDate(s)) throw new RangeError(`Not a valid YYYY-MM-DD date: ${JSON.stringify(s)}`);
  return { year: Number(s.slice(0, 4)), month: Number(s.slice(5, 7)), day: Number(s.slice(8, 10)) };
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
