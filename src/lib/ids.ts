import { randomBytes } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Random bytes drawn in blocks (as `crypto.randomUUID` does): one call to the generator per 400 ids. */
const BLOCK = 4000;
let random = Buffer.alloc(0);
let used = 0;

/**
 * UUID version 7: time-ordered, so primary keys sort in creation order and can serve as
 * stable pagination cursors without a separate sequence. 48 bits of Unix milliseconds,
 * the version, 74 random bits with the variant (RFC 9562).
 */
export function uuidv7(): string {
  if (used + 10 > random.length) {
    random = randomBytes(BLOCK);
    used = 0;
  }
  const r = random;
  const o = used;
  used += 10;
  const ms = Date.now();
  const high = Math.floor(ms / 0x10000); // the top 32 of the 48 bits
  const low = ms % 0x10000;
  return (
    high.toString(16).padStart(8, '0') +
    '-' +
    low.toString(16).padStart(4, '0') +
    '-' +
    HEX[0x70 | (r[o]! & 0x0f)]! +
    HEX[r[o + 1]!]! +
    '-' +
    HEX[0x80 | (r[o + 2]! & 0x3f)]! +
    HEX[r[o + 3]!]! +
    '-' +
    HEX[r[o + 4]!]! +
    HEX[r[o + 5]!]! +
    HEX[r[o + 6]!]! +
    HEX[r[o + 7]!]! +
    HEX[r[o + 8]!]! +
    HEX[r[o + 9]!]!
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isUuid = (s: string): boolean => UUID.test(s);
