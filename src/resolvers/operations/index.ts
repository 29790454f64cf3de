import { AuditLogResolver } from './audit-log.resolver';
import { MetricsResolver } from './metrics.resolver';

export const resolvers = [AuditLogResolver, MetricsResolver];
