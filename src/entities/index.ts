import { AuditEntry } from './audit-entry.entity';
import { Card } from './card.entity';
import { CardTransaction } from './card-transaction.entity';
import { CreditAccount } from './credit-account.entity';
import { Installment, InstallmentPlan } from './installment-plan.entity';
import { JournalEntry, JournalLine, LedgerAccount } from './ledger.entity';
import { DailyJobRun } from './daily-job-run.entity';
import { Disbursement } from './disbursement.entity';
import { GatewayOperation } from './gateway-operation.entity';
import { PaymentAllocation } from './payment-allocation.entity';
import { SandboxClockRow } from './sandbox-clock.entity';
import { Payment } from './payment.entity';
import { RewardBalance, RewardEntry, RewardRedemption } from './rewards.entity';
import { CreditApplication } from './credit-application.entity';
import { CreditDecision } from './credit-decision.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Notification } from './notification.entity';
import { OutboxEvent } from './outbox-event.entity';
import { RefreshToken } from './refresh-token.entity';
import { User } from './user.entity';

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
