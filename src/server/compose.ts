import type { Knex } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { Transactions } from '../db/transactions';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { AccountClosureService } from '../services/accounts/account-closure.service';
import { CardTransactionService } from '../services/accounts/card-transaction.service';
import { CardVault } from '../services/accounts/card-vault';
import { CreditAccountService } from '../services/accounts/credit-account.service';
import { InstallmentPlanService } from '../services/accounts/installment-plan.service';
import { RefundService } from '../services/accounts/refund.service';
import { CreditApplicationService } from '../services/applications/credit-application.service';
import { AuditService } from '../services/common/audit.service';
import { IdempotencyService } from '../services/common/idempotency.service';
import { IdempotentMutations } from '../services/common/idempotent-mutation';
import { AuthService } from '../services/identity/auth.service';
import type { RateLimiter } from '../services/identity/rate-limiter';
import { SessionService } from '../services/identity/session.service';
import { TokenService } from '../services/identity/token.service';
import { UserService } from '../services/identity/user.service';
import { LedgerService } from '../services/ledger/ledger.service';
import { CashMovementService } from '../services/marketplace/cash-movement.service';
import { DistributionService } from '../services/marketplace/distribution.service';
import { ListingService } from '../services/marketplace/listing.service';
import { PortfolioService } from '../services/marketplace/portfolio.service';
import { AutopayService } from '../services/merchants/autopay.service';
import { CheckoutRefundService } from '../services/merchants/checkout-refund.service';
import { CheckoutService } from '../services/merchants/checkout.service';
import { MerchantService } from '../services/merchants/merchant.service';
import { SettlementService } from '../services/merchants/settlement.service';
import { WebhookService } from '../services/merchants/webhook.service';
import { NotificationService } from '../services/notifications/notification.service';
import { AuditLogService } from '../services/operations/audit-log.service';
import { DashboardService } from '../services/operations/dashboard.service';
import { PortfolioMetricsService } from '../services/operations/portfolio-metrics.service';
import { AccountDeletionService } from '../services/privacy/account-deletion.service';
import { DataExportService } from '../services/privacy/data-export.service';
import { PaymentApplicationService } from '../services/repayments/payment-application.service';
import { SimulatedGateway } from '../services/repayments/payment-gateway';
import { PayoutService } from '../services/repayments/payout.service';
import { RepaymentService } from '../services/repayments/repayment.service';
import { RedemptionService } from '../services/rewards/redemption.service';
import { RewardPointsService } from '../services/rewards/reward-points.service';
import { DailyJobService } from '../services/servicing/daily-job.service';
import { SandboxService } from '../services/servicing/sandbox.service';
import type { LiveHub } from '../subscriptions/common/live-stream';
import type { OutboxRelay } from '../subscriptions/common/outbox-relay';
import type { EventBus } from '../subscriptions/common/pubsub';

/** What the services are built on: configuration, the clock, and the server's connections. */
export interface Ports {
  config: Config;
  clock: Clock;
  log: Logger;
  /** For hot paths that write with one raw statement, and the simulated gateway's memory. */
  knex: Knex;
  relay: OutboxRelay;
  bus: EventBus;
  live: LiveHub;
  rateLimiter: RateLimiter;
}

/**
 * The composition root: every service, built once per server in dependency order, each
 * given exactly the services and ports its constructor names. Nothing else constructs a
 * service; resolvers receive theirs through the resolver container. (Long on purpose: it is
 * the one list of what is built from what, read top to bottom.)
 */
