import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/**
 * Powertools for every Lambda: one logger, one metrics buffer, and `instrument()`, which wraps a
 * handler so each log line carries the invocation's request id and cold-start flag and the
 * invocation's metrics leave as one EMF document. Service name: POWERTOOLS_SERVICE_NAME (set by
 * the CDK Lambda factory). Log ids, decisions and reasons; never secrets, passwords, whole events
 * or whole bodies.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dev-vm' });

/** CloudWatch namespace of every metric the stack emits. */
export const METRICS_NAMESPACE = 'DevVm';
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dev-vm' });
/**
 * X-Ray tracing (the factory sets `tracing: ACTIVE`): one segment per invocation with the cold
 * start and service as annotations, and a subsegment per AWS call of the clients made in
 * shared/clients.ts. Outside Lambda (tests, the preview) Powertools turns it off by itself.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'dev-vm' });

/**
 * The one logging interface of the Lambdas' modules (the VM API, the reconciler, the notifier and
 * the database provisioner): the part of the Powertools Logger they call, so tests can pass a
 * recorder and the handlers pass `logger` itself.
 */
export interface Log {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * The outcomes of VM operations, one EMF metric each (Count, namespace DevVm): dashboards and
 * alarms count provisions, starts, stops and failures without parsing log lines.
 */
export type Outcome = 'provisioned' | 'started' | 'stopped' | 'failed';
const OUTCOME_METRIC: Readonly<Record<Outcome, string>> = { provisioned: 'Provisioned', started: 'Started', stopped: 'Stopped', failed: 'Failed' };

export function recordOutcome(outcome: Outcome, count = 1): void {
  metrics.addMetric(OUTCOME_METRIC[outcome], MetricUnit.Count, count);
}

/**
 * The handler with Powertools' `injectLambdaContext` applied (request id, cold start, function
 * name on every line, temporary keys reset after each invocation), traced by the tracer's
 * `captureLambdaHandler` (https://docs.aws.amazon.com/powertools/typescript/latest/features/tracer/),
 * and the invocation's metrics
 * flushed when it ends, whether it succeeded or threw. The decorator is applied by hand to a
 * property descriptor: the handlers are plain functions, not class methods
 * (https://docs.aws.amazon.com/powertools/typescript/latest/features/logger/#capturing-lambda-context-info).
 * Metrics are flushed by hand, not with `logMetrics`, because that one warns on every invocation
 * that recorded nothing (a GET), and only the first invocation of a container adds `ColdStart`.
 */
export function instrument<E, R>(handler: (event: E) => Promise<R>): (event: E, context?: Context) => Promise<R> {
  const withMetrics = async (event: E, context?: Context): Promise<R> => {
    if (context) metrics.captureColdStartMetric(context.functionName);
    try {
      return await handler(event);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
  const descriptor: TypedPropertyDescriptor<(event: E, context?: Context) => Promise<R>> = { value: withMetrics };
  // A Lambda invocation always has a context; a caller without one (a test, the preview) gets the
  // handler without the context fields instead of a TypeError in Powertools.
  type Decorator = (target: object, key: string, d: typeof descriptor) => void;
  // Applied inside out: the tracer's segment wraps the metrics flush, the logger's context wraps both.
  (tracer.captureLambdaHandler() as unknown as Decorator)({}, 'handler', descriptor);
  (logger.injectLambdaContext({ resetKeys: true }) as unknown as Decorator)({}, 'handler', descriptor);
  const decorated = descriptor.value as (event: E, context?: Context) => Promise<R>;
  return (event, context) => (context ? decorated(event, context) : withMetrics(event));
}
