import { AuditEntry } from './common/audit-entry.entity';
import { Card } from './accounts/card.entity';
import { CardTransaction } from './accounts/card-transaction.entity';
import { CreditAccount } from './accounts/credit-account.entity';
import { Installment, InstallmentPlan } from './accounts/installment-plan.entity';
import { JournalEntry, JournalLine, LedgerAccount } from './ledger/ledger.entity';
import { DailyJobRun } from './servicing/daily-job-run.entity';
import { Disbursement } from './repayments/disbursement.entity';
import { GatewayOperation } from './repayments/gateway-operation.entity';
import { PaymentAllocation } from './repayments/payment-allocation.entity';
import { SandboxClockRow } from './servicing/sandbox-clock.entity';
import { Payment } from './repayments/payment.entity';
import { RewardBalance, RewardEntry, RewardRedemption } from './rewards/rewards.entity';
import { CreditApplication } from './applications/credit-application.entity';
import { CreditDecision } from './applications/credit-decision.entity';
import { IdempotencyKey } from './common/idempotency-key.entity';
import { Notification } from './notifications/notification.entity';
import { OutboxEvent } from './common/outbox-event.entity';
import { RefreshToken } from './identity/refresh-token.entity';
import { User } from './identity/user.entity';

/** Every entity, for the ORM's discovery. */
export const entities = [
  User,
  RefreshToken,
  Notification,
  OutboxEvent,
  IdempotencyKey,
  AuditEntry,
  CreditApplication,
  CreditDecision,
  CreditAccount,
  Card,
  CardTransaction,
  InstallmentPlan,
  Installment,
  RewardBalance,
  RewardEntry,
  RewardRedemption,
  LedgerAccount,
  JournalEntry,
  JournalLine,
  Payment,
  Disbursement,
  PaymentAllocation,
  SandboxClockRow,
  DailyJobRun,
  GatewayOperation,
];
export {
  AuditEntry,
  Card,
  CardTransaction,
  CreditAccount,
  CreditApplication,
  CreditDecision,
  DailyJobRun,
  Disbursement,
  GatewayOperation,
  IdempotencyKey,
  Installment,
  InstallmentPlan,
  JournalEntry,
  JournalLine,
  LedgerAccount,
  Notification,
  OutboxEvent,
  Payment,
  PaymentAllocation,
  RefreshToken,
  RewardBalance,
  RewardEntry,
  RewardRedemption,
  SandboxClockRow,
  User,
};
