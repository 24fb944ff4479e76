import type { Connection } from 'mysql2/promise';
import { ApiError } from '../../src/contract/errors';
import { createDbProvisioner } from '../../infra-cdk/lambda/shared/db/provisioner';
import { connectMysql } from '../../infra-cdk/lambda/shared/db/session';
import type { DbProvisioner } from '../../infra-cdk/lambda/shared/db/types';
import { developerClientLoginName } from '../../infra-cdk/lambda/shared/resource-names';
import { type Event, MY, MemorySecretStore, captureLogger, createMysqlMaster, myAs, myRoot, randomSuffix, recording, statements } from './support';

/**
 * Runs the provisioning module against the local MariaDB 10.11 with a master that has what an RDS
 * master has (the documented privilege list ON *.* WITH GRANT OPTION, no SUPER, no CONNECTION ADMIN)
 * and a `mysql.rds_kill` procedure standing in for RDS's, which is how an RDS master ends other
 * users' sessions.
 *
 * Client B's name is chosen so that its database `client_<s>xa` matches client A's database name
 * `client_<s>_a` read as a GRANT wildcard pattern: the grants must escape `_`.
 */

const sfx = randomSuffix();
const clientA = `m${sfx}-a`;
const clientB = `m${sfx}xa`;
const dbA = `client_m${sfx}_a`;
const dbB = `client_m${sfx}xa`;
const dev = (name: string) => `d${sfx}-${name}`;
/** Carol works for client B, everyone else for client A. */
const clientOf = (name: string) => (name === 'carol' ? clientB : clientA);
const login = (name: string) => developerClientLoginName(dev(name), clientOf(name));
const legacyLogin = (name: string) => `dev_d${sfx}_${name}`;
const secretName = (name: string) => `test/db/developer/${dev(name)}/${clientOf(name)}`;
const master = `rdsmaster_${sfx}`;
const outsider = `outsider_${sfx}`;
const MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:mysql-master-AbCdEf';

const timeline: Event[] = [];
const secrets = new MemorySecretStore(timeline);
const logger = captureLogger();
const failOnce: { match: RegExp; fired?: boolean } = { match: /^$/ };
let db: DbProvisioner;
let root: Connection;

const connectAs = (name: string, database?: string) => myAs(login(name), secrets.passwordOf(secretName(name)), database);

async function authString(user: string): Promise<string> {
  const [rows] = await root.query("SELECT authentication_string AS a FROM mysql.user WHERE User = ? AND Host = '%'", [user]);
  return (rows as { a: string }[])[0]!.a;
}

