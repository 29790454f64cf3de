import type { MigrationObject } from '@mikro-orm/core';
import { Migration0001Foundation } from './0001-foundation';
import { Migration0002Applications } from './0002-applications';
import { Migration0003AccountsLedger } from './0003-accounts-ledger';
import { Migration0004Repayments } from './0004-repayments';
import { Migration0005MoneySafety } from './0005-money-safety';
import { Migration0006OutboxRetention } from './0006-outbox-retention';
import { Migration0007Marketplace } from './0007-marketplace';
import { Migration0008CashDraws } from './0008-cash-draws';
import { Migration0009Merchants } from './0009-merchants';
import { Migration0010AuditLog } from './0010-audit-log';
import { Migration0011AccountClosure } from './0011-account-closure';
import { Migration0012Privacy } from './0012-privacy';
import { Migration0013MetricsIndexes } from './0013-metrics-indexes';
import { Migration0014OutboxWatermark } from './0014-outbox-watermark';

/**
 * Every migration, in order (names sort in that order too: the migrator relies on it).
 * Append new ones with the next number; never edit one that has shipped.
 */
export const migrations: MigrationObject[] = [
  { name: '0001-foundation', class: Migration0001Foundation },
  { name: '0002-applications', class: Migration0002Applications },
  { name: '0003-accounts-ledger', class: Migration0003AccountsLedger },
  { name: '0004-repayments', class: Migration0004Repayments },
  { name: '0005-money-safety', class: Migration0005MoneySafety },
  { name: '0006-outbox-retention', class: Migration0006OutboxRetention },
  { name: '0007-marketplace', class: Migration0007Marketplace },
  { name: '0008-cash-draws', class: Migration0008CashDraws },
  { name: '0009-merchants', class: Migration0009Merchants },
  { name: '0010-audit-log', class: Migration0010AuditLog },
  { name: '0011-account-closure', class: Migration0011AccountClosure },
  { name: '0012-privacy', class: Migration0012Privacy },
  { name: '0013-metrics-indexes', class: Migration0013MetricsIndexes },
  { name: '0014-outbox-watermark', class: Migration0014OutboxWatermark },
];
