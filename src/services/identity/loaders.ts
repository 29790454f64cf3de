import type { EntityManager } from '@mikro-orm/postgresql';
import { User } from '../../entities';
import { byId } from '../common/batch';

export const identityLoaders = (em: EntityManager) => ({
  userById: byId(em, User),
});