async function count(c: Connection, table: string): Promise<number> {
  const [rows] = await c.query(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number((rows as { n: number }[])[0]!.n);
}

beforeAll(async () => {
  root = await myRoot();
  await createMysqlMaster(root, master, 'master-pw');
  await root.query(`CREATE USER ?@'%' IDENTIFIED BY 'outsider-pw'`, [outsider]);
  await root.query('CREATE OR REPLACE PROCEDURE mysql.rds_kill(IN thread BIGINT) SQL SECURITY DEFINER KILL CONNECTION thread');
  secrets.values.set(MASTER_SECRET, JSON.stringify({ username: master, password: 'master-pw', engine: 'mysql', host: MY.host, port: MY.port }));
  db = createDbProvisioner({
    targets: [{ engine: 'mysql', host: MY.host, port: MY.port, masterSecretId: MASTER_SECRET, tls: { mode: 'off' } }],
    secrets,
    secretPrefix: 'test/',
    managedBy: 'dev-vm-test',
    logger,
    connectors: { mysql: recording('mysql', connectMysql, timeline, failOnce) },
  });
  await db.provision({ client: clientA, developer: dev('alice') });
  await db.provision({ client: clientA, developer: dev('bob') });
  await db.provision({ client: clientB, developer: dev('carol') });
});

afterAll(async () => {
  for (const d of [dbA, dbB]) await root.query(`DROP DATABASE IF EXISTS \`${d}\``);
  for (const u of [login('alice'), login('bob'), login('carol'), login('dave'), login('frank'), legacyLogin('frank'), master, outsider]) {
    await root.query(`DROP USER IF EXISTS ?@'%'`, [u]);
  }
  await root.query('DROP PROCEDURE IF EXISTS mysql.rds_kill');
  await root.end();
});

describe('MySQL/MariaDB per-client databases with one login per (developer, client) (RDS-like master)', () => {
  it('returns where to connect and which secret holds the password, never the password', async () => {
    const out = await db.provision({ client: clientA, developer: dev('alice') });
    expect(out).toEqual([{ engine: 'mysql', host: MY.host, port: MY.port, database: dbA, user: login('alice'), secretName: secretName('alice') }]);
    expect(secrets.tags.get(secretName('alice'))).toEqual({ DeveloperName: dev('alice'), ClientName: clientA, ManagedBy: 'dev-vm-test' });
  });

  it('gives each login the password stored in its secret and refuses any other', async () => {
    const alice = await connectAs('alice', dbA);
    await alice.end();
    await expect(myAs(login('alice'), secrets.passwordOf(secretName('bob')), dbA)).rejects.toMatchObject({ errno: 1045 });
  });

  it('stores the secret before the login is created', () => {
    const secretAt = timeline.findIndex((e) => e.kind === 'secret.create' && e.name === secretName('alice'));
    const loginAt = timeline.findIndex((e) => e.kind === 'sql' && e.sql.startsWith(`CREATE USER IF NOT EXISTS '${login('alice')}'`));
    expect(secretAt).toBeGreaterThanOrEqual(0);
    expect(loginAt).toBeGreaterThan(secretAt);
  });

  it("lets a developer of client A create a table that A's other developer can read, write and alter", async () => {
    const alice = await connectAs('alice', dbA);
    await alice.query('CREATE TABLE shared_notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL)');
    await alice.query("INSERT INTO shared_notes (body) VALUES ('from alice')");
    await alice.end();
    const bob = await connectAs('bob', dbA);
    await bob.query("INSERT INTO shared_notes (body) VALUES ('from bob')");
    const [rows] = await bob.query('SELECT body FROM shared_notes ORDER BY id');
    expect((rows as { body: string }[]).map((r) => r.body)).toEqual(['from alice', 'from bob']);
    await bob.query('ALTER TABLE shared_notes ADD COLUMN author VARCHAR(64)');
    await bob.end();
  });

  it("keeps a developer of client B out of A's database and its tables", async () => {
    await expect(connectAs('carol', dbA)).rejects.toMatchObject({ errno: 1044 });
    const carol = await connectAs('carol');
    await expect(carol.query(`SELECT * FROM \`${dbA}\`.shared_notes`)).rejects.toMatchObject({ errno: 1142 });
    await carol.end();
  });

  it("does not let client A's grant match client B's database through the _ wildcard", async () => {
    await expect(connectAs('alice', dbB)).rejects.toMatchObject({ errno: 1044 });
    const [rows] = await root.query('SELECT Db AS db FROM mysql.db WHERE User = ?', [login('alice')]);
    expect(rows).toEqual([{ db: dbA.replace(/_/g, '\\_') }]);
  });

  it('grants the client databases to nobody but their developers (no PUBLIC, no anonymous user)', async () => {
    const [rows] = await root.query('SELECT Db AS db, User AS user FROM mysql.db WHERE ? LIKE Db OR ? LIKE Db ORDER BY 1, 2', [dbA, dbB]);
    expect(rows).toEqual(
      [
        { db: dbA.replace(/_/g, '\\_'), user: login('alice') },
        { db: dbA.replace(/_/g, '\\_'), user: login('bob') },
        { db: dbB.replace(/_/g, '\\_'), user: login('carol') },
      ].sort((a, b) => (a.db + a.user).localeCompare(b.db + b.user)),
    );
    await expect(myAs(outsider, 'outsider-pw', dbA)).rejects.toMatchObject({ errno: 1044 });
  });

  it('changes nothing and loses nothing when provisioning runs again', async () => {
    const snapshot = async () => {
      const [grants] = await root.query('SELECT * FROM mysql.db WHERE User IN (?, ?, ?) ORDER BY Db, User', [login('alice'), login('bob'), login('carol')]);
      const [schemas] = await root.query('SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?, ?) ORDER BY 1', [dbA, dbB]);
      return {
        grants,
        schemas,
        auth: await Promise.all(['alice', 'bob', 'carol'].map((n) => authString(login(n)))),
        secrets: [...secrets.values.entries()].sort(),
      };
    };
    const before = await snapshot();
    const from = timeline.length;
    await db.provision({ client: clientA, developer: dev('alice') });
    await db.provision({ client: clientA, developer: dev('bob') });
    await db.provision({ client: clientB, developer: dev('carol') });
    expect(await snapshot()).toEqual(before);
    expect(statements(timeline.slice(from)).filter((s) => /^(CREATE|ALTER)\b/.test(s))).toEqual([]);
    expect(timeline.slice(from).filter((e) => e.kind === 'secret.create' || e.kind === 'secret.update')).toEqual([]);
    const alice = await connectAs('alice', dbA);
    expect(await count(alice, 'shared_notes')).toBe(2);
    await alice.end();
  });

  it('revokes a developer from a client: open sessions end, new ones are refused, login and data stay', async () => {
    const held = await connectAs('bob', dbA);
    expect(await count(held, 'shared_notes')).toBe(2);

    const from = timeline.length;
    const out = await db.revoke({ client: clientA, developer: dev('bob') });
    expect(out).toEqual([{ engine: 'mysql', revoked: true, sessionsEnded: 1, sessionsLeft: 0 }]);
    // The master has no CONNECTION ADMIN, so the session was ended the RDS way.
    expect(statements(timeline.slice(from))).toContain('CALL mysql.rds_kill(?)');
    await expect(count(held, 'shared_notes')).rejects.toThrow();
    held.destroy();

    await expect(connectAs('bob', dbA)).rejects.toMatchObject({ errno: 1044 });
    const [users] = await root.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [login('bob')]);
    expect(users).toHaveLength(1);
    expect(secrets.values.has(secretName('bob'))).toBe(true);

    expect(await db.revoke({ client: clientA, developer: dev('bob') })).toEqual([
      { engine: 'mysql', revoked: false, sessionsEnded: 0, sessionsLeft: 0 },
    ]);
    const password = secrets.passwordOf(secretName('bob'));
    await db.provision({ client: clientA, developer: dev('bob') });
    expect(secrets.passwordOf(secretName('bob'))).toBe(password);
    const bob = await connectAs('bob', dbA);
    expect(await count(bob, 'shared_notes')).toBe(2);
    await bob.end();
  });

  it('resumes after a failure half-way with the password it stored first', async () => {
    failOnce.match = /^GRANT /;
    failOnce.fired = false;
    const err = await db.provision({ client: clientA, developer: dev('dave') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'UPSTREAM_FAILED' });
    const password = secrets.passwordOf(secretName('dave'));
    await expect(myAs(login('dave'), password, dbA)).rejects.toMatchObject({ errno: 1044 });

    await db.provision({ client: clientA, developer: dev('dave') });
    expect(secrets.passwordOf(secretName('dave'))).toBe(password);
    const dave = await myAs(login('dave'), password, dbA);
    expect(await count(dave, 'shared_notes')).toBe(2);
    await dave.end();
  });

  it('keeps a legacy per-developer login working until revoke, which then also removes its access to that client', async () => {
    // What the earlier model left behind: `dev_<developer>` with the client database's grants.
    const legacy = legacyLogin('frank');
    await root.query(`CREATE USER ?@'%' IDENTIFIED BY 'legacy-pw'`, [legacy]);
    await root.query(`GRANT SELECT, INSERT ON \`${dbA.replace(/_/g, '\\_')}\`.* TO ?@'%'`, [legacy]);

    await db.provision({ client: clientA, developer: dev('frank') });
    const old = await myAs(legacy, 'legacy-pw', dbA);
    expect(await count(old, 'shared_notes')).toBe(2);
    old.destroy();

    const out = await db.revoke({ client: clientA, developer: dev('frank') });
    expect(out).toEqual([{ engine: 'mysql', revoked: true, sessionsEnded: 0, sessionsLeft: 0 }]);
    await expect(myAs(legacy, 'legacy-pw', dbA)).rejects.toMatchObject({ errno: 1044 });
    await expect(myAs(login('frank'), secrets.passwordOf(secretName('frank')), dbA)).rejects.toMatchObject({ errno: 1044 });
    // Revoked, not dropped.
    const [users] = await root.query("SELECT 1 FROM mysql.user WHERE User = ? AND Host = '%'", [legacy]);
    expect(users).toHaveLength(1);
  });

  it('rotates the password only when asked, secret first', async () => {
    const old = secrets.passwordOf(secretName('carol'));
    await db.provision({ client: clientB, developer: dev('carol'), rotatePassword: true });
    const fresh = secrets.passwordOf(secretName('carol'));
    expect(fresh).not.toBe(old);
    (await myAs(login('carol'), fresh, dbB)).destroy();
    await expect(myAs(login('carol'), old, dbB)).rejects.toMatchObject({ errno: 1045 });
  });

  it('keeps a password out of the error of a failed statement that carries it', async () => {
    const s = await connectMysql({ host: MY.host, port: MY.port, user: master, password: 'master-pw', tls: { mode: 'off' } });
    try {
      const plain = await s.query("SELEC 'Hunter2Hunter2'").catch((e: Error) => e);
      expect(String((plain as Error).message)).toContain('Hunter2Hunter2');
      const hidden = await s.query("SELEC 'Hunter2Hunter2'", [], { sensitive: true }).catch((e: Error) => e);
      expect(hidden).toMatchObject({ name: 'SqlError', code: 'ER_PARSE_ERROR' });
      expect(JSON.stringify({ ...(hidden as object), message: (hidden as Error).message })).not.toContain('Hunter2');
    } finally {
      await s.close();
    }
  });

  it('never puts a password in a log line', () => {
    const passwords = [...secrets.values.entries()]
      .filter(([k]) => k.startsWith('test/db/developer/'))
      .map(([, v]) => (JSON.parse(v) as { password: string }).password);
    expect(passwords.length).toBeGreaterThanOrEqual(4);
    const logged = logger.lines.join('\n');
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const p of [...passwords, 'master-pw']) expect(logged).not.toContain(p);
  });
});
