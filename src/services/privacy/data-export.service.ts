import type { Clock } from '../../lib/clock';
import { forbidden } from '../../lib/errors';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { EXPORT_STATEMENT } from './export-statement';

/** Version of the export's layout, for whoever reads one later. */
const EXPORT_FORMAT = 1;

/**
 * `exportMyData` (SPEC section 2): everything held on the caller, about themselves only, as
 * one JSON document read with one statement (see `export-statement.ts`), whatever the size of
 * their history. Signed-in people only: a merchant's API key cannot export its owner.
 */
export class DataExportService {
  constructor(private readonly clock: Clock) {}

  async exportMine(ctx: RequestScope): Promise<Record<string, unknown>> {
    const viewer = requireViewer(ctx);
    if (viewer.apiKeyId) throw forbidden();
    const [row] = (await ctx.em.getConnection().execute(EXPORT_STATEMENT, [viewer.userId])) as {
      document: Record<string, unknown>;
    }[];
    return { format: EXPORT_FORMAT, exportedAt: this.clock.now().toISOString(), ...row!.document };
  }
}
