import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Keys of an error that may carry the values of a query: SQL with its bindings inlined
 * (knex prefixes every database error message with it), the bindings themselves, and
 * PostgreSQL's `detail` ("Key (email)=(…) already exists", "Failing row contains (…)").
 */
const VALUE_KEYS = new Set([
  'sql',
  'bindings',
  'params',
  'parameters',
  'values',
  'query',
  'detail',
  'where',
  'internalQuery',
  'hint',
  'sqlMessage',
  'errmsg',
]);
/** Identifiers PostgreSQL reports with an error: names, never values. */
const DB_KEYS = [
  'code',
  'sqlState',
  'severity',
  'routine',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
] as const;

type ErrorLike = Error & Record<string, unknown>;

const isErrorLike = (v: unknown): v is ErrorLike =>
  typeof v === 'object' && v !== null && typeof (v as Error).message === 'string' && 'stack' in v;

/**
 * A database error (pg's DatabaseError, or MikroORM's DriverException copied from it):
 * its message quotes the statement with the bound values and often a value itself
 * (`invalid input syntax for type uuid: "…"`).
 */
const isDatabaseError = (e: ErrorLike): boolean =>
  typeof e.severity === 'string' ||
  typeof e.sqlState === 'string' ||
  (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.routine === 'string');

/** The stack's frames only: its first lines repeat the message. */
const framesOf = (stack: unknown): string | undefined =>
  typeof stack === 'string'
    ? stack
        .split('\n')
        .filter((l) => l.trim().startsWith('at '))
        .join('\n')
    : undefined;

/**
 * The `err` serializer of every log line: like pino's, but a database error is reduced to
 * its SQLSTATE, routine and the names PostgreSQL reports (table, column, constraint), and
 * no error anywhere in a cause chain keeps SQL, bindings or a row's values. Customers'
 * data (emails, card references, amounts) must never reach the logs through a failed query.
 */
export function serializeError(err: unknown): unknown {
  if (!isErrorLike(err)) return err;
  const type = err.constructor?.name ?? err.name;
  const db = databaseErrorIn(err);
  if (db) {
    const out: Record<string, unknown> = { type, stack: framesOf(err.stack) };
    for (const k of DB_KEYS) if (typeof db[k] === 'string') out[k] = db[k];
    out.message = `database error ${String(db.sqlState ?? db.code ?? 'unknown')}${
      typeof db.routine === 'string' ? ` in ${db.routine}` : ''
    } (statement and values not logged)`;
    if (db !== err) out.originalType = db.constructor?.name ?? db.name;
    return out;
  }
  const base = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) if (!VALUE_KEYS.has(k)) out[k] = v;
  if (Array.isArray(err.errors)) out.aggregateErrors = err.errors.map((e) => serializeError(e));
  return out;
}

/** The database error this error is or wraps (GraphQL's originalError, a cause), if any. */
function databaseErrorIn(err: ErrorLike): ErrorLike | null {
  let e: unknown = err;
  for (let depth = 0; depth < 10 && isErrorLike(e); depth++) {
    if (isDatabaseError(e)) return e;
    e = isErrorLike(e.originalError) ? e.originalError : e.cause;
  }
  return null;
}

/**
 * Structured JSON logs. Secrets, tokens and passwords are redacted wherever they appear,
 * and errors never carry SQL bound values (`serializeError`). `destination` is stdout
 * unless given (tests read the lines back).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'credit-platform' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError, error: serializeError, reason: serializeError },
    redact: {
      paths: [
        'password',
        '*.password',
        '*.*.password',
        'accessToken',
        'refreshToken',
        '*.accessToken',
        '*.refreshToken',
        'headers.authorization',
        '*.headers.authorization',
        'variables.input.password',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
