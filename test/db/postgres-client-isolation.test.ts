import type { Client } from 'pg';
import { ApiError } from '../../src/contract/errors';
import { scramSha256Verifier } from '../../infra-cdk/lambda/shared/db/credentials';
import { createDbProvisioner } from '../../infra-cdk/lambda/shared/db/provisioner';
import { connectPostgres } from '../../infra-cdk/lambda/shared/db/session';
import type { DbProvisioner } from '../../infra-cdk/lambda/shared/db/types';
import { developerClientLoginName } from '../../infra-cdk/lambda/shared/resource-names';
import { type Event, MemorySecretStore, PG, captureLogger, createPgMaster, pgAs, pgSuper, randomSuffix, recording, statements } from './support';

/**
 * Runs the provisioning module against the local PostgreSQL 15 with a master that, like RDS's,
 * is NOT a superuser: LOGIN CREATEDB CREATEROLE and pg_signal_backend (rds_superuser has it).
 * The local server trusts 127.0.0.1, so passwords are checked against the stored SCRAM verifier.
 */

const sfx = randomSuffix();
const clientA = `p${sfx}-a`;
const clientB = `p${sfx}xa`;
const dbA = `client_p${sfx}_a`;
const dbB = `client_p${sfx}xa`;
const dev = (name: string) => `d${sfx}-${name}`;
/** Carol works for client B, everyone else for client A. */
const clientOf = (name: string) => (name === 'carol' ? clientB : clientA);
const login = (name: string) => developerClientLoginName(dev(name), clientOf(name));
const legacyLogin = (name: string) => `dev_d${sfx}_${name}`;
const secretName = (name: string) => `test/db/developer/${dev(name)}/${clientOf(name)}`;
const master = `rdsmaster_${sfx}`;
const MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:pg-master-AbCdEf';

const timeline: Event[] = [];
const secrets = new MemorySecretStore(timeline);
const logger = captureLogger();
const failOnce: { match: RegExp; fired?: boolean } = { match: /^$/ };
let db: DbProvisioner;
let su: Client;

async function storedVerifier(role: string): Promise<string> {
  const r = await su.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
  return r.rows[0]!.rolpassword;
}

/** True when `password` is the one PostgreSQL holds for `role` (recomputed with the stored salt). */
async function passwordMatches(role: string, password: string): Promise<boolean> {
  const stored = await storedVerifier(role);
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
  if (!m) return false;
  return scramSha256Verifier(password, Number(m[1]), Buffer.from(m[2]!, 'base64')) === stored;
}

async function connectAs(name: string, database: string): Promise<Client> {
  return pgAs(login(name), secrets.passwordOf(secretName(name)), database);
}

beforeAll(async () => {
  su = await pgSuper();
  await createPgMaster(su, master, 'master-pw');
  secrets.values.set(MASTER_SECRET, JSON.stringify({ username: master, password: 'master-pw', engine: 'postgres', host: PG.host, port: PG.port }));
  db = createDbProvisioner({
    targets: [{ engine: 'postgres', host: PG.host, port: PG.port, masterSecretId: MASTER_SECRET, tls: { mode: 'off' } }],
    secrets,
    secretPrefix: 'test/',
    managedBy: 'dev-vm-test',
    logger,
    connectors: { postgres: recording('postgres', connectPostgres, timeline, failOnce) },
  });
  await db.provision({ client: clientA, developer: dev('alice') });
  await db.provision({ client: clientA, developer: dev('bob') });
  await db.provision({ client: clientB, developer: dev('carol') });
});

afterAll(async () => {
  for (const d of [dbA, dbB]) {
    await su.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [d]);
    await su.query(`DROP DATABASE IF EXISTS ${d}`);
  }
  for (const r of [login('alice'), login('bob'), login('carol'), login('dave'), login('eve'), login('frank'), legacyLogin('frank'), dbA, dbB, master]) {
    await su.query(`DROP ROLE IF EXISTS ${r}`);
  }
  await su.end();
});

