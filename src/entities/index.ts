import accounts from './accounts';
import applications from './applications';
import common from './common';
import identity from './identity';
import ledger from './ledger';
import marketplace from './marketplace';
import merchants from './merchants';
import notifications from './notifications';
import repayments from './repayments';
import rewards from './rewards';
import servicing from './servicing';

/** Every entity, for the ORM's discovery: each feature folder lists its own (a new feature adds a line). */
export const entities = [
  ...common,
  ...identity,
  ...applications,
  ...accounts,
  ...repayments,
  ...rewards,
  ...notifications,
  ...ledger,
  ...marketplace,
  ...merchants,
  ...servicing,
];

export * from './accounts';
export * from './applications';
export * from './common';
export * from './identity';
export * from './ledger';
export * from './marketplace';
export * from './merchants';
export * from './notifications';
export * from './repayments';
export * from './rewards';
export * from './servicing';