export function composeServices(ports: Ports) {
  const { config, clock, log, knex, bus, live, rateLimiter } = ports;
  const tx = new Transactions(ports.relay, clock, log);
  const audit = new AuditService(clock);
  const idempotency = new IdempotencyService(clock);
  const mutations = new IdempotentMutations(tx, idempotency);
  const ledger = new LedgerService(clock);
  const notifications = new NotificationService(clock, tx, audit);

  // identity
  const tokens = new TokenService(config.secrets.jwt, config.accessTokenTtlSeconds);
  const sessions = new SessionService(knex, bus, log, config.accessTokenTtlSeconds * 1000);
  const users = new UserService();
  const merchants = new MerchantService(clock, tx, knex, audit);
  const auth = new AuthService(
    config,
    clock,
    tx,
    rateLimiter,
    tokens,
    sessions,
    audit,
    notifications,
    merchants,
  );

  // applications
  const applications = new CreditApplicationService(
    config,
    clock,
    tx,
    knex,
    rateLimiter,
    audit,
    mutations,
    notifications,
  );

  // accounts, rewards, repayments
  const points = new RewardPointsService(clock, ledger);
  const cards = new CardVault(config.secrets.cardEncryption, config.secrets.cvv, config.cardBin);
  const accounts = new CreditAccountService(clock, tx, audit, notifications, ledger, cards);
  const closures = new AccountClosureService(
    clock,
    log,
    tx,
    mutations,
    audit,
    notifications,
    ledger,
    accounts,
  );
  const plans = new InstallmentPlanService(clock, tx, audit, notifications);
  const distributions = new DistributionService(clock, ledger, notifications);
  const paymentApplication = new PaymentApplicationService(clock, ledger, points, distributions);
  const gateway = new SimulatedGateway(
    knex,
    new Set(config.gatewayFailAmounts),
    new Set(config.gatewayTimeoutAmounts),
  );
  const payouts = new PayoutService(
    config,
    clock,
    log,
    tx,
    audit,
    mutations,
    notifications,
    ledger,
    accounts,
    plans,
    gateway,
    closures,
  );
  const purchases = new CardTransactionService(
    clock,
    tx,
    knex,
    mutations,
    audit,
    notifications,
    ledger,
    points,
    plans,
  );
  const refunds = new RefundService(
    clock,
    mutations,
    audit,
    notifications,
    ledger,
    points,
    paymentApplication,
    payouts,
    plans,
    closures,
  );
  const repayments = new RepaymentService(
    config,
    clock,
    log,
    tx,
    audit,
    mutations,
    notifications,
    ledger,
    accounts,
    paymentApplication,
    gateway,
    payouts,
    closures,
  );
  const redemptions = new RedemptionService(
    clock,
    mutations,
    audit,
    notifications,
    accounts,
    paymentApplication,
    points,
    closures,
  );

  // marketplace
  const cashMovements = new CashMovementService(
    config,
    clock,
    log,
    tx,
    audit,
    mutations,
    notifications,
    ledger,
    gateway,
  );
  const listings = new ListingService(clock, log, tx, audit, mutations, notifications, ledger, payouts);
  const portfolios = new PortfolioService(clock);

  // merchants
  const webhooks = new WebhookService(config, clock, log, tx, audit, cards);
  const checkouts = new CheckoutService(
    clock,
    tx,
    audit,
    mutations,
    notifications,
    ledger,
    plans,
    repayments,
    webhooks,
  );
  const checkoutRefunds = new CheckoutRefundService(
    clock,
    audit,
    mutations,
    notifications,
    ledger,
    paymentApplication,
    payouts,
    points,
    webhooks,
    closures,
  );
  const settlements = new SettlementService(config, clock, log, tx, audit, ledger, gateway, webhooks);
  const autopay = new AutopayService(clock, tx, audit, paymentApplication, repayments);

  // servicing
  const dailyJob = new DailyJobService(
    clock,
    log,
    tx,
    audit,
    notifications,
    ledger,
    plans,
    paymentApplication,
    distributions,
    listings,
    checkouts,
    autopay,
    settlements,
    closures,
  );
  const sandbox = new SandboxService(config, clock, tx, audit, dailyJob);

  // privacy
  const dataExports = new DataExportService(clock);
  const accountDeletion = new AccountDeletionService(clock, tx, audit, sessions, rateLimiter);

  // operations
  const auditLog = new AuditLogService();
  const portfolioMetrics = new PortfolioMetricsService(clock, knex);
  const dashboard = new DashboardService(portfolioMetrics, log);

  return {
    config,
    clock,
    log,
    knex,
    bus,
    live,
    rateLimiter,
    tx,
    audit,
    auditLog,
    portfolioMetrics,
    dashboard,
    idempotency,
    mutations,
    ledger,
    notifications,
    tokens,
    sessions,
    users,
    auth,
    applications,
    points,
    cards,
    accounts,
    closures,
    plans,
    paymentApplication,
    gateway,
    payouts,
    purchases,
    refunds,
    repayments,
    redemptions,
    distributions,
    cashMovements,
    listings,
    portfolios,
    merchants,
    webhooks,
    checkouts,
    checkoutRefunds,
    settlements,
    autopay,
    dailyJob,
    sandbox,
    dataExports,
    accountDeletion,
  };
}

/** The composed services of one server. */
export type App = ReturnType<typeof composeServices>;
