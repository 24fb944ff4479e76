import { ApiError } from '../../src/contract/errors';
import { generatePassword, scramSha256Verifier } from '../../infra-cdk/lambda/shared/db/credentials';
import { dbTargetsFromEnv } from '../../infra-cdk/lambda/shared/db/from-env';
import { createDbProvisioner } from '../../infra-cdk/lambda/shared/db/provisioner';
import { LAMBDA_CA_BUNDLE, connectMysql, connectPostgres, tlsOptions, type Connector } from '../../infra-cdk/lambda/shared/db/session';
import { type Event, MY, MemorySecretStore, PG, captureLogger } from './support';

/** Everything that must hold before, or without, a database: validation, names, passwords, TLS settings. */

function spyConnector(calls: string[]): Connector {
  return async (o) => {
    calls.push(`connect ${o.host}`);
    return {
      query: async (sql) => {
        calls.push(sql);
        return [];
      },
      ident: (n) => `"${n}"`,
      literal: (v) => `'${v}'`,
      close: async () => undefined,
    };
  };
}

function provisionerWithSpies() {
  const calls: string[] = [];
  const timeline: Event[] = [];
  const secrets = new MemorySecretStore(timeline);
  const db = createDbProvisioner({
    targets: [
      { engine: 'postgres', host: 'pg.example', port: 5432, masterSecretId: 'pg-master', tls: { mode: 'off' } },
      { engine: 'mysql', host: 'my.example', port: 3306, masterSecretId: 'my-master', tls: { mode: 'off' } },
    ],
    secrets,
    secretPrefix: 'dev-vm/',
    managedBy: 'dev-vm-for-jira',
    logger: captureLogger(),
    connectors: { postgres: spyConnector(calls), mysql: spyConnector(calls) },
  });
  return { db, calls, timeline };
}

