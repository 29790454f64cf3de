import { isUuid, uuidv7 } from '../../src/lib/ids';

describe('uuidv7', () => {
  it('is a version 7, RFC variant UUID whose first 48 bits are the creation time in ms', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('is unique over many ids (across refills of the random block) and sorts by creation millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    const stamps = ids.map((id) => id.slice(0, 13));
    expect([...stamps].sort()).toEqual(stamps);
    // The random part is not constant: every hex digit of the last group shows up.
    expect(new Set(ids.flatMap((id) => [...id.slice(24)])).size).toBe(16);
  });
});
