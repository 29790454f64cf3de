import type { EntityManager } from '@mikro-orm/postgresql';
import { CreditApplication, CreditDecision } from '../../entities';
import { byId } from '../common/batch';

export const applicationLoaders = (em: EntityManager) => ({
  applicationById: byId(em, CreditApplication),
  decisionById: byId(em, CreditDecision),
});
