import type { Connection } from 'mysql2/promise';
import type { Client } from 'pg';
import { scramSha256Verifier } from '../../infra-cdk/lambda/shared/db/credentials';
import { createDbProvisioner } from '../../infra-cdk/lambda/shared/db/provisioner';
import type { DbProvisioner } from '../../infra-cdk/lambda/shared/db/types';
import type { DbConnection } from '../../src/contract/vm-api';
import { MemorySecretStore, MY, PG, captureLogger, createMysqlMaster, createPgMaster, myAs, myRoot, pgAs, pgSuper, randomSuffix } from '../db/support';

/**
 * Attacks a developer can make on the shared databases, reproduced on the local PostgreSQL 15 and
 * MariaDB 10.11 with RDS-like masters (PostgreSQL: LOGIN CREATEDB CREATEROLE, not superuser;
 * MySQL: RDS's documented global privileges, no SUPER). The attacker only uses what a developer
 * has: the login and password provisioning gave her (read from her secret, as her VM does), and
 * SQL in the databases she can reach. An attack both engines face runs once per engine
 * (`describe.each`); the others concern one engine's own features.
 */

const sfx = randomSuffix();
const clientA = `a${sfx}-acme`;
const clientB = `b${sfx}-beta`;
const dev = (name: string) => `s${sfx}-${name}`;
const master = `secmaster_${sfx}`;
const secrets = new MemorySecretStore();

/** What a developer's VM knows about one client: where to connect, as whom, with which password. */
interface Access {
  database: string;
  user: string;
  password: string;
}

async function provisionWith(db: DbProvisioner, client: string, developer: string): Promise<Access> {
  const [c] = (await db.provision({ client, developer })) as [DbConnection];
  return { database: c.database, user: c.user, password: secrets.passwordOf(c.secretName) };
}

/** One engine as the attacks see it. */
interface Engine {
  readonly name: 'postgres' | 'mysql';
  provision(client: string, developer: string): Promise<Access>;
  /** Can this login open a session in that database and read a table there? */
  canRead(user: string, password: string, database: string, table: string): Promise<boolean>;
  /** A table with one row, created by the access's own login. */
  seedTable(a: Access, table: string): Promise<void>;
  /**
   * The attacker plants code in her client's database that sets the password of whoever runs it
   * to `password`; the victim, at work on the same client, then runs it (the engine's own way).
   */
  plantPasswordTakeover(attacker: Access, victim: Access, password: string): Promise<void>;
  /** True when `password` is the one the server holds for this login. */
  passwordIs(a: Pick<Access, 'user' | 'database'>, password: string): Promise<boolean>;
}

// ------------------------------------------------------------------------------- PostgreSQL

const PG_MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:pg-master-sec';
let pgDb: DbProvisioner;
let su: Client;

const pgConnect = (a: Access, database = a.database): Promise<Client> => pgAs(a.user, a.password, database);

const postgres: Engine = {
  name: 'postgres',
  provision: (client, developer) => provisionWith(pgDb, client, developer),
  async canRead(user, password, database, table) {
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
  },
  async seedTable(a, table) {
    const c = await pgConnect(a);
    await c.query(`CREATE TABLE ${table} (v text)`);
    await c.query(`INSERT INTO ${table} VALUES ('${table} only')`);
    await c.end();
  },
  async plantPasswordTakeover(attacker, victim, password) {
    const a = await pgConnect(attacker);
    await a.query('CREATE TABLE IF NOT EXISTS inbox (v text)');
    await a.query(`CREATE OR REPLACE FUNCTION grab() RETURNS trigger LANGUAGE plpgsql AS $f$
      BEGIN
        SET ROLE NONE;
        EXECUTE format('ALTER ROLE %I PASSWORD %L', session_user, ${a.escapeLiteral(password)});
        RETURN NEW;
      END $f$`);
    await a.query('CREATE TRIGGER grab BEFORE INSERT ON inbox FOR EACH ROW EXECUTE FUNCTION grab()');
    await a.end();
    // The victim inserts a row (the password change may succeed: that is the point).
    const v = await pgConnect(victim);
    await v.query("INSERT INTO inbox VALUES ('hello')").catch(() => undefined);
    await v.end();
  },
  /**
   * The local server trusts 127.0.0.1 (no password check at login), so a password is checked
   * against the stored SCRAM verifier, and access is decided by privileges alone, which is what
   * these tests are about.
   */
  async passwordIs(a, password) {
    const r = await su.query<{ p: string }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [a.user]);
    const stored = r.rows[0]?.p ?? '';
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored);
    return !!m && scramSha256Verifier(password, Number(m[1]), Buffer.from(m[2]!, 'base64')) === stored;
  },
};

