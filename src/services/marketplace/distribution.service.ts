import { formatMoney } from '../../domain/common/money';
import { distributionPosting, noteChargeOffPosting, type NoteShare } from '../../domain/ledger/ledger';
import { distributePayment } from '../../domain/marketplace/distribution';
import { Listing, Note } from '../../entities';
import type { CreditAccount } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { ListingStatus, NoteStatus } from '../../entities/marketplace/marketplace.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import { toGlobalId } from '../../lib/global-id';
import type { Clock } from '../../lib/clock';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import { creditInvestorCash } from './investor-cash';
import { LISTING_TYPE } from './marketplace-view';

/**
 * What a marketplace loan's borrower pays goes to its note holders (SPEC section 7), in the
 * payment's transaction and under the account's lock the payment holds: each payment's
 * principal and interest split across the notes pro rata to their amounts by largest
 * remainder (ties to the older note), less the 1% servicing fee split the same way. Late
 * fees and the charity set-aside stay with the platform: the holders get principal and
 * scheduled interest only. A paid-off loan pays off its notes; a charged-off one charges
 * them off, and their holders bear the unpaid principal.
 */
export class DistributionService {
  constructor(
    private readonly clock: Clock,
    private readonly ledger: LedgerService,
    private readonly notifications: NotificationService,
  ) {}

  /**
   * Passes the principal and interest a payment (or a redemption) paid on a marketplace loan
   * to its note holders, and pays off the notes when it paid off the loan; `refId` is the
   * payment's id. Nothing for any other account.
   */
  async distribute(
    tx: Tx,
    account: CreditAccount,
    parts: { principal: number; interest: number },
    refId: string,
  ): Promise<void> {
    if (account.fundingSource !== 'MARKETPLACE') return;
    const paidOff = account.status === AccountStatus.PAID_OFF;
    if (parts.principal + parts.interest === 0 && !paidOff) return;
    const { listing, notes } = await this.fundedNotes(tx, account);
    if (!listing || !notes.length) return;
    const now = this.clock.now();
    if (parts.principal + parts.interest > 0) {
      const split = distributePayment({
        principal: parts.principal,
        interest: parts.interest,
        noteAmounts: notes.map((n) => Number(n.amount)),
        principalOutstanding: notes.map((n) => Number(n.amount) - Number(n.principalReceived)),
      });
      const shares: NoteShare[] = notes.map((n, i) => ({
        investorId: n.investorId,
        principal: split.principal[i]!,
        interest: split.interest[i]!,
        fee: split.fee[i]!,
      }));
      notes.forEach((n, i) => {
        n.principalReceived = Number(n.principalReceived) + split.principal[i]!;
        n.interestReceived = Number(n.interestReceived) + split.interest[i]!;
        n.feesPaid = Number(n.feesPaid) + split.fee[i]!;
        n.updatedAt = now;
      });
      const credited = new Map<string, number>();
      notes.forEach((n, i) => credited.set(n.investorId, (credited.get(n.investorId) ?? 0) + split.net[i]!));
      for (const [investorId, net] of credited) await creditInvestorCash(tx, investorId, net);
      this.ledger.post(tx, distributionPosting(shares), { creditAccountId: account.id, refId });
    }
    if (paidOff) this.close(tx, listing, notes, NoteStatus.PAID_OFF, now);
  }

  /**
   * A marketplace loan charged off (daily job, in its transaction): its notes are
   * CHARGED_OFF and what they still had outstanding is their holders' loss, not the platform's.
   */
  async chargeOff(tx: Tx, account: CreditAccount): Promise<void> {
    if (account.fundingSource !== 'MARKETPLACE') return;
    const { listing, notes } = await this.fundedNotes(tx, account);
    if (!listing || !notes.length) return;
    const outstanding = notes.reduce((s, n) => s + Number(n.amount) - Number(n.principalReceived), 0);
    if (outstanding > 0)
      this.ledger.post(tx, noteChargeOffPosting(outstanding), {
        creditAccountId: account.id,
        refId: listing.id,
      });
    this.close(tx, listing, notes, NoteStatus.CHARGED_OFF, this.clock.now());
  }

  /** The ACTIVE notes of a funded listing, oldest first (ids are time-ordered; the order ties are broken in). */
  private async fundedNotes(
    tx: Tx,
    account: CreditAccount,
  ): Promise<{ listing: Listing | null; notes: Note[] }> {
    const listing = await tx.em.findOne(Listing, { accountId: account.id, status: ListingStatus.FUNDED });
    if (!listing) return { listing: null, notes: [] };
    const notes = await tx.em.find(
      Note,
      { listingId: listing.id, status: NoteStatus.ACTIVE },
      { orderBy: { id: 'asc' } },
    );
    return { listing, notes };
  }

  private close(tx: Tx, listing: Listing, notes: Note[], status: NoteStatus, now: Date): void {
    const byInvestor = new Map<string, number>();
    for (const n of notes) {
      n.status = status;
      n.updatedAt = now;
      byInvestor.set(
        n.investorId,
        (byInvestor.get(n.investorId) ?? 0) + Number(n.amount) - Number(n.principalReceived),
      );
    }
    const paid = status === NoteStatus.PAID_OFF;
    for (const [investorId, lost] of byInvestor) {
      this.notifications.notify(
        tx,
        investorId,
        paid ? NotificationKind.NOTES_PAID_OFF : NotificationKind.NOTES_CHARGED_OFF,
        paid ? 'A loan you invested in is paid off' : 'A loan you invested in was charged off',
        paid
          ? `A grade ${listing.grade} loan was repaid in full; your notes in it are paid off.`
          : `A grade ${listing.grade} loan was charged off at 120 days past due; ${formatMoney(lost)} of your principal in it is lost.`,
        { listingId: toGlobalId(LISTING_TYPE, listing.id) },
      );
    }
  }
}
