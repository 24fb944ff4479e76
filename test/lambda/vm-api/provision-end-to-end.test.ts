import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { Vm } from '../../../src/contract/vm-api';
import { createEc2Client, createEfsClient, createIamClient } from '../../../infra-cdk/lambda/shared/clients';
import { createDbProvisioner, SecretsManagerStore } from '../../../infra-cdk/lambda/shared/db';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { EfsGateway } from '../../../infra-cdk/lambda/shared/efs';
import { loadEnv, VmApiEnv } from '../../../infra-cdk/lambda/shared/env';
import { IamGateway } from '../../../infra-cdk/lambda/shared/iam';
import { developerClientLoginName } from '../../../infra-cdk/lambda/shared/resource-names';
import { createHandler, type VmApiHandler } from '../../../infra-cdk/lambda/vm-api/router';
import { startAwsStandIn, type AwsStandIn } from '../../../local/aws';
import { createMysqlMaster, createPgMaster, MY, myAs, myRoot, PG, pgAs, pgSuper, randomSuffix } from '../../db/support';
import { captureOutput, ENV, event } from './support';

/**
 * POST /vms end to end: the VM API's own wiring (router, gateways, SDK clients with the Lambda's
 * retry settings) against the AWS stand-in's wire protocols, and the real database module on the
 * local PostgreSQL and MariaDB with RDS-like (non-superuser) masters whose credentials sit in the
 * stand-in's Secrets Manager. Only TLS to the databases is off (the local servers have none).
 */

const sfx = randomSuffix();
const client = `v${sfx}-acme`;
const developer = `e${sfx}-erin`;
const database = `client_v${sfx}_acme`;
const login = developerClientLoginName(developer, client);
const secretName = `dev-vm/db/developer/${developer}/${client}`;
const pgMaster = `vmapi_pg_${sfx}`;
const myMaster = `vmapi_my_${sfx}`;

let aws: AwsStandIn;
let sm: SecretsManagerClient;
let su: Client;
let root: Connection;
let handle: VmApiHandler;

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  const cfg = aws.clientConfig();
  sm = new SecretsManagerClient({ ...cfg, maxAttempts: 1 });
  su = await pgSuper();
  root = await myRoot();
  await createPgMaster(su, pgMaster, 'pg-master-pw');
  await createMysqlMaster(root, myMaster, 'my-master-pw');
  const pgArn = (await sm.send(new CreateSecretCommand({ Name: `dev-vm/rds/pg-${sfx}`, SecretString: JSON.stringify({ username: pgMaster, password: 'pg-master-pw', host: PG.host, port: PG.port }) }))).ARN!;
  const myArn = (await sm.send(new CreateSecretCommand({ Name: `dev-vm/rds/my-${sfx}`, SecretString: JSON.stringify({ username: myMaster, password: 'my-master-pw', host: MY.host, port: MY.port }) }))).ARN!;

  const env = loadEnv(VmApiEnv, { ...ENV, POSTGRES_SECRET_ARN: pgArn, POSTGRES_HOST: PG.host, POSTGRES_PORT: String(PG.port), MYSQL_SECRET_ARN: myArn, MYSQL_HOST: MY.host, MYSQL_PORT: String(MY.port) });
  const logger = new Logger({ serviceName: 'vm-api-e2e' });
  const db = createDbProvisioner({
    targets: [
      { engine: 'postgres', host: PG.host, port: PG.port, masterSecretId: pgArn, tls: { mode: 'off' } },
      { engine: 'mysql', host: MY.host, port: MY.port, masterSecretId: myArn, tls: { mode: 'off' } },
    ],
    secrets: new SecretsManagerStore(sm),
    secretPrefix: env.SECRET_PREFIX,
    managedBy: env.MANAGED_BY,
    logger,
  });
  handle = createHandler({
    env,
    ec2: new Ec2Gateway(await createEc2Client(cfg), env.MANAGED_BY),
    efs: new EfsGateway(await createEfsClient(cfg), { fileSystemId: env.EFS_FILE_SYSTEM_ID, managedBy: env.MANAGED_BY, uidBase: env.UID_BASE }),
    iam: new IamGateway(await createIamClient(cfg), { rolePath: env.INSTANCE_ROLE_PATH, instancePolicyArn: env.INSTANCE_POLICY_ARN, boundaryArn: env.INSTANCE_BOUNDARY_ARN, managedBy: env.MANAGED_BY }),
    databases: async () => db,
    logger,
    now: () => new Date(),
    sleep: async () => undefined,
  });
});

afterAll(async () => {
  await su.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
  await su.query(`DROP DATABASE IF EXISTS ${database}`);
  for (const r of [login, database, pgMaster]) await su.query(`DROP ROLE IF EXISTS ${r}`);
  await root.query(`DROP DATABASE IF EXISTS \`${database}\``);
  for (const u of [login, myMaster]) await root.query(`DROP USER IF EXISTS ?@'%'`, [u]);
  await root.query(`DROP ROLE IF EXISTS ${database}`).catch(() => undefined);
  await su.end();
  await root.end();
  sm.destroy();
  await aws.close();
});

const body = {
  issueKey: 'OPS-9',
  client,
  developer,
  instanceType: 't3.large',
  os: 'al2023',
  schedule: { start: '08:00', stop: '18:00', timezone: 'UTC' },
  idempotencyKey: `e2e-${sfx}-1`,
};

async function password(): Promise<string> {
  const v = await sm.send(new GetSecretValueCommand({ SecretId: secretName }));
  return (JSON.parse(v.SecretString ?? '{}') as { password: string }).password;
}

describe('POST /vms end to end', () => {
  it('creates the client database and developer login, home, instance profile and VM; the login works; nothing leaks the password', async () => {
    const { result, output } = await captureOutput(() => handle(event('POST', '/vms', { body })));
    expect(result.statusCode).toBe(202);
    const vm = Vm.parse(JSON.parse(result.body ?? ''));
    expect(vm.connection.databases).toEqual([
      { engine: 'postgres', host: PG.host, port: PG.port, database, user: login, secretName },
      { engine: 'mysql', host: MY.host, port: MY.port, database, user: login, secretName },
    ]);

    const pw = await password();
    const pg = await pgAs(login, pw, database);
    await pg.query('CREATE TABLE notes (v int)');
    await pg.end();
    const my = await myAs(login, pw, database);
    await my.query('CREATE TABLE notes (v INT)');
    await my.end();

    const userData = Buffer.from(aws.state.instances.get(vm.id)?.userData ?? '', 'base64').toString('utf8');
    expect(userData).toContain(`DB_SECRET_NAME='${secretName}'`);
    expect(userData).toContain(`PGDATABASE='${database}' PGUSER='${login}'`);
    for (const text of [result.body ?? '', output, userData]) expect(text).not.toContain(pw);
  });

  it('answers a retry with the same VM and changes nothing in the databases', async () => {
    const before = await password();
    const again = await handle(event('POST', '/vms', { body }));
    expect(again.statusCode).toBe(202);
    expect(aws.state.calls.filter((c) => c.operation === 'RunInstances')).toHaveLength(1);
    expect(await password()).toBe(before);
  });

  it('revokes the developer from the client: the login stays, access to the database goes', async () => {
    const res = await handle(event('DELETE', `/clients/${client}/developers/${developer}`));
    expect(res.statusCode).toBe(200);
    const pw = await password();
    await expect(pgAs(login, pw, database)).rejects.toThrow();
    await expect(myAs(login, pw, database)).rejects.toThrow();
  });
});
