import type { Transactions, Tx } from '../../db/transactions';
import type { IdempotencyService } from './idempotency.service';
import { requireViewer, type RequestScope, type Viewer } from './request-scope';

/** What a money mutation did: `stored` is what a repeat gets back; `local` only the first call sees. */
export type MutationOutcome<S, L> =
  { replayed: false; stored: S; local: L } | { replayed: true; stored: S; local?: undefined };

/** One idempotent call: the operation's name, the client's key and the input it came with. */
export interface IdempotentCall {
  operation: string;
  key: string;
  input: Record<string, unknown>;
}

/**
 * The one shape of every money mutation (SPEC section 1), in one transaction: claim the
 * caller's key; a repeat of the same call gets the first call's stored result and nothing
 * runs again; otherwise `work` runs and its `stored` part (ids) is remembered for repeats.
 * A key reused with another input is refused. What follows the commit (asking the gateway,
 * re-reading what the client is shown) the caller does with the outcome.
 */
export class IdempotentMutations {
  constructor(
    private readonly tx: Transactions,
    private readonly keys: IdempotencyService,
  ) {}

  async run<S extends Record<string, unknown>, L = undefined>(
    scope: RequestScope,
    call: IdempotentCall,
    work: (tx: Tx, viewer: Viewer) => Promise<{ stored: S; local?: L }>,
  ): Promise<MutationOutcome<S, L>> {
    const viewer = requireViewer(scope);
    return this.tx.run(scope.em, async (tx): Promise<MutationOutcome<S, L>> => {
      const claim = await this.keys.claim<S>(tx, viewer.userId, call.key, call.operation, call.input);
      if (claim.replay) return { replayed: true, stored: claim.result };
      const { stored, local } = await work(tx, viewer);
      await this.keys.complete(tx, viewer.userId, call.key, stored);
      return { replayed: false, stored, local: local as L };
    });
  }
}