describe('names are validated before any secret or SQL is touched', () => {
  const unsafeClients = ['a"; drop', "Robert'); --", 'client_x', 'Acme', '-acme', 'acme-', 'a--b', 'a', '', 'a b', 'ä-corp', 'x'.repeat(25)];
  it.each(unsafeClients)('rejects client %j with a validation error naming the field, and issues nothing', async (client) => {
    const { db, calls, timeline } = provisionerWithSpies();
    for (const op of [() => db.provision({ client, developer: 'alice' }), () => db.revoke({ client, developer: 'alice' })]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED', field: 'client' });
    }
    expect(calls).toEqual([]);
    expect(timeline).toEqual([]);
  });

  it.each(["bob'; DROP USER root; --", 'Bob', 'b`ob', 'b\\ob', 'dev_x', '1bob'])('rejects developer %j the same way', async (developer) => {
    const { db, calls, timeline } = provisionerWithSpies();
    const err = await db.provision({ client: 'acme', developer }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', field: 'developer' });
    expect(calls).toEqual([]);
    expect(timeline).toEqual([]);
  });

  it('reports a missing master secret as an upstream failure naming the engine, after storing the developer secret', async () => {
    const { db, calls, timeline } = provisionerWithSpies();
    const err = await db.provision({ client: 'acme', developer: 'alice' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect((err as Error).message).toMatch(/^PostgreSQL provisioning of client_acme for dv_alice_acme_[a-z2-7]{12}: master secret of PostgreSQL not found/);
    expect(calls).toEqual([]);
    expect(timeline.filter((e) => e.kind === 'secret.create').map((e) => e.name)).toEqual(['dev-vm/db/developer/alice/acme']);
  });
});

describe('passwords', () => {
  it('are 32 characters of [A-Za-z0-9], different every time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[A-Za-z0-9]{32}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });

  it('reach PostgreSQL as a SCRAM-SHA-256 verifier (RFC 7677 test vector)', () => {
    // RFC 7677 §3: password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations.
    const v = scramSha256Verifier('pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    expect(v).toBe('SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=');
  });
});

describe('engines and TLS from the VM API environment', () => {
  it('manages an engine only when its master secret is configured, verifying TLS with the Lambda CA bundle', () => {
    const both = dbTargetsFromEnv({
      POSTGRES_SECRET_ARN: 'arn:pg',
      POSTGRES_HOST: 'pg.internal',
      POSTGRES_PORT: 5432,
      MYSQL_SECRET_ARN: 'arn:my',
      MYSQL_HOST: 'my.internal',
      MYSQL_PORT: 3306,
    });
    expect(both).toEqual([
      { engine: 'postgres', host: 'pg.internal', port: 5432, masterSecretId: 'arn:pg', tls: { mode: 'verify', caFile: LAMBDA_CA_BUNDLE } },
      { engine: 'mysql', host: 'my.internal', port: 3306, masterSecretId: 'arn:my', tls: { mode: 'verify', caFile: LAMBDA_CA_BUNDLE } },
    ]);
    expect(dbTargetsFromEnv({ POSTGRES_PORT: 5432, MYSQL_SECRET_ARN: 'arn:my', MYSQL_PORT: 3306 }).map((t) => t.engine)).toEqual(['mysql']);
  });

  it('adds the CA bundle to the default roots, and fails clearly when the bundle is missing', async () => {
    expect(await tlsOptions({ mode: 'off' })).toBeUndefined();
    expect(await tlsOptions({ mode: 'verify' })).toEqual({ rejectUnauthorized: true });
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const withCa = await tlsOptions({ mode: 'verify', ca: pem });
    expect(withCa?.ca).toContain(pem);
    expect(withCa?.ca?.length).toBeGreaterThan(100);
    await expect(tlsOptions({ mode: 'verify', caFile: '/nonexistent/ca.pem' })).rejects.toThrow('CA bundle /nonexistent/ca.pem is not readable');
  });

  it('never falls back to plain text when TLS is required (the local servers have no TLS)', async () => {
    const base = { user: 'nobody', password: 'x', tls: { mode: 'verify' } as const };
    await expect(connectPostgres({ ...base, ...PG })).rejects.toThrow(/SSL/i);
    await expect(connectMysql({ ...base, ...MY })).rejects.toThrow(/secure connection|SSL/i);
  });
});

describe('MySQL logins cannot have their password changed by code running in their session (MySQL 8.0.13+)', () => {
  /** A session that answers like a server of the given version on which nothing exists yet. */
  function serverSaying(version: string, sent: string[]): Connector {
    return async () => ({
      query: async (sql) => {
        sent.push(sql);
        if (sql.startsWith('SELECT GET_LOCK')) return [{ got: 1 }];
        if (sql.startsWith('SELECT VERSION()')) return [{ v: version }];
        return [];
      },
      ident: (n) => `\`${n}\``,
      literal: (v) => `'${v}'`,
      close: async () => undefined,
    });
  }

  it.each([
    ['8.4.3', true],
    ['8.0.13', true],
    ['9.1.0', true],
    ['8.0.12', false],
    ['5.7.44-log', false],
    ['10.11.6-MariaDB-0+deb12u1', false],
  ])('on %s, creates the login PASSWORD REQUIRE CURRENT: %s', async (version, expected) => {
    const sent: string[] = [];
    const secrets = new MemorySecretStore();
    secrets.values.set('my-master', JSON.stringify({ username: 'admin', password: 'x' }));
    const db = createDbProvisioner({
      targets: [{ engine: 'mysql', host: 'my.example', port: 3306, masterSecretId: 'my-master', tls: { mode: 'off' } }],
      secrets,
      secretPrefix: 'dev-vm/',
      managedBy: 'dev-vm-for-jira',
      logger: captureLogger(),
      connectors: { mysql: serverSaying(version, sent) },
    });
    await db.provision({ client: 'acme', developer: 'alice' });
    const create = sent.find((s) => s.startsWith('CREATE USER'));
    expect(create?.endsWith(' PASSWORD REQUIRE CURRENT')).toBe(expected);
  });
});
