import { scramSha256Verifier } from './credentials';
import type { SqlSession } from './session';
import type { Log } from '../powertools';
import type { RevokeOutcome } from './types';

/**
 * PostgreSQL layout, per client `c`:
 *  - database `client_c`, owned by the MASTER (not by a tenant role): developers cannot DROP it,
 *    ALTER DATABASE … CONNECTION LIMIT/SET search_path on it, or grant CONNECT to anyone;
 *  - NOLOGIN group role `client_c`, the owner of schema `client_c` inside that database, where all
 *    of the client's tables live (the default search_path `"$user", public` finds it, because every
 *    session there runs as the client role, see below); PUBLIC has no right on schema `public`;
 *  - CONNECT and TEMP on the database for the client role only (so for its members only);
 *  - one LOGIN role per (developer, client) pair, member of that client role and of nothing else,
 *    with `ALTER ROLE <login> IN DATABASE client_c SET role = client_c`: whatever a developer
 *    creates is owned by the client role, so the client's other developers can use, alter and drop it.
 *
 * Why one login per pair: PostgreSQL lets every role change its own password ("Ordinary roles can
 * only change their own password", https://www.postgresql.org/docs/15/sql-alterrole.html), and
 * code a colleague planted in the client's database (an invoker trigger doing `SET ROLE NONE;
 * ALTER ROLE session_user PASSWORD …`) runs as whoever fires it. That cannot be forbidden without
 * a superuser hook, so the login that can be hijacked that way reaches that one client only, which
 * the planter could reach anyway.
 *
 * The master never resolves a name in a tenant's schema: its sessions pin `search_path` (session.ts)
 * and every catalog call here is `pg_catalog.`-qualified anyway. It opens a session inside a client
 * database only to lay it out (new database, or migration of a database of the earlier layout),
 * once; a comment on the master-owned database (readable from the maintenance database) records
 * that it is done.
 *
 * Written for a master that is not a superuser (RDS: CREATEDB, CREATEROLE, rds_superuser): the
 * master is a member of each client role, which CREATE SCHEMA … AUTHORIZATION requires.
 */

export interface PgContext {
  /** Opens a master session to `database` (default: the maintenance database). */
  connect(database?: string): Promise<SqlSession>;
  logger: Log;
}

/** Serializes provisioning runs across Lambda instances (session-level advisory lock). */
const LOCK_KEY = 'dev-vm-for-jira:db-provisioning';

/** Marker on a client database whose layout (above) is complete. */
export const LAYOUT_COMMENT = 'dev-vm-for-jira: client database layout 2';

async function withLock<T>(s: SqlSession, fn: () => Promise<T>): Promise<T> {
  // Wait for a concurrent run, but not past the Lambda's patience: fail clearly and let the caller retry.
  await s.query("SET lock_timeout = '30s'");
  await s.query('SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtext($1))', [LOCK_KEY]);
  try {
    return await fn();
  } finally {
    await s.query('SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtext($1))', [LOCK_KEY]).catch(() => undefined);
  }
}

async function roleExists(s: SqlSession, role: string): Promise<boolean> {
  return (await s.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role])).length > 0;
}

/** Direct membership (pg_has_role would also say yes for superusers and indirect members). */
async function isDirectMember(s: SqlSession, member: string, group: string): Promise<boolean> {
  const rows = await s.query(
    `SELECT 1 FROM pg_catalog.pg_auth_members m
       JOIN pg_catalog.pg_roles g ON g.oid = m.roleid JOIN pg_catalog.pg_roles u ON u.oid = m.member
      WHERE g.rolname = $1 AND u.rolname = $2`,
    [group, member],
  );
  return rows.length > 0;
}

async function currentUser(s: SqlSession): Promise<string> {
  const rows = await s.query('SELECT current_user AS u');
  return String(rows[0]?.['u']);
}

export interface PgProvisionPlan {
  /** `client_<client>`: database, group role and schema. */
  database: string;
  /** The (developer, client) pair's login. */
  login: string;
  password: string;
  /** Set the password even if the login exists (new secret, or rotation). */
  setPassword: boolean;
}

interface DatabaseInfo {
  owner: string;
  comment: string | null;
}

async function databaseInfo(s: SqlSession, database: string): Promise<DatabaseInfo | undefined> {
  const rows = await s.query(
    `SELECT pg_catalog.pg_get_userbyid(d.datdba) AS owner, pg_catalog.shobj_description(d.oid, 'pg_database') AS comment
       FROM pg_catalog.pg_database d WHERE d.datname = $1`,
    [database],
  );
  const r = rows[0];
  return r ? { owner: String(r['owner']), comment: (r['comment'] as string | null) ?? null } : undefined;
}

