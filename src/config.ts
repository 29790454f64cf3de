import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Settings, parsed and validated once from the environment (SPEC section 12). Nothing else
 * in the code reads process.env. Every problem is reported together at start-up, and
 * secrets are never part of any message.
 */
export interface Config {
  env: 'development' | 'test' | 'production';
  /** The sandbox (movable clock, any webhook URL) is on everywhere except production. */
  sandbox: boolean;
  host: string;
  port: number;
  /** Absent: an embedded PostgreSQL is started with its data in `dataDir/pg`. */
  databaseUrl: string | null;
  /** Connections the server keeps to PostgreSQL at most (bench/README.md, "Pool and PostgreSQL settings"). */
  databasePoolMax: number;
  /** Absent: pub/sub and rate limits stay in this process. */
  redisUrl: string | null;
  /** Prefix for every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  dataDir: string;
  logLevel: string;
  /** Browser origins allowed to open the WebSocket (same-origin is always allowed). */
  allowedOrigins: string[];
  bodyLimitBytes: number;
  /**
   * How many reverse proxies in front of this server are trusted to append to
   * `X-Forwarded-For`: the client address is the one the outermost trusted proxy saw
   * (0: the socket's peer, `X-Forwarded-For` ignored).
   */
  trustProxyHops: number;
  /** Every Redis command of the rate limiter fails after this long (sign-in then fails closed). */
  redisCommandTimeoutMs: number;
  secrets: { jwt: Buffer; cardEncryption: Buffer; cvv: Buffer };
  limits: {
    maxDepth: number;
    maxAliases: number;
    maxCost: number;
    maxTokens: number;
    maxDirectives: number;
    wsMaxPayloadBytes: number;
    wsMaxSubscriptions: number;
    wsConnectionInitTimeoutMs: number;
    signInFailuresPerEmail: number;
    signInAttemptsPerAddress: number;
    signInWindowMs: number;
    simulationsPerMinute: number;
  };
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /** Relay safety-net poll: events are normally relayed right after their commit. */
  relayPollMs: number;
  /** Live events are kept this long for replay (`since`), then pruned. */
  outboxRetentionDays: number;
  /** How often an instance prunes events older than the retention. */
  outboxPruneIntervalMs: number;
  /** Issuer BIN of virtual cards (6 digits). */
  cardBin: string;
  /** Simulated gateway: amounts (cents) it declines. */
  gatewayFailAmounts: number[];
  /**
   * Simulated gateway: amounts (cents) whose first request it records but never answers, as
   * a provider whose answer is lost in a timeout (exercises the PENDING recovery).
   */
  gatewayTimeoutAmounts: number[];
  /** How long a mutation waits for the gateway before answering with the record still PENDING. */
  gatewayTimeoutMs: number;
  /** Records left PENDING longer than this are settled by asking the gateway again (same reference). */
  gatewayRecoveryMs: number;
  /** Webhooks: how long one delivery attempt may take, the first retry's wait (doubling, with jitter), how often the worker looks. */
  webhookTimeoutMs: number;
  webhookRetryBaseMs: number;
  webhookPollMs: number;
  /** Run the daily job by itself each business day (off in tests, which drive it). */
  dailyJobAutorun: boolean;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const secretHex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
  .optional();

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: int(4000).pipe(z.number().max(65535)),
  DATABASE_URL: z.string().url('must be a postgres:// URL').optional(),
  DATABASE_POOL_MAX: int(10, 1),
  REDIS_URL: z.string().url('must be a redis:// URL').optional(),
  REDIS_PREFIX: z.string().max(100).default('credit:'),
  DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ALLOWED_ORIGINS: z.string().default(''),
  BODY_LIMIT_BYTES: int(100 * 1024, 1024),
  // A hop count; `true` is one hop (a single load balancer), never "trust every hop", which
  // would let a client pick its own address with a forged X-Forwarded-For.
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, 'true, false or a number of proxy hops')
    .default('false'),
  REDIS_COMMAND_TIMEOUT_MS: int(500, 10),
  JWT_SECRET: secretHex,
  CARD_ENCRYPTION_KEY: secretHex,
  CVV_KEY: secretHex,
  MAX_QUERY_DEPTH: int(15, 1),
  MAX_ALIASES: int(30, 1),
  // graphql-armor's cost (objects 2, scalars 1, x1.5 per level): the heaviest contract operation
  // (Account) costs about 27,000; the limit leaves room for it and stops floods.
  MAX_QUERY_COST: int(100_000, 1),
  MAX_QUERY_TOKENS: int(2000, 10),
  MAX_DIRECTIVES: int(20, 1),
  WS_MAX_PAYLOAD_BYTES: int(64 * 1024, 1024),
  WS_MAX_SUBSCRIPTIONS: int(50, 1),
  WS_CONNECTION_INIT_TIMEOUT_MS: int(10_000, 100),
  SIGNIN_FAILURES_PER_EMAIL: int(5, 1),
  SIGNIN_ATTEMPTS_PER_ADDRESS: int(50, 1),
  SIGNIN_WINDOW_MS: int(15 * 60 * 1000, 1000),
  SIMULATIONS_PER_MINUTE: int(60, 1),
  ACCESS_TOKEN_TTL_SECONDS: int(15 * 60, 1),
  REFRESH_TOKEN_TTL_DAYS: int(30, 1),
  RELAY_POLL_MS: int(500, 10),
  OUTBOX_RETENTION_DAYS: int(3, 1),
  OUTBOX_PRUNE_INTERVAL_MS: int(10 * 60 * 1000, 100),
  GATEWAY_FAIL_AMOUNTS: z
    .string()
    .regex(/^(\d+\.\d{2})?(,\d+\.\d{2})*$/, 'comma-separated amounts like 13.13')
    .default('13.13'),
  GATEWAY_TIMEOUT_AMOUNTS: z
    .string()
    .regex(/^(\d+\.\d{2})?(,\d+\.\d{2})*$/, 'comma-separated amounts like 14.14')
    .default('14.14'),
  GATEWAY_TIMEOUT_MS: int(5000, 10),
  GATEWAY_RECOVERY_MS: int(30_000, 10),
  WEBHOOK_TIMEOUT_MS: int(5000, 10),
  WEBHOOK_RETRY_BASE_MS: int(30_000, 10),
  WEBHOOK_POLL_MS: int(1000, 10),
  DAILY_JOB_AUTORUN: z.enum(['true', 'false']).default('true'),
  CARD_BIN: z
    .string()
    .regex(/^\d{6}$/, 'must be 6 digits')
    .default('453275'),
});
type Env = z.infer<typeof schema>;

