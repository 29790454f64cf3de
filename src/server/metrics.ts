import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server instance (its own registry, so several can share a process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL operation latency, by operation name and type',
    labelNames: ['operation', 'type', 'transport'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'graphql_errors_total',
    help: 'GraphQL responses carrying errors, by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly openSubscriptions = new Gauge({
    name: 'graphql_subscriptions_open',
    help: 'Subscriptions currently open on this instance',
    registers: [this.registry],
  });
  readonly openSockets = new Gauge({
    name: 'graphql_ws_connections_open',
    help: 'WebSocket connections currently open on this instance',
    registers: [this.registry],
  });

  readonly subscriptionExecutions = new Counter({
    name: 'graphql_subscription_executions_total',
    help: 'Executions of a subscription selection for an event: one per distinct document, variables and visibility, however many sockets receive it',
    registers: [this.registry],
  });
  readonly subscriptionMessages = new Counter({
    name: 'graphql_subscription_messages_total',
    help: 'Subscription events written to sockets',
    registers: [this.registry],
  });

  private readonly names = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Operation names come from clients: keep the label set bounded. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
    if (this.names.has(name)) return name;
    if (this.names.size >= 200) return 'other';
    this.names.add(name);
    return name;
  }
}