export async function provisionPostgres(ctx: PgContext, plan: PgProvisionPlan): Promise<void> {
  const { database, login } = plan;
  const admin = await ctx.connect();
  try {
    await withLock(admin, async () => {
      const role = admin.ident(database);
      const master = await currentUser(admin);

      if (!(await roleExists(admin, database))) {
        await admin.query(`CREATE ROLE ${role} NOLOGIN`);
        ctx.logger.info('created client role', { engine: 'postgres', role: database });
      }
      if (!(await isDirectMember(admin, master, database))) {
        await admin.query(`GRANT ${role} TO ${admin.ident(master)}`);
      }

      let db = await databaseInfo(admin, database);
      if (!db) {
        // CREATE DATABASE cannot run in a transaction; the advisory lock keeps two runs apart.
        await admin.query(`CREATE DATABASE ${role}`);
        ctx.logger.info('created client database', { engine: 'postgres', database });
        db = { owner: master, comment: null };
      }
      // The marker counts only on a database the master owns: the owner of an earlier-layout
      // database (the client role, i.e. any developer) could have written it to be skipped.
      if (db.comment !== LAYOUT_COMMENT || db.owner !== master) {
        await layOutDatabase(ctx, admin, { database, master, owner: db.owner });
      }

      await restrictMaintenanceDatabase(ctx, admin, master);

      await ensurePasswordRight(ctx, admin, master);

      const loginSql = admin.ident(login);
      if (!(await roleExists(admin, login))) {
        await admin.query(`CREATE ROLE ${loginSql} LOGIN INHERIT PASSWORD ${admin.literal(scramSha256Verifier(plan.password))}`, [], {
          sensitive: true,
        });
        ctx.logger.info('created developer login', { engine: 'postgres', login });
      } else if (plan.setPassword) {
        await admin.query(`ALTER ROLE ${loginSql} PASSWORD ${admin.literal(scramSha256Verifier(plan.password))}`, [], {
          sensitive: true,
        });
        ctx.logger.info('set developer password', { engine: 'postgres', login });
      }

      if (!(await isDirectMember(admin, login, database))) {
        await admin.query(`GRANT ${role} TO ${loginSql}`);
        ctx.logger.info('granted client role', { engine: 'postgres', login, role: database });
      }

      const wanted = `role=${database}`;
      const setting = await admin.query(
        `SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s
          WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = $1)
            AND s.setrole = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $2)`,
        [database, login],
      );
      const config = (setting[0]?.['setconfig'] as string[] | undefined) ?? [];
      if (!config.includes(wanted)) {
        await admin.query(`ALTER ROLE ${loginSql} IN DATABASE ${role} SET role = ${admin.literal(database)}`);
      }
    });
  } finally {
    await admin.close();
  }
}

/**
 * Brings a client database to the layout above: owned by the master, database-level settings
 * dropped, CONNECT/TEMP for the client role only, schema `client_c` owned by the client role,
 * schema `public` closed to PUBLIC. A database of the earlier layout (owned by the client role,
 * tables in `public`) keeps its tables usable: the client role keeps USAGE and CREATE on `public`
 * there. Re-runnable; the comment is written last, so an interrupted run is completed by the next.
 */
async function layOutDatabase(ctx: PgContext, admin: SqlSession, db: { database: string; master: string; owner: string }): Promise<void> {
  const { database, master } = db;
  const role = admin.ident(database);
  if (db.owner !== master) {
    // The master is a member of the owner (the client role), which ALTER … OWNER requires.
    await admin.query(`ALTER DATABASE ${role} OWNER TO ${admin.ident(master)}`);
    ctx.logger.info('took ownership of client database', { engine: 'postgres', database, previousOwner: db.owner });
  }
  // Settings an earlier owner attached to the database (search_path, role, …) would apply to every session in it.
  await admin.query(`ALTER DATABASE ${role} RESET ALL`);
  // Whatever the earlier owner granted on the database goes; then CONNECT/TEMP for the client role only.
  const grantees = await admin.query(
    `SELECT DISTINCT a.grantee::pg_catalog.regrole::text AS grantee
       FROM pg_catalog.pg_database d, pg_catalog.aclexplode(d.datacl) a
      WHERE d.datname = $1 AND a.grantee <> 0`,
    [database],
  );
  for (const { grantee } of grantees) {
    const name = String(grantee).replace(/^"(.*)"$/, '$1').replace(/""/g, '"');
    if (name === master || name === database) continue;
    await admin.query(`REVOKE ALL ON DATABASE ${role} FROM ${admin.ident(name)}`);
  }
  await admin.query(`REVOKE ALL ON DATABASE ${role} FROM PUBLIC`);
  await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${role} TO ${role}`);

  const s = await ctx.connect(database);
  try {
    const legacy = await s.query(
      `SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = 'public'::pg_catalog.regnamespace
        UNION ALL SELECT 1 FROM pg_catalog.pg_proc WHERE pronamespace = 'public'::pg_catalog.regnamespace LIMIT 1`,
    );
    await s.query(`CREATE SCHEMA IF NOT EXISTS ${role} AUTHORIZATION ${role}`);
    await s.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    if (legacy.length > 0) {
      await s.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${role}`);
    }
    const open = await s.query(
      "SELECT pg_catalog.has_schema_privilege('public', 'public', 'USAGE') OR pg_catalog.has_schema_privilege('public', 'public', 'CREATE') AS open",
    );
    // REVOKE by a non-owner only warns; make sure it happened.
    if (open[0]?.['open'] === true) throw new Error(`PUBLIC still has rights on schema public of ${database}`);
  } finally {
    await s.close();
  }
  await admin.query(`COMMENT ON DATABASE ${role} IS ${admin.literal(LAYOUT_COMMENT)}`);
  ctx.logger.info('laid out client database', { engine: 'postgres', database });
}