const cents = (list: string): number[] =>
  list
    .split(',')
    .filter(Boolean)
    .map((a) => Math.round(Number(a) * 100));

type SecretName = 'JWT_SECRET' | 'CARD_ENCRYPTION_KEY' | 'CVV_KEY';
const SECRET_NAMES: SecretName[] = ['JWT_SECRET', 'CARD_ENCRYPTION_KEY', 'CVV_KEY'];

/**
 * Outside production a missing secret is generated once and kept in `<dataDir>/secrets.json`,
 * so a restart keeps tokens valid and encrypted card numbers readable.
 */
function loadOrCreateSecrets(
  dataDir: string,
  given: Partial<Record<SecretName, string>>,
): Record<SecretName, Buffer> {
  const file = join(dataDir, 'secrets.json');
  let stored: Partial<Record<SecretName, string>> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  let changed = false;
  const out = {} as Record<SecretName, Buffer>;
  for (const name of SECRET_NAMES) {
    let hex = given[name] ?? stored[name];
    if (!hex) {
      hex = randomBytes(32).toString('hex');
      stored[name] = hex;
      changed = true;
    }
    out[name] = Buffer.from(hex, 'hex');
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return out;
}

/** The request limits (SPEC section 12): query shape, WebSocket and sign-in limits. */
function limitsFrom(e: Env): Config['limits'] {
  return {
    maxDepth: e.MAX_QUERY_DEPTH,
    maxAliases: e.MAX_ALIASES,
    maxCost: e.MAX_QUERY_COST,
    maxTokens: e.MAX_QUERY_TOKENS,
    maxDirectives: e.MAX_DIRECTIVES,
    wsMaxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
    wsMaxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
    wsConnectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
    signInFailuresPerEmail: e.SIGNIN_FAILURES_PER_EMAIL,
    signInAttemptsPerAddress: e.SIGNIN_ATTEMPTS_PER_ADDRESS,
    signInWindowMs: e.SIGNIN_WINDOW_MS,
    simulationsPerMinute: e.SIMULATIONS_PER_MINUTE,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    // Name the variable and the rule, never the value: it may be a secret.
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  if (production) {
    for (const name of SECRET_NAMES) if (!e[name]) problems.push(`${name}: required in production`);
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in production');
  }
  if (problems.length) throw new ConfigError(problems);

  const dataDir = resolve(e.DATA_DIR);
  const secrets = production
    ? Object.fromEntries(SECRET_NAMES.map((n) => [n, Buffer.from(e[n]!, 'hex')]))
    : loadOrCreateSecrets(dataDir, {
        JWT_SECRET: e.JWT_SECRET,
        CARD_ENCRYPTION_KEY: e.CARD_ENCRYPTION_KEY,
        CVV_KEY: e.CVV_KEY,
      });

  return {
    env: e.NODE_ENV,
    sandbox: !production,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL ?? null,
    databasePoolMax: e.DATABASE_POOL_MAX,
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.REDIS_PREFIX,
    dataDir,
    logLevel: e.LOG_LEVEL,
    allowedOrigins: e.ALLOWED_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    trustProxyHops: e.TRUST_PROXY === 'true' ? 1 : e.TRUST_PROXY === 'false' ? 0 : Number(e.TRUST_PROXY),
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    secrets: {
      jwt: secrets.JWT_SECRET!,
      cardEncryption: secrets.CARD_ENCRYPTION_KEY!,
      cvv: secrets.CVV_KEY!,
    },
    limits: limitsFrom(e),
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    relayPollMs: e.RELAY_POLL_MS,
    outboxRetentionDays: e.OUTBOX_RETENTION_DAYS,
    outboxPruneIntervalMs: e.OUTBOX_PRUNE_INTERVAL_MS,
    cardBin: e.CARD_BIN,
    gatewayFailAmounts: cents(e.GATEWAY_FAIL_AMOUNTS),
    gatewayTimeoutAmounts: cents(e.GATEWAY_TIMEOUT_AMOUNTS),
    gatewayTimeoutMs: e.GATEWAY_TIMEOUT_MS,
    gatewayRecoveryMs: e.GATEWAY_RECOVERY_MS,
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    webhookRetryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
    webhookPollMs: e.WEBHOOK_POLL_MS,
    dailyJobAutorun: e.DAILY_JOB_AUTORUN === 'true',
  };
}