describe('PostgreSQL per-client databases with one login per (developer, client) (non-superuser master)', () => {
  it('returns where to connect and which secret holds the password, never the password', async () => {
    const out = await db.provision({ client: clientA, developer: dev('alice') });
    expect(out).toEqual([
      { engine: 'postgres', host: PG.host, port: PG.port, database: dbA, user: login('alice'), secretName: secretName('alice') },
    ]);
    expect(JSON.stringify(out)).not.toContain(secrets.passwordOf(secretName('alice')));
    expect(secrets.tags.get(secretName('alice'))).toEqual({ DeveloperName: dev('alice'), ClientName: clientA, ManagedBy: 'dev-vm-test' });
  });

  it('gives each login the password stored in its secret', async () => {
    for (const n of ['alice', 'bob', 'carol']) {
      expect(await passwordMatches(login(n), secrets.passwordOf(secretName(n)))).toBe(true);
    }
    expect(await passwordMatches(login('alice'), secrets.passwordOf(secretName('bob')))).toBe(false);
  });

  it('stores the secret before the login is created', () => {
    const secretAt = timeline.findIndex((e) => e.kind === 'secret.create' && e.name === secretName('alice'));
    const loginAt = timeline.findIndex((e) => e.kind === 'sql' && e.sql.startsWith(`CREATE ROLE "${login('alice')}"`));
    expect(secretAt).toBeGreaterThanOrEqual(0);
    expect(loginAt).toBeGreaterThan(secretAt);
  });

  it("lets a developer of client A create a table that A's other developer can read and write", async () => {
    const alice = await connectAs('alice', dbA);
    await alice.query('CREATE TABLE shared_notes (id serial PRIMARY KEY, body text NOT NULL)');
    await alice.query("INSERT INTO shared_notes (body) VALUES ('from alice')");
    await alice.end();

    const bob = await connectAs('bob', dbA);
    await bob.query("INSERT INTO shared_notes (body) VALUES ('from bob')");
    const rows = await bob.query<{ body: string }>('SELECT body FROM shared_notes ORDER BY id');
    expect(rows.rows.map((r) => r.body)).toEqual(['from alice', 'from bob']);
    // Owned by the client role, so bob may also change its structure.
    await bob.query('ALTER TABLE shared_notes ADD COLUMN author text');
    // It lives in the client's own schema (named like the client role, so `"$user"` finds it), not in public.
    const owner = await bob.query<{ owner: string; schema: string }>("SELECT tableowner AS owner, schemaname AS schema FROM pg_tables WHERE tablename = 'shared_notes'");
    expect(owner.rows[0]).toEqual({ owner: dbA, schema: dbA });
    await bob.end();
  });

  it("keeps a developer of client B out of A's database and its tables", async () => {
    await expect(connectAs('carol', dbA)).rejects.toMatchObject({ code: '42501' });
    const inA = await pgSuper(dbA);
    try {
      const r = await inA.query<{ s: boolean; i: boolean }>(
        'SELECT has_table_privilege($1, $2, \'SELECT\') AS s, has_table_privilege($1, $2, \'INSERT\') AS i',
        [login('carol'), `${dbA}.shared_notes`],
      );
      expect(r.rows[0]).toEqual({ s: false, i: false });
    } finally {
      await inA.end();
    }
    // And A's developers are kept out of B's database just the same.
    await expect(connectAs('alice', dbB)).rejects.toMatchObject({ code: '42501' });
  });

  it('gives PUBLIC no CONNECT, TEMP or CREATE on the client databases nor on their public schema', async () => {
    for (const d of [dbA, dbB]) {
      const r = await su.query<{ c: boolean; t: boolean; k: boolean }>(
        "SELECT has_database_privilege('public', $1, 'CONNECT') AS c, has_database_privilege('public', $1, 'TEMP') AS t, has_database_privilege('public', $1, 'CREATE') AS k",
        [d],
      );
      expect(r.rows[0]).toEqual({ c: false, t: false, k: false });
      const inside = await pgSuper(d);
      try {
        const s = await inside.query<{ u: boolean; k: boolean }>(
          "SELECT has_schema_privilege('public', 'public', 'USAGE') AS u, has_schema_privilege('public', 'public', 'CREATE') AS k",
        );
        expect(s.rows[0]).toEqual({ u: false, k: false });
      } finally {
        await inside.end();
      }
    }
    // The databases belong to the master, and only the client's schema to the client role.
    const owners = await su.query('SELECT datname AS d, pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname IN ($1, $2) ORDER BY 1', [dbA, dbB]);
    expect(owners.rows).toEqual([dbA, dbB].sort().map((d) => ({ d, o: master })));
    const inA = await pgSuper(dbA);
    try {
      const schemas = await inA.query("SELECT nspname AS n, pg_get_userbyid(nspowner) AS o FROM pg_namespace WHERE nspname IN ('public', $1) ORDER BY 1", [dbA]);
      expect(schemas.rows).toEqual([{ n: dbA, o: dbA }, { n: 'public', o: 'pg_database_owner' }]);
    } finally {
      await inA.end();
    }
    // The master itself is no superuser: it was never given one.
    const m = await su.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [master]);
    expect(m.rows[0]!.rolsuper).toBe(false);
  });

  it('changes nothing and loses nothing when provisioning runs again', async () => {
    const snapshot = async () => ({
      verifiers: [await storedVerifier(login('alice')), await storedVerifier(login('bob')), await storedVerifier(login('carol'))],
      members: (
        await su.query(
          `SELECT g.rolname AS g, u.rolname AS u FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
            JOIN pg_roles u ON u.oid = m.member WHERE g.rolname IN ($1, $2) ORDER BY 1, 2`,
          [dbA, dbB],
        )
      ).rows,
      databases: (await su.query('SELECT datname, datdba, datacl::text FROM pg_database WHERE datname IN ($1, $2) ORDER BY 1', [dbA, dbB])).rows,
      // Only this file's databases: the server is shared with other test runs.
      settings: (
        await su.query(
          'SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting WHERE setdatabase IN (SELECT oid FROM pg_database WHERE datname IN ($1, $2)) ORDER BY 1, 2',
          [dbA, dbB],
        )
      ).rows,
      secrets: [...secrets.values.entries()].sort(),
    });
    const before = await snapshot();
    const from = timeline.length;
    await db.provision({ client: clientA, developer: dev('alice') });
    await db.provision({ client: clientA, developer: dev('bob') });
    await db.provision({ client: clientB, developer: dev('carol') });
    expect(await snapshot()).toEqual(before);

    const again = statements(timeline.slice(from));
    expect(again.filter((s) => /^(CREATE|ALTER|GRANT)\b/.test(s))).toEqual([]);
    expect(timeline.slice(from).filter((e) => e.kind === 'secret.create' || e.kind === 'secret.update')).toEqual([]);

    const alice = await connectAs('alice', dbA);
    const rows = await alice.query('SELECT count(*)::int AS n FROM shared_notes');
    expect(rows.rows[0]).toEqual({ n: 2 });
    await alice.end();
  });

  it('revokes a developer from a client: open sessions end, new ones are refused, login and data stay', async () => {
    const held = await connectAs('bob', dbA);
    await held.query('SELECT 1 FROM shared_notes');
    const ended = new Promise<void>((resolve) => held.once('error', () => resolve()));

    const out = await db.revoke({ client: clientA, developer: dev('bob') });
    expect(out).toEqual([{ engine: 'postgres', revoked: true, sessionsEnded: 1, sessionsLeft: 0 }]);
    await ended;
    await expect(held.query('SELECT 1 FROM shared_notes')).rejects.toThrow();
    await held.end().catch(() => undefined);

    await expect(connectAs('bob', dbA)).rejects.toMatchObject({ code: '42501' });
    const still = await su.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login('bob')]);
    expect(still.rowCount).toBe(1);
    expect(secrets.values.has(secretName('bob'))).toBe(true);

    // Alice is untouched, and so is the table bob wrote to.
    const alice = await connectAs('alice', dbA);
    expect((await alice.query('SELECT count(*)::int AS n FROM shared_notes')).rows[0]).toEqual({ n: 2 });
    await alice.end();

    // Revoking again has nothing to do; provisioning again gives access back with the same password.
    expect(await db.revoke({ client: clientA, developer: dev('bob') })).toEqual([
      { engine: 'postgres', revoked: false, sessionsEnded: 0, sessionsLeft: 0 },
    ]);
    const password = secrets.passwordOf(secretName('bob'));
    await db.provision({ client: clientA, developer: dev('bob') });
    expect(secrets.passwordOf(secretName('bob'))).toBe(password);
    const bob = await connectAs('bob', dbA);
    expect((await bob.query('SELECT count(*)::int AS n FROM shared_notes')).rows[0]).toEqual({ n: 2 });
    await bob.end();
  });

  it('resumes after a failure half-way with the password it stored first', async () => {
    failOnce.match = new RegExp(`^GRANT "${dbA}" TO "${login('dave')}"`);
    failOnce.fired = false;
    const err = await db.provision({ client: clientA, developer: dev('dave') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'UPSTREAM_FAILED' });
    const password = secrets.passwordOf(secretName('dave'));
    expect(await passwordMatches(login('dave'), password)).toBe(true);
    await expect(connectAs('dave', dbA)).rejects.toMatchObject({ code: '42501' });

    await db.provision({ client: clientA, developer: dev('dave') });
    expect(secrets.passwordOf(secretName('dave'))).toBe(password);
    const dave = await connectAs('dave', dbA);
    expect((await dave.query('SELECT count(*)::int AS n FROM shared_notes')).rows[0]).toEqual({ n: 2 });
    await dave.end();
  });

  it('lets two overlapping runs for a new developer converge on one secret and one working login', async () => {
    const [first, second] = await Promise.all([
      db.provision({ client: clientA, developer: dev('eve') }),
      db.provision({ client: clientA, developer: dev('eve') }),
    ]);
    expect(second).toEqual(first);
    const creates = timeline.filter((e) => e.kind === 'secret.create' && e.name === secretName('eve'));
    // Both runs found no secret and tried to create one; exactly one won and the other adopted it.
    expect(creates).toHaveLength(2);
    expect(creates.filter((e) => e.kind === 'secret.create' && e.created)).toHaveLength(1);
    expect(await passwordMatches(login('eve'), secrets.passwordOf(secretName('eve')))).toBe(true);
    const eve = await connectAs('eve', dbA);
    expect((await eve.query('SELECT count(*)::int AS n FROM shared_notes')).rows[0]).toEqual({ n: 2 });
    await eve.end();
  });

  it('keeps a legacy per-developer login working until revoke, which then also removes its access to that client', async () => {
    // What the earlier model left behind: `dev_<developer>`, a member of the client role, running as it there.
    const legacy = legacyLogin('frank');
    await su.query(`CREATE ROLE ${legacy} LOGIN INHERIT PASSWORD 'legacy-pw'`);
    await su.query(`GRANT ${dbA} TO ${legacy}`);
    await su.query(`ALTER ROLE ${legacy} IN DATABASE ${dbA} SET role = '${dbA}'`);

    await db.provision({ client: clientA, developer: dev('frank') });
    const old = await pgAs(legacy, 'legacy-pw', dbA);
    expect((await old.query('SELECT count(*)::int AS n FROM shared_notes')).rows[0]).toEqual({ n: 2 });
    await old.end();

    const out = await db.revoke({ client: clientA, developer: dev('frank') });
    expect(out).toEqual([{ engine: 'postgres', revoked: true, sessionsEnded: 0, sessionsLeft: 0 }]);
    await expect(pgAs(legacy, 'legacy-pw', dbA)).rejects.toMatchObject({ code: '42501' });
    await expect(pgAs(login('frank'), secrets.passwordOf(secretName('frank')), dbA)).rejects.toMatchObject({ code: '42501' });
    // Revoked, not dropped.
    expect((await su.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [legacy])).rowCount).toBe(1);
  });

  it('rotates the password only when asked, secret first', async () => {
    const old = secrets.passwordOf(secretName('carol'));
    await db.provision({ client: clientB, developer: dev('carol') });
    expect(secrets.passwordOf(secretName('carol'))).toBe(old);

    await db.provision({ client: clientB, developer: dev('carol'), rotatePassword: true });
    const fresh = secrets.passwordOf(secretName('carol'));
    expect(fresh).not.toBe(old);
    expect(fresh).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await passwordMatches(login('carol'), fresh)).toBe(true);
    expect(await passwordMatches(login('carol'), old)).toBe(false);
  });

  it('never puts a password in a log line or a statement', () => {
    const passwords = [...secrets.values.entries()]
      .filter(([k]) => k.startsWith('test/db/developer/'))
      .map(([, v]) => (JSON.parse(v) as { password: string }).password);
    expect(passwords.length).toBeGreaterThanOrEqual(4);
    const logged = logger.lines.join('\n');
    const sent = statements(timeline).join('\n');
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const p of [...passwords, 'master-pw']) {
      expect(logged).not.toContain(p);
      expect(sent).not.toContain(p);
    }
  });
});
