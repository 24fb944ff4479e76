import type { Client } from 'pg';
import { scramSha256Verifier } from '../../infra-cdk/lambda/shared/db/credentials';
import { createDbProvisioner } from '../../infra-cdk/lambda/shared/db/provisioner';
import type { DbProvisioner } from '../../infra-cdk/lambda/shared/db/types';
import type { DbConnection } from '../../src/contract/vm-api';
import { MemorySecretStore, PG, captureLogger, createPgMaster, pgAs, pgSuper, randomSuffix } from '../db/support';

/**
 * Attacks a developer can make on the shared PostgreSQL, reproduced on the local PostgreSQL 15
 * with an RDS-like master (LOGIN CREATEDB CREATEROLE, not superuser). The attacker only uses what
 * a developer has: the login and password provisioning gave her (read from her secret, as her VM
 * does), and SQL in the databases she can reach.
 */

const sfx = randomSuffix();
const clientA = `a${sfx}-acme`;
const clientB = `b${sfx}-beta`;
const dev = (name: string) => `s${sfx}-${name}`;
const MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:pg-master-sec';
const master = `secmaster_${sfx}`;

const secrets = new MemorySecretStore();
let db: DbProvisioner;
let su: Client;

/** What a developer's VM knows about one client: where to connect, as whom, with which password. */
interface Access {
  database: string;
  user: string;
  password: string;
}

async function provision(client: string, developer: string): Promise<Access> {
  const [c] = (await db.provision({ client, developer })) as [DbConnection];
  return { database: c.database, user: c.user, password: secrets.passwordOf(c.secretName) };
}

const connect = (a: Access, database = a.database): Promise<Client> => pgAs(a.user, a.password, database);

/** Can this login open a session in that database and read a table there? */
async function canRead(user: string, password: string, database: string, table: string): Promise<boolean> {
  let c: Client;
  try {
    c = await pgAs(user, password, database);
  } catch {
    return false;
  }
  try {
    await c.query(`SELECT * FROM ${table}`);
    return true;
  } catch {
    return false;
  } finally {
    await c.end();
  }
}

/**
 * True when `password` is the one PostgreSQL holds for `role`. The local server trusts 127.0.0.1
 * (no password check at login), so a password is checked against the stored SCRAM verifier, and
 * access is decided by privileges alone, which is what these tests are about.
 */
async function passwordIs(role: string, password: string): Promise<boolean> {
  const r = await su.query<{ p: string }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [role]);
  const stored = r.rows[0]?.p ?? '';
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
  return !!m && scramSha256Verifier(password, Number(m[1]), Buffer.from(m[2]!, 'base64')) === stored;
}

let alice: Access;
let carol: Access;

beforeAll(async () => {
  su = await pgSuper();
  await createPgMaster(su, master, 'master-pw');
  secrets.values.set(MASTER_SECRET, JSON.stringify({ username: master, password: 'master-pw', host: PG.host, port: PG.port }));
  db = createDbProvisioner({
    targets: [{ engine: 'postgres', host: PG.host, port: PG.port, masterSecretId: MASTER_SECRET, tls: { mode: 'off' } }],
    secrets,
    secretPrefix: 'sec/',
    managedBy: 'dev-vm-test',
    logger: captureLogger(),
  });
  alice = await provision(clientA, dev('alice'));
  carol = await provision(clientB, dev('carol'));
  const c = await connect(carol);
  await c.query('CREATE TABLE beta_secrets (v text)');
  await c.query("INSERT INTO beta_secrets VALUES ('beta only')");
  await c.end();
});

afterAll(async () => {
  const dbs = (await su.query<{ d: string }>('SELECT datname AS d FROM pg_database WHERE datname LIKE $1 OR datname = $2', [`client\\_%${sfx}%`, `maint_${sfx}`])).rows.map((r) => r.d);
  for (const d of dbs) {
    await su.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [d]);
    await su.query(`DROP DATABASE IF EXISTS "${d}"`);
  }
  const roles = (await su.query<{ r: string }>('SELECT rolname AS r FROM pg_roles WHERE rolname LIKE $1', [`%${sfx}%`])).rows.map((r) => r.r);
  for (const r of roles.filter((x) => x !== master)) await su.query(`DROP ROLE IF EXISTS "${r}"`);
  await su.query(`DROP ROLE IF EXISTS "${master}"`);
  await su.end();
});

