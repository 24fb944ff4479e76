import { setTimeout as sleep } from 'node:timers/promises';
import { createEc2Client, createEfsClient, createIamClient } from '../shared/clients';
import { Ec2Gateway } from '../shared/ec2';
import { EfsGateway } from '../shared/efs';
import { loadEnv, VmApiEnv } from '../shared/env';
import { IamGateway } from '../shared/iam';
import { logger } from '../shared/powertools';
import type { DeveloperDatabases, VmApiDeps } from './deps';
import { createHandler } from './router';
import { schedulerUsageReader } from './usage';

/**
 * Lambda entry of the VM API (function URL, AWS_IAM auth, payload v2). Everything is built once
 * per cold start; the database module (pg, mysql2, Secrets Manager) is loaded on the first
 * provision or revoke only, and the scheduler's state (S3, for Vm.usage) on the first read, so
 * start/stop never pay for either.
 */
const env = loadEnv(VmApiEnv);

let databases: Promise<DeveloperDatabases> | undefined;
function loadDatabases(): Promise<DeveloperDatabases> {
  databases ??= import('../shared/db').then((db) =>
    db.createDbProvisioner({
      targets: db.dbTargetsFromEnv(env),
      secrets: new db.SecretsManagerStore(),
      secretPrefix: env.SECRET_PREFIX,
      managedBy: env.MANAGED_BY,
      logger,
    }),
  );
  databases.catch(() => (databases = undefined));
  return databases;
}

const deps: VmApiDeps = {
  env,
  ec2: new Ec2Gateway(createEc2Client(), env.MANAGED_BY),
  efs: new EfsGateway(createEfsClient(), { fileSystemId: env.EFS_FILE_SYSTEM_ID, managedBy: env.MANAGED_BY, uidBase: env.UID_BASE }),
  iam: new IamGateway(createIamClient(), {
    rolePath: env.INSTANCE_ROLE_PATH,
    instancePolicyArn: env.INSTANCE_POLICY_ARN,
    boundaryArn: env.INSTANCE_BOUNDARY_ARN,
    managedBy: env.MANAGED_BY,
  }),
  databases: loadDatabases,
  usage: schedulerUsageReader(env.STATE_BUCKET, env.STATE_KEY),
  logger,
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
};

export const handler = createHandler(deps);
