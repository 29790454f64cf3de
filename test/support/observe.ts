import { Client as PgClient } from 'pg';

/**
 * Watches every statement this process sends to PostgreSQL while `work` runs (the server
 * under test runs in-process): `see` gets the client and the statement text.
 */
export async function watchStatements<T>(
  see: (client: PgClient, text: string) => void,
  work: () => Promise<T>,
): Promise<T> {
  const original = PgClient.prototype.query;
  const spy = jest.spyOn(PgClient.prototype, 'query').mockImplementation(function (
    this: PgClient,
    ...args: unknown[]
  ) {
    const q = args[0];
    const text = typeof q === 'string' ? q : (q as { text?: unknown } | null)?.text;
    if (typeof text === 'string') see(this, text);
    return (original as (...a: unknown[]) => unknown).apply(this, args) as never;
  });
  try {
    return await work();
  } finally {
    spy.mockRestore();
  }
}

/** The statements sent while `work` runs that match `re`. */
export async function statementsMatching(re: RegExp, work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  await watchStatements((_client, text) => {
    if (re.test(text)) seen.push(text);
  }, work);
  return seen;
}

/** One series of the server's /metrics (`name` with its labels, as printed), or null when absent. */
export async function metricValue(graphqlUrl: string, series: string): Promise<number | null> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  const escaped = series.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}