// ------------------------------------------------------------------------------- MySQL / MariaDB

const MY_MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:my-master-sec';
let myDb: DbProvisioner;
let root: Connection;

const mysql: Engine = {
  name: 'mysql',
  provision: (client, developer) => provisionWith(myDb, client, developer),
  async canRead(user, password, database, table) {
    let c: Connection;
    try {
      c = await myAs(user, password, database);
    } catch {
      return false;
    }
    try {
      await c.query(`SELECT * FROM \`${table}\``);
      return true;
    } catch {
      return false;
    } finally {
      c.destroy();
    }
  },
  async seedTable(a, table) {
    const c = await myAs(a.user, a.password, a.database);
    await c.query(`CREATE TABLE \`${table}\` (v TEXT)`);
    await c.query(`INSERT INTO \`${table}\` VALUES ('${table} only')`);
    c.destroy();
  },
  async plantPasswordTakeover(attacker, victim, password) {
    // A helpful-looking procedure in the client's database…
    const a = await myAs(attacker.user, attacker.password, attacker.database);
    await a.query(`CREATE OR REPLACE PROCEDURE tidy() SQL SECURITY INVOKER BEGIN SET PASSWORD = PASSWORD(${a.escape(password)}); END`);
    a.destroy();
    // …which the victim calls.
    const v = await myAs(victim.user, victim.password, victim.database);
    await v.query('CALL tidy()').catch(() => undefined);
    v.destroy();
  },
  /** MariaDB checks passwords at login, so a login attempt answers. */
  async passwordIs(a, password) {
    try {
      (await myAs(a.user, password, a.database)).destroy();
      return true;
    } catch (e) {
      if ((e as { errno?: number }).errno === 1045) return false;
      throw e;
    }
  },
};

// ------------------------------------------------------------------------------- set-up

