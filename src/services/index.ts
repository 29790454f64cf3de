import type { Knex } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Transactions } from '../db/transactions';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { LiveHub } from '../subscriptions/common/live-stream';
import type { AuditService } from './common/audit.service';
import type { AuthService } from './identity/auth.service';
import type { CreditApplicationService } from './applications/credit-application.service';
import type { CardVault } from './accounts/card-vault';
import type { CardTransactionService } from './accounts/card-transaction.service';
import type { CreditAccountService } from './accounts/credit-account.service';
import type { LedgerService } from './ledger/ledger.service';
import type { RewardsService } from './rewards/rewards.service';
import type { DailyJobService } from './servicing/daily-job.service';
import type { PaymentGateway } from './repayments/payment-gateway';
import type { PayoutService } from './repayments/payout.service';
import type { RepaymentService } from './repayments/repayment.service';
import type { SandboxService } from './servicing/sandbox.service';
import type { SessionService } from './identity/session.service';
import type { IdempotencyService } from './common/idempotency.service';
import type { NotificationService } from './notifications/notification.service';
import type { RateLimiter } from './identity/rate-limiter';
import type { TokenService } from './identity/token.service';
import type { UserService } from './identity/user.service';

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