describe('PostgreSQL: a developer attacks the provisioning master and her colleagues', () => {
  it('a function planted under a catalog name is never run by the master (no grant of another client)', async () => {
    const c = await connect(alice);
    // As a developer would: shadow the catalog function wherever she may create, public first.
    const body = `RETURNS boolean LANGUAGE plpgsql AS $f$
      BEGIN
        EXECUTE format('GRANT %I TO %I', ${c.escapeLiteral(carol.database)}, ${c.escapeLiteral(alice.user)});
        RETURN false;
      EXCEPTION WHEN OTHERS THEN RETURN false;
      END $f$`;
    let planted = 0;
    for (const schema of ['public.', '']) {
      try {
        await c.query(`CREATE OR REPLACE FUNCTION ${schema}has_schema_privilege(text, text, text) ${body}`);
        await c.query(`CREATE OR REPLACE FUNCTION ${schema}has_database_privilege(text, text, text) ${body}`);
        planted++;
      } catch {
        // no CREATE there
      }
    }
    expect(planted).toBeGreaterThan(0);
    await c.end();

    // The next provisioning runs (a colleague joins client A; alice's VM is provisioned again).
    await provision(clientA, dev('bob'));
    await provision(clientA, dev('alice'));

    const member = await su.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE g.rolname = $1 AND u.rolname = $2`,
      [carol.database, alice.user],
    );
    expect(member.rowCount).toBe(0);
    expect(await canRead(alice.user, alice.password, carol.database, 'beta_secrets')).toBe(false);
  });

  it('a database of the earlier layout (tenant-owned, function planted in public) is migrated without running it', async () => {
    // The earlier layout, as the previous provisioning code left it: the client role owns the
    // database and (PostgreSQL 15) its public schema; the developer planted a catalog look-alike.
    const legacyClient = `l${sfx}-old`;
    const legacyDb = `client_l${sfx}_old`;
    await su.query(`CREATE ROLE "${legacyDb}" NOLOGIN`);
    await su.query(`GRANT "${legacyDb}" TO "${master}"`);
    await su.query(`CREATE DATABASE "${legacyDb}" OWNER "${legacyDb}"`);
    const inLegacy = await pgSuper(legacyDb);
    try {
      await inLegacy.query(`SET ROLE "${legacyDb}"`);
      await inLegacy.query('CREATE TABLE kept (v int)');
      await inLegacy.query('INSERT INTO kept VALUES (7)');
      await inLegacy.query(`CREATE FUNCTION public.has_schema_privilege(text, text, text) RETURNS boolean LANGUAGE plpgsql AS $f$
        BEGIN EXECUTE format('GRANT %I TO %I', '${carol.database}', '${legacyDb}'); RETURN false;
        EXCEPTION WHEN OTHERS THEN RETURN false; END $f$`);
      // …and made the database's sessions look in public first, for whoever connects.
      await inLegacy.query(`ALTER DATABASE "${legacyDb}" SET search_path = public, pg_catalog`);
      // …and, as its owner, wrote the marker of a finished layout, hoping to be skipped.
      await inLegacy.query(`COMMENT ON DATABASE "${legacyDb}" IS 'dev-vm-for-jira: client database layout 2'`);
    } finally {
      await inLegacy.end();
    }

    const dave = await provision(legacyClient, dev('dave'));
    const member = await su.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE g.rolname = $1 AND u.rolname = $2`,
      [carol.database, legacyDb],
    );
    expect(member.rowCount).toBe(0);
    // The client's data is still there for its developers.
    const c = await connect(dave);
    expect((await c.query('SELECT v FROM public.kept')).rows).toEqual([{ v: 7 }]);
    await c.end();
    const owner = await su.query<{ o: string }>('SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = $1', [legacyDb]);
    expect(owner.rows[0]!.o).toBe(master);
  });

  it('a developer cannot drop, lock out or re-path the client database', async () => {
    const c = await connect(alice);
    await expect(c.query(`ALTER DATABASE "${alice.database}" CONNECTION LIMIT 0`)).rejects.toMatchObject({ code: '42501' });
    await expect(c.query(`ALTER DATABASE "${alice.database}" SET search_path = public`)).rejects.toMatchObject({ code: '42501' });
    // A GRANT without the grant option only warns; what counts is that nothing was granted.
    await c.query(`GRANT CONNECT ON DATABASE "${alice.database}" TO PUBLIC`).catch(() => undefined);
    await c.end();
    const open = await su.query("SELECT has_database_privilege('public', $1, 'CONNECT') AS c", [alice.database]);
    expect(open.rows[0]).toEqual({ c: false });
    // DROP DATABASE needs a session elsewhere: locally `postgres` is open to PUBLIC (its owner is a
    // superuser the RDS-like master cannot change), so the attempt is possible here.
    const elsewhere = await connect(alice, 'postgres');
    try {
      await expect(elsewhere.query(`DROP DATABASE "${alice.database}"`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await elsewhere.end();
    }
    // And a colleague's next provisioning still works.
    await expect(provision(clientA, dev('erin'))).resolves.toMatchObject({ database: alice.database });
  });

  it('a developer cannot connect to the maintenance database when the master owns it (as on RDS)', async () => {
    // On RDS the master owns `postgres`; here a database the master owns stands in for it.
    const maint = `maint_${sfx}`;
    await su.query(`CREATE DATABASE "${maint}" OWNER "${master}"`);
    const rdsLike = createDbProvisioner({
      targets: [{ engine: 'postgres', host: PG.host, port: PG.port, masterSecretId: MASTER_SECRET, tls: { mode: 'off' }, maintenanceDatabase: maint }],
      secrets,
      secretPrefix: 'sec/',
      managedBy: 'dev-vm-test',
      logger: captureLogger(),
    });
    const [c] = (await rdsLike.provision({ client: clientA, developer: dev('gina') })) as [DbConnection];
    const gina: Access = { database: c.database, user: c.user, password: secrets.passwordOf(c.secretName) };
    await expect(connect(gina, maint)).rejects.toMatchObject({ code: '42501' });
    // Her own client's database still works.
    const own = await connect(gina);
    await own.end();
  });

  it("code planted by one developer that changes a colleague's password gives no access to the colleague's other clients", async () => {
    // bob works for client A and client B; alice only for A.
    const bobA = await provision(clientA, dev('bob'));
    const bobB = await provision(clientB, dev('bob'));

    const a = await connect(alice);
    await a.query('CREATE TABLE IF NOT EXISTS inbox (v text)');
    await a.query(`CREATE OR REPLACE FUNCTION grab() RETURNS trigger LANGUAGE plpgsql AS $f$
      BEGIN
        SET ROLE NONE;
        EXECUTE format('ALTER ROLE %I PASSWORD %L', session_user, 'AliceOwnsThis1234');
        RETURN NEW;
      END $f$`);
    await a.query('CREATE TRIGGER grab BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION grab()');
    await a.end();

    // bob, at work on client A, inserts a row.
    const b = await connect(bobA);
    await b.query("INSERT INTO inbox VALUES ('hello')").catch(() => undefined);
    await b.end();

    // The planted code did run: PostgreSQL lets every role change its own password and that cannot
    // be taken away without a superuser, so the login alice now holds is bob's login for client A…
    expect(await passwordIs(bobA.user, 'AliceOwnsThis1234')).toBe(true);
    // …which reaches client A only, where alice works anyway: not client B's database.
    expect(await canRead(bobA.user, 'AliceOwnsThis1234', carol.database, 'beta_secrets')).toBe(false);
    // bob's own access to B is unaffected, password included.
    expect(await passwordIs(bobB.user, bobB.password)).toBe(true);
    expect(await canRead(bobB.user, bobB.password, carol.database, 'beta_secrets')).toBe(true);
  });
});