beforeAll(async () => {
  su = await pgSuper();
  await createPgMaster(su, master, 'master-pw');
  secrets.values.set(PG_MASTER_SECRET, JSON.stringify({ username: master, password: 'master-pw', host: PG.host, port: PG.port }));
  pgDb = createDbProvisioner({
    targets: [{ engine: 'postgres', host: PG.host, port: PG.port, masterSecretId: PG_MASTER_SECRET, tls: { mode: 'off' } }],
    secrets,
    secretPrefix: 'sec/',
    managedBy: 'dev-vm-test',
    logger: captureLogger(),
  });

  root = await myRoot();
  await createMysqlMaster(root, master, 'master-pw');
  secrets.values.set(MY_MASTER_SECRET, JSON.stringify({ username: master, password: 'master-pw', host: MY.host, port: MY.port }));
  myDb = createDbProvisioner({
    targets: [{ engine: 'mysql', host: MY.host, port: MY.port, masterSecretId: MY_MASTER_SECRET, tls: { mode: 'off' } }],
    secrets,
    secretPrefix: 'sec/',
    managedBy: 'dev-vm-test',
    logger: captureLogger(),
  });
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

  const [mdbs] = await root.query('SELECT SCHEMA_NAME AS d FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`%${sfx}%`]);
  for (const { d } of mdbs as { d: string }[]) await root.query(`DROP DATABASE IF EXISTS \`${d}\``);
  const [users] = await root.query('SELECT User AS u, Host AS h FROM mysql.user WHERE User LIKE ?', [`%${sfx}%`]);
  for (const { u, h } of users as { u: string; h: string }[]) await root.query('DROP USER IF EXISTS ?@?', [u, h]);
  await root.query('DROP USER IF EXISTS ?@?', [master, '%']);
  await root.end();
});

// ------------------------------------------------------------------------------- both engines

describe.each([postgres, mysql])('$name: a developer attacks her colleagues', (engine) => {
  it("code planted by one developer that changes a colleague's password gives no access to the colleague's other clients", async () => {
    // bob works for client A and client B; mallory only for A; dora keeps client B's ledger.
    const mallory = await engine.provision(clientA, dev('mallory'));
    const bobA = await engine.provision(clientA, dev('bob'));
    const bobB = await engine.provision(clientB, dev('bob'));
    const dora = await engine.provision(clientB, dev('dora'));
    await engine.seedTable(dora, 'beta_ledger');

    await engine.plantPasswordTakeover(mallory, bobA, 'MalloryOwnsThis1234');

    // The planted code did run: both engines let every login change its own password (MariaDB has
    // no PASSWORD REQUIRE CURRENT; PostgreSQL cannot forbid it without a superuser), so mallory
    // now holds bob's login for client A…
    expect(await engine.passwordIs(bobA, 'MalloryOwnsThis1234')).toBe(true);
    // …which reaches client A only, where she works anyway: not client B's database.
    expect(await engine.canRead(bobA.user, 'MalloryOwnsThis1234', dora.database, 'beta_ledger')).toBe(false);
    // bob's own access to B is unaffected, password included.
    expect(await engine.passwordIs(bobB, bobB.password)).toBe(true);
    expect(await engine.canRead(bobB.user, bobB.password, dora.database, 'beta_ledger')).toBe(true);
  });
});

// ------------------------------------------------------------------------------- PostgreSQL only

describe('PostgreSQL: a developer attacks the provisioning master', () => {
  let alice: Access;
  let carol: Access;
  beforeAll(async () => {
    alice = await postgres.provision(clientA, dev('alice'));
    carol = await postgres.provision(clientB, dev('carol'));
    await postgres.seedTable(carol, 'beta_secrets');
  });

  it('a function planted under a catalog name is never run by the master (no grant of another client)', async () => {
    const c = await pgConnect(alice);
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
    await postgres.provision(clientA, dev('bob'));
    await postgres.provision(clientA, dev('alice'));

    const member = await su.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE g.rolname = $1 AND u.rolname = $2`,
      [carol.database, alice.user],
    );
    expect(member.rowCount).toBe(0);
    expect(await postgres.canRead(alice.user, alice.password, carol.database, 'beta_secrets')).toBe(false);
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

    const dave = await postgres.provision(legacyClient, dev('dave'));
    const member = await su.query(
      `SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE g.rolname = $1 AND u.rolname = $2`,
      [carol.database, legacyDb],
    );
    expect(member.rowCount).toBe(0);
    // The client's data is still there for its developers.
    const c = await pgConnect(dave);
    expect((await c.query('SELECT v FROM public.kept')).rows).toEqual([{ v: 7 }]);
    await c.end();
    const owner = await su.query<{ o: string }>('SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = $1', [legacyDb]);
    expect(owner.rows[0]!.o).toBe(master);
  });

  it('a developer cannot drop, lock out or re-path the client database', async () => {
    const c = await pgConnect(alice);
    await expect(c.query(`ALTER DATABASE "${alice.database}" CONNECTION LIMIT 0`)).rejects.toMatchObject({ code: '42501' });
    await expect(c.query(`ALTER DATABASE "${alice.database}" SET search_path = public`)).rejects.toMatchObject({ code: '42501' });
    // A GRANT without the grant option only warns; what counts is that nothing was granted.
    await c.query(`GRANT CONNECT ON DATABASE "${alice.database}" TO PUBLIC`).catch(() => undefined);
    await c.end();
    const open = await su.query("SELECT has_database_privilege('public', $1, 'CONNECT') AS c", [alice.database]);
    expect(open.rows[0]).toEqual({ c: false });
    // DROP DATABASE needs a session elsewhere: locally `postgres` is open to PUBLIC (its owner is a
    // superuser the RDS-like master cannot change), so the attempt is possible here.
    const elsewhere = await pgConnect(alice, 'postgres');
    try {
      await expect(elsewhere.query(`DROP DATABASE "${alice.database}"`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await elsewhere.end();
    }
    // And a colleague's next provisioning still works.
    await expect(postgres.provision(clientA, dev('erin'))).resolves.toMatchObject({ database: alice.database });
  });

  it('a developer cannot connect to the maintenance database when the master owns it (as on RDS)', async () => {
    // On RDS the master owns `postgres`; here a database the master owns stands in for it.
    const maint = `maint_${sfx}`;
    await su.query(`CREATE DATABASE "${maint}" OWNER "${master}"`);
    const rdsLike = createDbProvisioner({
      targets: [{ engine: 'postgres', host: PG.host, port: PG.port, masterSecretId: PG_MASTER_SECRET, tls: { mode: 'off' }, maintenanceDatabase: maint }],
      secrets,
      secretPrefix: 'sec/',
      managedBy: 'dev-vm-test',
      logger: captureLogger(),
    });
    const gina = await provisionWith(rdsLike, clientA, dev('gina'));
    await expect(pgConnect(gina, maint)).rejects.toMatchObject({ code: '42501' });
    // Her own client's database still works.
    const own = await pgConnect(gina);
    await own.end();
  });
});

// ------------------------------------------------------------------------------- MySQL only

describe('MySQL/MariaDB: what a login may do with its database', () => {
  it('the next provisioning puts back a password that planted code changed', async () => {
    const mallory = await mysql.provision(clientA, dev('mallet'));
    const bob = await mysql.provision(clientA, dev('bobby'));
    await mysql.plantPasswordTakeover(mallory, bob, 'MalletOwnsThis1234');
    expect(await mysql.passwordIs(bob, 'MalletOwnsThis1234')).toBe(true);
    // Provisioning notices the password no longer matches its secret and puts it back: bob's VM
    // works again, the attacker's password is gone.
    await mysql.provision(clientA, dev('bobby'));
    expect(await mysql.passwordIs(bob, bob.password)).toBe(true);
    expect(await mysql.passwordIs(bob, 'MalletOwnsThis1234')).toBe(false);
  });

  it('DROP DATABASE of her own client (accepted risk): no other client is touched and the next provisioning re-creates it with its grants', async () => {
    const frank = await mysql.provision(clientA, dev('frank'));
    const carol = await mysql.provision(clientB, dev('carol'));
    await mysql.seedTable(carol, 'beta_secrets');
    const f = await myAs(frank.user, frank.password, frank.database);
    await f.query(`DROP DATABASE \`${frank.database}\``);
    // Another client's database is out of reach, for DROP as for anything else.
    await expect(f.query(`DROP DATABASE \`${carol.database}\``)).rejects.toMatchObject({ errno: 1044 });
    f.destroy();
    expect(await mysql.canRead(carol.user, carol.password, carol.database, 'beta_secrets')).toBe(true);

    const again = await mysql.provision(clientA, dev('frank'));
    const g = await myAs(again.user, again.password, again.database);
    await g.query('CREATE TABLE back (v INT)');
    g.destroy();
  });

  it('a login reaches exactly one client database', async () => {
    const erin = await mysql.provision(clientA, dev('erin'));
    const erinB = await mysql.provision(clientB, dev('erin'));
    expect(erinB.user).not.toBe(erin.user);
    const [rows] = await root.query('SELECT Db AS db FROM mysql.db WHERE User = ?', [erin.user]);
    expect(rows).toEqual([{ db: erin.database.replace(/_/g, '\\_') }]);
    const [tables] = await root.query('SELECT COUNT(*) AS n FROM mysql.tables_priv WHERE User = ?', [erin.user]);
    expect(tables).toEqual([{ n: 0 }]);
    const [global] = await root.query("SELECT Select_priv AS s, Create_priv AS c, Super_priv AS su FROM mysql.user WHERE User = ? AND Host = '%'", [erin.user]);
    expect(global).toEqual([{ s: 'N', c: 'N', su: 'N' }]);
    // Nor can it list other clients' database names (no global SHOW DATABASES privilege).
    const e = await myAs(erin.user, erin.password, erin.database);
    const [shown] = await e.query('SHOW DATABASES');
    e.destroy();
    expect((shown as { Database: string }[]).map((r) => r.Database).sort()).toEqual([erin.database, 'information_schema'].sort());
  });
});
