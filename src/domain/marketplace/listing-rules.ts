import type { Cents } from '../common/money';

/** Investors buy notes in units of $25.00 (SPEC section 7). */
export const NOTE_UNIT: Cents = 2500;

/** What a MARKETPLACE loan lists, funds, disburses and repays: the approved amount rounded down to $25. */
export const listedAmount = (approved: Cents): Cents => Math.floor(approved / NOTE_UNIT) * NOTE_UNIT;

/** True for an investment amount investors may make: whole $25 units, at least one. */
export const isNoteAmount = (amount: Cents): boolean =>
  Number.isSafeInteger(amount) && amount >= NOTE_UNIT && amount % NOTE_UNIT === 0;

/** The instant `days` whole days after `at`. */
export const addDaysToInstant = (at: Date, days: number): Date => new Date(at.getTime() + days * 86_400_000);
