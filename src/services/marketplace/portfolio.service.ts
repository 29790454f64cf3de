import { netAnnualizedReturn } from '../../domain/marketplace/returns';
import { investorCashCode } from '../../domain/ledger/ledger';
import { Note } from '../../entities';
import { Role } from '../../entities/identity/user.entity';
import { forbidden } from '../../lib/errors';
import type { Clock } from '../../lib/clock';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { findPage, mapConnection, type Connection, type PageArgs } from '../common/pagination';
import { noteView, type NoteView, type PortfolioView } from './marketplace-view';

/** The ledger entries that are the investor's own cash flows into and out of notes (not deposits or withdrawals). */
const NOTE_FLOW_KINDS = ['NOTE_COMMITMENT', 'NOTE_COMMITMENT_REFUND', 'NOTE_DISTRIBUTION'];

const GRADES = ['A', 'B', 'C', 'D', 'E'];

/**
 * An investor's position (SPEC section 7), from their notes and their ledger: cash (the
 * ledger's balance, kept in `investor_account`), what they invested, what is still
 * outstanding, what they received, the fees, their notes by grade and status, and their net
 * annualised return.
 */
export class PortfolioService {
  constructor(private readonly clock: Clock) {}

  async portfolio(ctx: RequestScope): Promise<PortfolioView> {
    const viewer = requireViewer(ctx);
    if (!viewer.roles.includes(Role.INVESTOR)) throw forbidden();
    const conn = ctx.em.getConnection();
    const [cashRows, gradeRows] = await Promise.all([
      conn.execute('select cash from investor_account where user_id = ?', [viewer.userId]) as Promise<
        { cash: string }[]
      >,
      conn.execute(
        `select l.grade, n.status, count(*)::int as notes, sum(n.amount)::bigint as amount,
                sum(n.principal_received)::bigint as principal, sum(n.interest_received)::bigint as interest,
                sum(n.fees_paid)::bigint as fees
           from note n join listing l on l.id = n.listing_id
          where n.investor_id = ? group by l.grade, n.status`,
        [viewer.userId],
      ) as Promise<
        {
          grade: string;
          status: string;
          notes: number;
          amount: string;
          principal: string;
          interest: string;
          fees: string;
        }[]
      >,
    ]);
    const view: PortfolioView = {
      userId: viewer.userId,
      cash: Number(cashRows[0]?.cash ?? 0),
      invested: 0,
      outstandingPrincipal: 0,
      principalReceived: 0,
      interestEarned: 0,
      feesPaid: 0,
      byGrade: GRADES.map((grade) => ({ grade, noteCount: 0, outstandingPrincipal: 0 })),
      byStatus: [],
    };
    const byStatus = new Map<string, { status: string; noteCount: number; amount: number }>();
    for (const r of gradeRows) {
      const amount = Number(r.amount);
      const principal = Number(r.principal);
      const outstanding = r.status === 'ACTIVE' ? amount - principal : 0;
      if (r.status !== 'CANCELLED') view.invested += amount;
      view.outstandingPrincipal += outstanding;
      view.principalReceived += principal;
      view.interestEarned += Number(r.interest);
      view.feesPaid += Number(r.fees);
      const g = view.byGrade.find((x) => x.grade === r.grade)!;
      if (r.status === 'ACTIVE') {
        g.noteCount += r.notes;
        g.outstandingPrincipal += outstanding;
      }
      const s = byStatus.get(r.status) ?? { status: r.status, noteCount: 0, amount: 0 };
      s.noteCount += r.notes;
      s.amount += amount;
      byStatus.set(r.status, s);
    }
    view.byStatus = [...byStatus.values()].sort((a, b) => a.status.localeCompare(b.status));
    return view;
  }

  /**
   * The XIRR of the investor's flows into and out of notes (not their deposits and
   * withdrawals), valuing their active notes' outstanding principal at par today; null until
   * there is something to measure (see `netAnnualizedReturn`).
   */
  async netAnnualizedReturn(ctx: RequestScope, outstanding: number): Promise<number | null> {
    const viewer = requireViewer(ctx);
    const rows = (await ctx.em.getConnection().execute(
      `select to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD') as day, -sum(l.amount)::bigint as amount
         from journal_line l join journal_entry e on e.id = l.entry_id
        where l.ledger_code = ? and e.kind in (?) group by 1 order by 1`,
      [investorCashCode(viewer.userId), NOTE_FLOW_KINDS],
    )) as { day: string; amount: string }[];
    const today = this.clock.today();
    return netAnnualizedReturn(
      rows.filter((r) => r.day <= today).map((r) => ({ date: r.day, amount: Number(r.amount) })),
      today,
      outstanding,
    );
  }

  /** The investor's notes, newest first. */
  async notes(ctx: RequestScope, args: PageArgs): Promise<Connection<NoteView>> {
    const viewer = requireViewer(ctx);
    const page = await findPage(ctx.em, Note, { investorId: viewer.userId }, args, 'desc');
    return mapConnection(page, noteView);
  }
}
