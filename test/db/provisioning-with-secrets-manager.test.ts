import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { scramSha256Verifier } from '../../infra-cdk/lambda/shared/db/credentials';
import { createDbProvisioner } from '../../infra-cdk/lambda/shared/db/provisioner';
import { SecretsManagerStore } from '../../infra-cdk/lambda/shared/db/secrets-manager-store';
import type { DbProvisioner } from '../../infra-cdk/lambda/shared/db/types';
import { developerClientLoginName } from '../../infra-cdk/lambda/shared/resource-names';
import { type AwsStandIn, startAwsStandIn } from '../../local/aws';
import { MY, PG, captureLogger, createMysqlMaster, createPgMaster, myAs, myRoot, pgSuper, randomSuffix } from './support';

/**
 * The Lambda's wiring end to end: master credentials and the developer's secret go through the real
 * SDK v3 Secrets Manager client (against the project's AWS stand-in), provisioning runs on both
 * local servers at once, and a developer secret someone deleted is restored, not replaced.
 */

const sfx = randomSuffix();
const client = `s${sfx}-acme`;
const database = `client_s${sfx}_acme`;
const developer = `d${sfx}-erin`;
const login = developerClientLoginName(developer, client);
const secretName = `dev-vm/db/developer/${developer}/${client}`;
const pgMaster = `rdsmaster_pg_${sfx}`;
const myMaster = `rdsmaster_my_${sfx}`;

let aws: AwsStandIn;
let sm: SecretsManagerClient;
let su: Client;
let root: Connection;
let db: DbProvisioner;
const logger = captureLogger();

async function developerPassword(): Promise<string> {
  const v = await sm.send(new GetSecretValueCommand({ SecretId: secretName }));
  return (JSON.parse(v.SecretString ?? '{}') as { password: string }).password;
}

async function pgPasswordMatches(password: string): Promise<boolean> {
  const r = await su.query<{ p: string }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [login]);
  const stored = r.rows[0]?.p ?? '';
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
  return !!m && scramSha256Verifier(password, Number(m[1]), Buffer.from(m[2]!, 'base64')) === stored;
}

beforeAll(async () => {
  aws = await startAwsStandIn({ transitionSeconds: 0 });
  sm = new SecretsManagerClient({ ...aws.clientConfig(), maxAttempts: 1 });
  su = await pgSuper();
  root = await myRoot();
  await createPgMaster(su, pgMaster, 'pg-master-pw');
  await createMysqlMaster(root, myMaster, 'my-master-pw');
  // As CDK's DatabaseSecret writes them: username/password plus host/port/engine.
  const pgArn = (
    await sm.send(new CreateSecretCommand({ Name: 'dev-vm/rds/postgres-master', SecretString: JSON.stringify({ username: pgMaster, password: 'pg-master-pw', engine: 'postgres', host: PG.host, port: PG.port }) }))
  ).ARN!;
  const myArn = (
    await sm.send(new CreateSecretCommand({ Name: 'dev-vm/rds/mysql-master', SecretString: JSON.stringify({ username: myMaster, password: 'my-master-pw', engine: 'mysql', host: MY.host, port: String(MY.port) }) }))
  ).ARN!;
  db = createDbProvisioner({
    // Hosts left empty: taken from the master secrets, as when POSTGRES_HOST/MYSQL_HOST are unset.
    targets: [
      { engine: 'postgres', host: '', port: 0, masterSecretId: pgArn, tls: { mode: 'off' } },
      { engine: 'mysql', host: '', port: 0, masterSecretId: myArn, tls: { mode: 'off' } },
    ],
    secrets: new SecretsManagerStore(sm),
    secretPrefix: 'dev-vm/',
    managedBy: 'dev-vm-for-jira',
    logger,
  });
});

afterAll(async () => {
  await su.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
  await su.query(`DROP DATABASE IF EXISTS ${database}`);
  for (const r of [login, database, pgMaster]) await su.query(`DROP ROLE IF EXISTS ${r}`);
  await root.query(`DROP DATABASE IF EXISTS \`${database}\``);
  for (const u of [login, myMaster]) await root.query(`DROP USER IF EXISTS ?@'%'`, [u]);
  await su.end();
  await root.end();
  sm.destroy();
  await aws.close();
});

describe('provisioning through Secrets Manager on both engines', () => {
  it('creates one tagged secret per (developer, client) and the same login on PostgreSQL and MySQL', async () => {
    const out = await db.provision({ client, developer });
    expect(out).toEqual([
      { engine: 'postgres', host: PG.host, port: PG.port, database, user: login, secretName },
      { engine: 'mysql', host: MY.host, port: MY.port, database, user: login, secretName },
    ]);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secretName }));
    expect(described.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'DeveloperName', Value: developer },
        { Key: 'ClientName', Value: client },
        { Key: 'ManagedBy', Value: 'dev-vm-for-jira' },
      ]),
    );
    const value = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretName }))).SecretString ?? '{}') as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['password', 'username']);
    expect(value['username']).toBe(login);

    const password = await developerPassword();
    expect(await pgPasswordMatches(password)).toBe(true);
    const my = await myAs(login, password, database);
    await my.query('CREATE TABLE kept (v INT)');
    await my.query('INSERT INTO kept VALUES (42)');
    await my.end();
  });

  it('restores a developer secret scheduled for deletion instead of replacing the password', async () => {
    const password = await developerPassword();
    await sm.send(new DeleteSecretCommand({ SecretId: secretName, RecoveryWindowInDays: 7 }));
    await db.provision({ client, developer });
    expect(await developerPassword()).toBe(password);
    expect(await pgPasswordMatches(password)).toBe(true);
    const my = await myAs(login, password, database);
    const [rows] = await my.query('SELECT v FROM kept');
    expect(rows).toEqual([{ v: 42 }]);
    await my.end();
  });

  it('reads an absent secret as undefined and refuses to create one twice', async () => {
    const store = new SecretsManagerStore(sm);
    expect(await store.read(`dev-vm/db/developer/nobody-${sfx}`)).toBeUndefined();
    expect(await store.create(`dev-vm/test/${sfx}`, 'one', { ManagedBy: 'test' })).toBe(true);
    expect(await store.create(`dev-vm/test/${sfx}`, 'two', { ManagedBy: 'test' })).toBe(false);
    expect(await store.read(`dev-vm/test/${sfx}`)).toBe('one');
    await store.update(`dev-vm/test/${sfx}`, 'three');
    expect(await store.read(`dev-vm/test/${sfx}`)).toBe('three');
  });

  it('logs no password', async () => {
    const logged = logger.lines.join('\n');
    expect(logged).toContain('created developer database secret');
    for (const p of [await developerPassword(), 'pg-master-pw', 'my-master-pw']) expect(logged).not.toContain(p);
  });
});
