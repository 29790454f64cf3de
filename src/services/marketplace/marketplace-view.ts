import type { CashMovement, Listing, Note } from '../../entities';

/** The GraphQL type names behind marketplace global ids. */
export const LISTING_TYPE = 'Listing';
export const NOTE_TYPE = 'Note';
export const CASH_MOVEMENT_TYPE = 'CashMovement';

/** A listing as every investor (and its borrower) sees it: no one's identity. */
export interface ListingView {
  id: string;
  accountId: string;
  borrowerId: string;
  status: string;
  grade: string;
  aprBp: number;
  termMonths: number;
  amount: number;
  funded: number;
  investorCount: number;
  expiresAt: Date;
  fundedAt: Date | null;
  createdAt: Date;
}

export const listingView = (l: Listing): ListingView => ({
  id: l.id,
  accountId: l.accountId,
  borrowerId: l.borrowerId,
  status: l.status,
  grade: l.grade,
  aprBp: l.aprBp,
  termMonths: l.termMonths,
  amount: Number(l.amount),
  funded: Number(l.funded),
  investorCount: l.investorCount,
  expiresAt: l.expiresAt,
  fundedAt: l.fundedAt,
  createdAt: l.createdAt,
});

/** A note, for its investor only. */
export interface NoteView {
  id: string;
  listingId: string;
  investorId: string;
  status: string;
  amount: number;
  principalReceived: number;
  interestReceived: number;
  feesPaid: number;
  createdAt: Date;
}

export const noteView = (n: Note): NoteView => ({
  id: n.id,
  listingId: n.listingId,
  investorId: n.investorId,
  status: n.status,
  amount: Number(n.amount),
  principalReceived: Number(n.principalReceived),
  interestReceived: Number(n.interestReceived),
  feesPaid: Number(n.feesPaid),
  createdAt: n.createdAt,
});

export interface GradeSummaryView {
  grade: string;
  noteCount: number;
  outstandingPrincipal: number;
}

export interface StatusSummaryView {
  status: string;
  noteCount: number;
  amount: number;
}

/** An investor's position; `notes` and the return are read by their own field resolvers. */
export interface PortfolioView {
  userId: string;
  cash: number;
  invested: number;
  outstandingPrincipal: number;
  principalReceived: number;
  interestEarned: number;
  feesPaid: number;
  byGrade: GradeSummaryView[];
  byStatus: StatusSummaryView[];
}

export interface CashMovementView {
  id: string;
  kind: string;
  amount: number;
  status: string;
  failureReason: string | null;
  createdAt: Date;
}

export const movementView = (m: CashMovement): CashMovementView => ({
  id: m.id,
  kind: m.kind,
  amount: Number(m.amount),
  status: m.status,
  failureReason: m.failureReason,
  createdAt: m.createdAt,
});
