import { Clock } from '../../lib/clock';
import { toGlobalId } from '../../lib/global-id';
import { applicationType, decisionType } from '../../schema/applications/application.types';
import {
  APPLICATION_TYPE,
  CreditApplicationService,
  DECISION_TYPE,
} from '../../services/applications/credit-application.service';
import { nodeOf, type NodeSource } from '../common/node.resolver';
import { CreditApplicationResolver } from './credit-application.resolver';

export const resolvers = [CreditApplicationResolver];

export const nodes: NodeSource = (services) => {
  const applications = services.get(CreditApplicationService);
  const clock = services.get(Clock);
  return {
    [APPLICATION_TYPE]: nodeOf(
      (ctx, id) => applications.get(ctx, toGlobalId(APPLICATION_TYPE, id)),
      (v) => applicationType(v, clock.now()),
    ),
    [DECISION_TYPE]: nodeOf((ctx, id) => applications.getDecision(ctx, id), decisionType),
  };
};
