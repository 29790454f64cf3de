import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt } from 'node:crypto';
import { makePan } from '../../domain/accounts/card-number';

/**
 * Card secrets. PANs are encrypted with AES-256-GCM (random 96-bit IV, 128-bit tag) under
 * the card encryption key; a keyed hash finds duplicates without decrypting. CVVs are
 * never stored: derived on demand from PAN and expiry with the CVV key.
 */
export class CardVault {
  constructor(
    private readonly encryptionKey: Buffer,
    private readonly cvvKey: Buffer,
    private readonly bin: string,
  ) {}

  newPan(): string {
    let digits = '';
    while (digits.length < 15 - this.bin.length) digits += String(randomInt(0, 10));
    return makePan(this.bin, digits);
  }

  encrypt(pan: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(pan, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  hash(pan: string): string {
    return createHmac('sha256', this.encryptionKey).update(`pan:${pan}`).digest('hex');
  }

  cvv(pan: string, expiryMonth: number, expiryYear: number): string {
    const mac = createHmac('sha256', this.cvvKey)
      .update(`${pan}|${String(expiryMonth).padStart(2, '0')}${expiryYear}`)
      .digest();
    return String(mac.readUInt32BE(0) % 1000).padStart(3, '0');
  }
}
