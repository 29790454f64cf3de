import fc from 'fast-check';
import { isValidDate, parseDate, readDate } from '../../../src/domain/common/calendar';

/** What a date string means by the platform's own Date: the reference readDate must agree with. */
function byDate(s: string): { year: number; month: number; day: number } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  const same = d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
  return same ? { year, month, day } : null;
}

describe('readDate', () => {
  it.each([
    ['2024-02-29', { year: 2024, month: 2, day: 29 }],
    ['2000-02-29', { year: 2000, month: 2, day: 29 }],
    ['1999-12-31', { year: 1999, month: 12, day: 31 }],
    ['2025-04-30', { year: 2025, month: 4, day: 30 }],
    ['0050-01-01', { year: 50, month: 1, day: 1 }],
  ])('%s is a date', (s, expected) => {
    expect(readDate(s)).toEqual(expected);
    expect(isValidDate(s)).toBe(true);
    expect(parseDate(s)).toEqual(expected);
  });

  it.each([
    '2025-02-29',
    '1900-02-29',
    '2025-04-31',
    '2025-13-01',
    '2025-00-10',
    '2025-01-00',
    '2025-1-01',
    '2025-01-1',
    '2025/01/01',
    '20250101',
    '2025-01-01T00:00:00Z',
    ' 2025-01-01',
    '2025-0a-01',
    '2025-01-3:',
    '+025-01-01',
    '',
  ])('%j is not', (s) => {
    expect(readDate(s)).toBeNull();
    expect(isValidDate(s)).toBe(false);
    expect(() => parseDate(s)).toThrow(RangeError);
  });

  it('agrees with Date on every string of the shape, real dates or not', () => {
    const digits = (n: number) =>
      fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((a) => a.join(''));
    fc.assert(
      fc.property(digits(4), digits(2), digits(2), (y, m, d) => {
        const s = `${y}-${m}-${d}`;
        expect(readDate(s)).toEqual(byDate(s));
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31') }), (date) => {
        if (Number.isNaN(date.getTime())) return;
        const s = date.toISOString().slice(0, 10);
        expect(readDate(s)).toEqual(byDate(s));
      }),
    );
  });
});
