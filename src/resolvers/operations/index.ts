import { AuditLogResolver } from './audit-log.resolver';
import { MetricsResolver } from './metrics.resolver';
import { ThrowawayResolver } from './throwaway.resolver';

export const resolvers = [AuditLogResolver, MetricsResolver, ThrowawayResolver];
