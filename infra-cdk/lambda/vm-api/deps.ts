import type { ConnectionTestEvent } from '../../../src/contract/events';
import type { IdlePolicy } from '../../../src/contract/idle-policy';
import type { DbConnection, TestDelivery, Usage } from '../../../src/contract/vm-api';
import type { Ec2Gateway } from '../shared/ec2';
import type { EfsGateway } from '../shared/efs';
import type { VmApiEnv } from '../shared/env';
import type { IamGateway } from '../shared/iam';
import type { Log } from '../shared/powertools';
import type { DbEndpoint } from '../shared/vm-record';

/**
 * Everything the VM API operations talk to, passed in so tests can point the SDK clients at the
 * local AWS model (test/lambda/vm-api/stand-in.ts) and replace the database module with a fake.
 */

/** The slice of infra-cdk/lambda/shared/db's DbProvisioner the API uses. */
export interface DeveloperDatabases {
  /** Client database + developer login on every enabled engine; safely re-runnable. */
  provision(input: { client: string; developer: string }): Promise<DbConnection[]>;
  /** Revoke the developer's access to the client's database; keeps the login and its secret. */
  revoke(input: { client: string; developer: string }): Promise<unknown>;
}

/** The idle-policy parameter, written on PUT /policy. */
export interface PolicyWriter {
  put(policy: IdlePolicy): Promise<void>;
}

/** Run hours per instance from the scheduler's state; absent when the stack has no reader. */
/** `daily`: with the hours per day of the month (the fleet list's chart only). */
export type UsageReader = (instanceIds: readonly string[], now: Date, opts?: { daily?: boolean }) => Promise<ReadonlyMap<string, Usage>>;

/** What POST /test-event needs from AWS (test-event.ts): the lifecycle bus and the notifier's report. */
export interface TestEventChannel {
  publish(event: ConnectionTestEvent): Promise<void>;
  outcome(nonce: string): Promise<TestDelivery | undefined>;
}

export interface VmApiDeps {
  env: VmApiEnv;
  ec2: Ec2Gateway;
  /**
   * EFS and IAM are only needed to provision, so the Lambda builds them on first use, off the
   * cold start (a ready instance is accepted too, for callers that do not care).
   */
  efs: EfsGateway | (() => Promise<EfsGateway>);
  iam: IamGateway | (() => Promise<IamGateway>);
  /** Built on first use: it loads pg/mysql2, which only provision and revoke need. */
  databases: () => Promise<DeveloperDatabases>;
  usage?: UsageReader;
  /** Writes the fleet's idle and stop rules (shared/idle-policy.ts); built on first use (the SSM client). */
  policy?: PolicyWriter | (() => Promise<PolicyWriter>);
  /** The connection test's bus and report (test-event.ts); absent: POST /test-event answers 500. */
  testEvents?: TestEventChannel;
  logger: Log;
  /**
   * Adds fields to this request's one log line (the router sets it per request). Operations
   * report their decisions here instead of writing lines of their own.
   */
  annotate?: (fields: Record<string, unknown>) => void;
  now: () => Date;
  /** Bounded waits (instance profile propagation); tests pass a no-op. */
  sleep: (ms: number) => Promise<void>;
}

/** The engines the stack switched on (same rule as shared/db/from-env.ts), for the connection lines of every Vm record. */
export function dbEndpoints(env: VmApiEnv): { postgres?: DbEndpoint; mysql?: DbEndpoint } {
  return {
    ...(env.POSTGRES_SECRET_ARN && env.POSTGRES_HOST ? { postgres: { host: env.POSTGRES_HOST, port: env.POSTGRES_PORT } } : {}),
    ...(env.MYSQL_SECRET_ARN && env.MYSQL_HOST ? { mysql: { host: env.MYSQL_HOST, port: env.MYSQL_PORT } } : {}),
  };
}

/** The gateway itself, built first if it is given as a lazy factory. */
export async function ready<T extends object>(dep: T | (() => Promise<T>)): Promise<T> {
  return typeof dep === 'function' ? (dep as () => Promise<T>)() : dep;
}
