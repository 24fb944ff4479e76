import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clientDatabaseName } from '../../../src/contract/names';
import type { DbConnection } from '../../../src/contract/vm-api';
import { developerClientDbSecretName, developerClientLoginName } from '../../../infra-cdk/lambda/shared/resource-names';
import type { DeveloperDatabases } from '../../../infra-cdk/lambda/vm-api/deps';

/** Fixtures shared by the VM API tests; no AWS here (stand-in.ts starts the local AWS model). */

export const ENV = {
  AWS_REGION: 'eu-west-1',
  MANAGED_BY: 'dev-vm-for-jira',
  SECRET_PREFIX: 'dev-vm/',
  EVENT_BUS_NAME: 'dev-vm-events',
  STATE_BUCKET: 'dev-vm-state',
  VM_SUBNET_IDS: 'subnet-0aaaabbbbccccdddd,subnet-0bbbbccccddddeeee',
  LAUNCH_TEMPLATES: JSON.stringify({ al2023: 'lt-0aaaaaaaaaaaaaaa1', 'ubuntu-24.04': 'lt-0bbbbbbbbbbbbbbb2', 'rhel-9': 'lt-0ccccccccccccccc3' }),
  ALLOWED_INSTANCE_TYPES: 't3.medium,t3.large',
  ALLOWED_OS: 'al2023,ubuntu-24.04',
  EFS_FILE_SYSTEM_ID: 'fs-0123456789abcdef0',
  POSTGRES_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-master',
  POSTGRES_HOST: 'pg.internal',
  MYSQL_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:my-master',
  MYSQL_HOST: 'my.internal',
  INSTANCE_POLICY_ARN: 'arn:aws:iam::123456789012:policy/dev-vm-instance',
  INSTANCE_BOUNDARY_ARN: 'arn:aws:iam::123456789012:policy/dev-vm-boundary',
  APP_VERSION: '1.2.3',
  FORGE_CALLER_ARN: 'arn:aws:iam::123456789012:user/dev-vm/forge-app',
  IDLE_POLICY_PARAMETER: '/dev-vm/idle-policy',
};

export const NOW = new Date('2026-11-26T10:00:00.000Z');

/** A function URL event signed by the stack's Forge user (ENV.FORGE_CALLER_ARN) unless `callerArn` says otherwise (null: no IAM authorizer). */
export function event(method: string, path: string, opts: { body?: unknown; rawBody?: string; query?: Record<string, string>; callerArn?: string | null } = {}): APIGatewayProxyEventV2 {
  const caller = opts.callerArn === undefined ? ENV.FORGE_CALLER_ARN : opts.callerArn;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(opts.query ?? {}).toString(),
    headers: { 'content-type': 'application/json' },
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'url-id',
      domainName: 'x.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'x',
      ...(caller === null ? {} : { authorizer: { iam: { accessKey: 'AKIAEXAMPLE', accountId: '123456789012', callerId: 'AIDAEXAMPLE', cognitoIdentity: null, principalOrgId: null, userArn: caller, userId: 'AIDAEXAMPLE' } } }),
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'forge' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '26/Nov/2026:10:00:00 +0000',
      timeEpoch: NOW.getTime(),
    },
    isBase64Encoded: false,
    ...(opts.rawBody !== undefined ? { body: opts.rawBody } : opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  };
}

/** Everything written to stdout/stderr while `fn` runs (Powertools writes there). */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
  try {
    const result = await fn();
    return { result, output: chunks.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

export const VM_TAGS = {
  Name: 'dev-acme-jdoe',
  ClientName: 'acme',
  DeveloperName: 'jdoe',
  Environment: 'dev',
  AutoStart: '08:00',
  AutoStop: '18:00',
  Timezone: 'Europe/London',
  AutoDays: 'MON-FRI',
  AutoSchedule: 'on',
  JiraIssue: 'OPS-42',
  ManagedBy: 'dev-vm-for-jira',
  CreatedAt: '2026-11-25T09:00:00.000Z',
  DevVmIdempotencyKey: 'issue-10001:changelog-1',
  DevVmOs: 'al2023',
};

export class FakeDatabases implements DeveloperDatabases {
  calls: { op: 'provision' | 'revoke'; client: string; developer: string }[] = [];
  failNext: Error | undefined;
  async provision(input: { client: string; developer: string }): Promise<DbConnection[]> {
    this.calls.push({ op: 'provision', ...input });
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    const common = {
      database: clientDatabaseName(input.client),
      user: developerClientLoginName(input.developer, input.client),
      secretName: developerClientDbSecretName('dev-vm/', input.developer, input.client),
    };
    return [
      { engine: 'postgres', host: 'pg.internal', port: 5432, ...common },
      { engine: 'mysql', host: 'my.internal', port: 3306, ...common },
    ];
  }
  async revoke(input: { client: string; developer: string }): Promise<unknown> {
    this.calls.push({ op: 'revoke', ...input });
    return [{ engine: 'postgres', revoked: true, sessionsEnded: 0, sessionsLeft: 0 }];
  }
}

