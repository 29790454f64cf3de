import type { Knex } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Transactions } from '../db/transactions';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { LiveHub } from '../subscriptions/live-stream';
import type { AuditService } from './audit.service';
import type { AuthService } from './auth.service';
import type { CreditApplicationService } from './credit-application.service';
import type { CardVault } from '../lib/card-vault';
import type { CardTransactionService } from './card-transaction.service';
import type { CreditAccountService } from './credit-account.service';
import type { LedgerService } from './ledger.service';
import type { RewardsService } from './rewards.service';
import type { DailyJobService } from './daily-job.service';
import type { PaymentGateway } from './payment-gateway';
import type { PayoutService } from './payout.service';
import type { RepaymentService } from './repayment.service';
import type { SandboxService } from './sandbox.service';
import type { SessionService } from './session.service';
import type { IdempotencyService } from './idempotency.service';
import type { NotificationService } from './notification.service';
import type { RateLimiter } from './rate-limiter';
import type { TokenService } from './token.service';
import type { UserService } from './user.service';

/** The application's singletons, built once per server by `createServices`. */
export interface Services {
  config: Config;
  clock: Clock;
  log: Logger;
  tx: Transactions;
  /** For hot paths that write with one raw statement. */
  knex: Knex;
  live: LiveHub;
  rateLimiter: RateLimiter;
  tokens: TokenService;
  sessions: SessionService;
  audit: AuditService;
  idempotency: IdempotencyService;
  auth: AuthService;
  users: UserService;
  notifications: NotificationService;
  applications: CreditApplicationService;
  ledger: LedgerService;
  cards: CardVault;
  accounts: CreditAccountService;
  purchases: CardTransactionService;
  rewards: RewardsService;
  gateway: PaymentGateway;
  repayments: RepaymentService;
  payouts: PayoutService;
  dailyJob: DailyJobService;
  sandbox: SandboxService;
}