/**
 * RDS with `rds.restrict_password_commands = 1` (the stack sets it) lets only members of
 * `rds_password` set a password, a role's own included: that is what stops code a colleague
 * planted from changing the password of whoever runs it. rds_superuser may grant rds_password
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html),
 * so the master makes sure it is a member before it sets developers' passwords. Outside RDS the role does not exist.
 */
async function ensurePasswordRight(ctx: PgContext, admin: SqlSession, master: string): Promise<void> {
  const rows = await admin.query(
    "SELECT pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER') AS member FROM pg_catalog.pg_roles r WHERE r.rolname = 'rds_password'",
  );
  if (rows.length === 0 || rows[0]?.['member'] === true) return;
  try {
    await admin.query(`GRANT rds_password TO ${admin.ident(master)}`);
  } catch (err) {
    // Provisioning goes on: a password statement will then fail with RDS's own clear message.
    ctx.logger.warn('could not join rds_password', { engine: 'postgres', error: String(err) });
  }
}

/**
 * Developers have no business in the maintenance database. PUBLIC's CONNECT on it can be revoked
 * only by its owner: on RDS the master owns `postgres`; `template1` belongs to `rdsadmin` and stays
 * connectable (it holds nothing), and pg_database stays readable by everyone, so other clients'
 * database names cannot be hidden without a superuser.
 */
async function restrictMaintenanceDatabase(ctx: PgContext, admin: SqlSession, master: string): Promise<void> {
  const rows = await admin.query(
    `SELECT d.datname AS name FROM pg_catalog.pg_database d
      WHERE d.datname = pg_catalog.current_database() AND pg_catalog.pg_get_userbyid(d.datdba) = $1
        AND pg_catalog.has_database_privilege('public', d.oid, 'CONNECT')`,
    [master],
  );
  const name = rows[0]?.['name'];
  if (typeof name !== 'string') return;
  await admin.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${admin.ident(name)} FROM PUBLIC`);
  ctx.logger.info('closed the maintenance database to PUBLIC', { engine: 'postgres', database: name });
}

export async function revokePostgres(
  ctx: PgContext,
  plan: Pick<PgProvisionPlan, 'database'> & {
    /** Every login of the developer that may reach this client: the pair's and the legacy shared one. */
    logins: readonly string[];
  },
): Promise<RevokeOutcome> {
  const { database, logins } = plan;
  const admin = await ctx.connect();
  try {
    return await withLock(admin, async () => {
      let revoked = false;
      const hasRole = await roleExists(admin, database);
      const hasDb = (await admin.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [database])).length > 0;
      for (const login of logins) {
        if (!hasRole || !(await roleExists(admin, login))) continue;
        if (await isDirectMember(admin, login, database)) {
          await admin.query(`REVOKE ${admin.ident(database)} FROM ${admin.ident(login)}`);
          // REVOKE only warns when the grant was made by another grantor; check it really went.
          if (await isDirectMember(admin, login, database)) {
            throw new Error(`membership of ${login} in ${database} was granted by another role and is still there`);
          }
          revoked = true;
        }
        if (hasDb) {
          await admin.query(`ALTER ROLE ${admin.ident(login)} IN DATABASE ${admin.ident(database)} RESET role`);
        }
      }
      // A session opened before the revocation has already switched to the client role and keeps
      // its privileges until it ends, so end it. RDS's master may (rds_superuser is a member of
      // pg_signal_backend); a session we may not end is counted, not hidden.
      const pids = await admin.query(
        'SELECT pid FROM pg_catalog.pg_stat_activity WHERE usename = ANY($1::text[]) AND datname = $2 AND pid <> pg_catalog.pg_backend_pid()',
        [[...logins], database],
      );
      let ended = 0;
      for (const { pid } of pids) {
        try {
          const r = await admin.query('SELECT pg_catalog.pg_terminate_backend($1) AS ended', [pid]);
          if (r[0]?.['ended'] === true) ended++;
        } catch (err) {
          ctx.logger.warn('could not end a session of a revoked login', { engine: 'postgres', database, error: String(err) });
        }
      }
      if (revoked || ended > 0) {
        ctx.logger.info('revoked developer from client', { engine: 'postgres', logins, database, sessionsEnded: ended });
      }
      return { engine: 'postgres', revoked, sessionsEnded: ended, sessionsLeft: pids.length - ended };
    });
  } finally {
    await admin.close();
  }
}
