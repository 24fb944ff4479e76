import type { Connection } from 'mysql2/promise';
import { createDbProvisioner } from '../../infra-cdk/lambda/shared/db/provisioner';
import type { DbProvisioner } from '../../infra-cdk/lambda/shared/db/types';
import type { DbConnection } from '../../src/contract/vm-api';
import { MY, MemorySecretStore, captureLogger, createMysqlMaster, myAs, myRoot, randomSuffix } from '../db/support';

/**
 * Attacks a developer can make on the shared MySQL/MariaDB, reproduced on the local MariaDB 10.11
 * with an RDS-like master (RDS's documented global privileges, no SUPER). The attacker uses only
 * her own login and password, as her VM has them, and SQL in the database she can reach.
 */

const sfx = randomSuffix();
const clientA = `a${sfx}-acme`;
const clientB = `b${sfx}-beta`;
const dev = (name: string) => `s${sfx}-${name}`;
const MASTER_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:my-master-sec';
const master = `secmaster_${sfx}`;

const secrets = new MemorySecretStore();
let db: DbProvisioner;
let root: Connection;

interface Access {
  database: string;
  user: string;
  password: string;
}

async function provision(client: string, developer: string): Promise<Access> {
  const [c] = (await db.provision({ client, developer })) as [DbConnection];
  return { database: c.database, user: c.user, password: secrets.passwordOf(c.secretName) };
}

/** Can this account open a session on that database and read a table there? */
async function canRead(user: string, password: string, database: string, table: string): Promise<boolean> {
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
}

beforeAll(async () => {
  root = await myRoot();
  await createMysqlMaster(root, master, 'master-pw');
  secrets.values.set(MASTER_SECRET, JSON.stringify({ username: master, password: 'master-pw', host: MY.host, port: MY.port }));
  db = createDbProvisioner({
    targets: [{ engine: 'mysql', host: MY.host, port: MY.port, masterSecretId: MASTER_SECRET, tls: { mode: 'off' } }],
    secrets,
    secretPrefix: 'sec/',
    managedBy: 'dev-vm-test',
    logger: captureLogger(),
  });
});

afterAll(async () => {
  const [dbs] = await root.query('SELECT SCHEMA_NAME AS d FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?', [`%${sfx}%`]);
  for (const { d } of dbs as { d: string }[]) await root.query(`DROP DATABASE IF EXISTS \`${d}\``);
  const [users] = await root.query('SELECT User AS u, Host AS h FROM mysql.user WHERE User LIKE ?', [`%${sfx}%`]);
  for (const { u, h } of users as { u: string; h: string }[]) await root.query('DROP USER IF EXISTS ?@?', [u, h]);
  await root.query('DROP USER IF EXISTS ?@?', [master, '%']);
  await root.end();
});

describe('MySQL/MariaDB: a developer attacks her colleagues', () => {
  it("an SQL SECURITY INVOKER procedure that changes a colleague's password gives no access to the colleague's other clients", async () => {
    const alice = await provision(clientA, dev('alice'));
    const bobA = await provision(clientA, dev('bob'));
    const bobB = await provision(clientB, dev('bob'));
    const carol = await provision(clientB, dev('carol'));
    const c = await myAs(carol.user, carol.password, carol.database);
    await c.query('CREATE TABLE beta_secrets (v TEXT)');
    await c.query("INSERT INTO beta_secrets VALUES ('beta only')");
    c.destroy();

    // alice plants a helpful-looking procedure in client A's database…
    const a = await myAs(alice.user, alice.password, alice.database);
    await a.query("CREATE PROCEDURE tidy() SQL SECURITY INVOKER BEGIN SET PASSWORD = PASSWORD('AliceOwnsThis1234'); END");
    a.destroy();
    // …which bob, at work on client A, calls (the password change may succeed: that is the point).
    const b = await myAs(bobA.user, bobA.password, bobA.database);
    await b.query('CALL tidy()').catch(() => undefined);
    b.destroy();

    // The planted code did run (MariaDB lets any account change its own password and has no
    // PASSWORD REQUIRE CURRENT): alice now holds bob's account for client A…
    (await myAs(bobA.user, 'AliceOwnsThis1234', bobA.database)).destroy();
    // …and tries it, with the password she chose, on client B's database.
    expect(await canRead(bobA.user, 'AliceOwnsThis1234', carol.database, 'beta_secrets')).toBe(false);
    // bob's own access to B is unaffected.
    expect(await canRead(bobB.user, bobB.password, carol.database, 'beta_secrets')).toBe(true);

    // The next provisioning for bob and A notices the password no longer matches its secret and
    // puts it back: bob's VM works again, alice's password is gone.
    await provision(clientA, dev('bob'));
    (await myAs(bobA.user, bobA.password, bobA.database)).destroy();
    await expect(myAs(bobA.user, 'AliceOwnsThis1234', bobA.database)).rejects.toMatchObject({ errno: 1045 });
  });

  it('DROP DATABASE of her own client (accepted risk): no other client is touched and the next provisioning re-creates it with its grants', async () => {
    const frank = await provision(clientA, dev('frank'));
    const carol = await provision(clientB, dev('carol'));
    const f = await myAs(frank.user, frank.password, frank.database);
    await f.query(`DROP DATABASE \`${frank.database}\``);
    // Another client's database is out of reach, for DROP as for anything else.
    await expect(f.query(`DROP DATABASE \`${carol.database}\``)).rejects.toMatchObject({ errno: 1044 });
    f.destroy();
    expect(await canRead(carol.user, carol.password, carol.database, 'beta_secrets')).toBe(true);

    const again = await provision(clientA, dev('frank'));
    const g = await myAs(again.user, again.password, again.database);
    await g.query('CREATE TABLE back (v INT)');
    g.destroy();
  });

  it('a login reaches exactly one client database', async () => {
    const erin = await provision(clientA, dev('erin'));
    const erinB = await provision(clientB, dev('erin'));
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
