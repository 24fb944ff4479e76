import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { EVENT_SOURCE } from '../../../src/contract/events';
import { RETRY_CONFIG } from '../shared/clients';
import { loadEnv, VmApiEnv } from '../shared/env';
import { instrument, logger } from '../shared/powertools';
import type { TestDeliveryStore } from '../shared/test-delivery';
import type { DeveloperDatabases, TestEventChannel, VmApiDeps } from './deps';
import type { VmApiHandler } from './router';
import { schedulerUsageReader } from './usage';

/**
 * Lambda entry of the VM API (function URL, AWS_IAM auth, payload v2). Module init only checks
 * the environment: the router, the contract's schemas and the EC2 client are built on the first
 * request (esbuild turns the dynamic imports into lazily initialised modules of the same bundle)
 * and kept for the container's life. The database module (pg, mysql2, Secrets Manager) is loaded
 * on the first provision or revoke only, EFS and IAM on the first provision, and the scheduler's
 * state (S3, for Vm.usage) on the first read, so start/stop never pay for any of them.
 */
const env = loadEnv(VmApiEnv);

/** Build on first call, keep the result; a failed build is retried on the next call. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    made.catch(() => (made = undefined));
    return made;
  };
}

const loadDatabases = once(async (): Promise<DeveloperDatabases> => {
  const [db, { SecretsManagerClient }] = await Promise.all([import('../shared/db'), import('@aws-sdk/client-secrets-manager')]);
  return db.createDbProvisioner({
    targets: db.dbTargetsFromEnv(env),
    secrets: new db.SecretsManagerStore(new SecretsManagerClient({ ...RETRY_CONFIG })),
    secretPrefix: env.SECRET_PREFIX,
    namespace: env.DB_NAMESPACE,
    managedBy: env.MANAGED_BY,
    logger,
  });
});

/**
 * The connection test's channel (test-event.ts): PutEvents on the lifecycle bus, and the notifier's
 * report read from the state bucket. Both SDK clients load on the first test only.
 */
const testEvents = (clients: Pick<typeof import('../shared/clients'), 'createEventBridgeClient' | 'createS3Client'>): TestEventChannel => {
  const bus = once(async () => clients.createEventBridgeClient());
  const s3 = once(async () => clients.createS3Client());
  let store: TestDeliveryStore | undefined;
  return {
    async publish(event) {
      const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
      const res = await (await bus()).send(
        new PutEventsCommand({ Entries: [{ EventBusName: env.EVENT_BUS_NAME, Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event), Time: new Date(event.time) }] }),
      );
      if (!res.Entries?.[0]?.EventId) throw new Error(`PutEvents refused the test event: ${res.Entries?.[0]?.ErrorCode ?? 'no event id'}`);
    },
    async outcome(nonce) {
      store ??= (await import('../shared/test-delivery')).s3TestDeliveryStore(env.STATE_BUCKET, s3);
      return store.get(nonce);
    },
  };
};

const makeHandler = async (): Promise<VmApiHandler> => {
  const [clients, { Ec2Gateway }, { createHandler }] = await Promise.all([
    import('../shared/clients'),
    import('../shared/ec2'),
    import('./router'),
  ]);
  const { createEc2Client, createEfsClient, createIamClient } = clients;
  const deps: VmApiDeps = {
    env,
    ec2: new Ec2Gateway(await createEc2Client(), env.MANAGED_BY),
    efs: once(async () => {
      const { EfsGateway } = await import('../shared/efs');
      return new EfsGateway(await createEfsClient(), { fileSystemId: env.EFS_FILE_SYSTEM_ID, managedBy: env.MANAGED_BY, uidBase: env.UID_BASE });
    }),
    iam: once(async () => {
      const { IamGateway } = await import('../shared/iam');
      return new IamGateway(await createIamClient(), {
        rolePath: env.INSTANCE_ROLE_PATH,
        instancePolicyArn: env.INSTANCE_POLICY_ARN,
        boundaryArn: env.INSTANCE_BOUNDARY_ARN,
        managedBy: env.MANAGED_BY,
      });
    }),
    databases: loadDatabases,
    policy: once(async () => {
      const [{ createSsmClient }, { putIdlePolicy }] = await Promise.all([import('../shared/clients'), import('../shared/idle-policy')]);
      const ssm = await createSsmClient();
      return { put: (policy) => putIdlePolicy(ssm, env.IDLE_POLICY_PARAMETER, policy) };
    }),
    usage: schedulerUsageReader(env.STATE_BUCKET, env.STATE_KEY),
    testEvents: testEvents(clients),
    logger,
    now: () => new Date(),
    sleep: (ms) => sleep(ms),
  };

  return createHandler(deps);
};
const loadHandler = once(makeHandler);

/** Request id, cold start and the outcome metrics come from Powertools (shared/powertools.ts). */
export const handler = instrument(async (event: APIGatewayProxyEventV2) => (await loadHandler())(event));
