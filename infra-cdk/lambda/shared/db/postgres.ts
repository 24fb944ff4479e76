import { scramSha256Verifier } from './credentials';
import type { SqlSession } from './session';
import type { DbLogger, RevokeOutcome } from './types';

/**
 * PostgreSQL: one NOLOGIN group role per client that owns the client's database, its public
 * schema and every object in it; one LOGIN role per developer, a member of each client role
 * it is granted.
 *
 * Shared tables: the developer's login gets `ALTER ROLE dev_x IN DATABASE client_y SET role =
 * client_y`, so every session in the client's database runs as the client role and whatever a
 * developer creates is owned by the client role: the client's other developers can read, write,
 * alter and drop it. Default privileges (`ALTER DEFAULT PRIVILEGES FOR ROLE dev_x`) were the
 * alternative; they would need the master to be a member of every developer login, leave objects
 * owned by individual developers (nobody else could ALTER/DROP them) and strand them on
 * revocation. The per-database role setting needs only CREATEROLE, which the RDS master has.
 *
 * Written for a master that is not a superuser (RDS: CREATEDB, CREATEROLE, rds_superuser):
 * the master makes itself a member of each client role because CREATE DATABASE … OWNER and
 * acting inside the client's database require it.
 */

export interface PgContext {
  /** Opens a master session to `database` (default: the maintenance database). */
  connect(database?: string): Promise<SqlSession>;
  logger: DbLogger;
}

/** Serializes provisioning runs across Lambda instances (session-level advisory lock). */
const LOCK_KEY = 'dev-vm-for-jira:db-provisioning';

async function withLock<T>(s: SqlSession, fn: () => Promise<T>): Promise<T> {
  // Wait for a concurrent run, but not past the Lambda's patience: fail clearly and let the caller retry.
  await s.query("SET lock_timeout = '30s'");
  await s.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
  try {
    return await fn();
  } finally {
    await s.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]).catch(() => undefined);
  }
}

async function roleExists(s: SqlSession, role: string): Promise<boolean> {
  return (await s.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).length > 0;
}

/** Direct membership (pg_has_role would also say yes for superusers and indirect members). */
async function isDirectMember(s: SqlSession, member: string, group: string): Promise<boolean> {
  const rows = await s.query(
    `SELECT 1 FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
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
  /** `client_<client>`: database and group role. */
  database: string;
  /** `dev_<developer>`. */
  login: string;
  password: string;
  /** Set the password even if the login exists (new secret, or rotation). */
  setPassword: boolean;
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

      const db = await admin.query(
        'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1',
        [database],
      );
      if (db.length === 0) {
        // CREATE DATABASE cannot run in a transaction; the advisory lock keeps two runs apart.
        await admin.query(`CREATE DATABASE ${role} OWNER ${role}`);
        ctx.logger.info('created client database', { engine: 'postgres', database });
      } else if (db[0]?.['owner'] !== database) {
        await admin.query(`ALTER DATABASE ${role} OWNER TO ${role}`);
      }
      // The owner keeps every right; nobody else may connect, create schemas or temp tables.
      await admin.query(`REVOKE ALL ON DATABASE ${role} FROM PUBLIC`);

      await lockDownPublicSchema(ctx, database);

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
        `SELECT s.setconfig FROM pg_db_role_setting s
          WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = $1)
            AND s.setrole = (SELECT oid FROM pg_roles WHERE rolname = $2)`,
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
 * Inside the client's database: the public schema is usable by the client role only. From
 * PostgreSQL 15 the schema belongs to pg_database_owner, i.e. the client role, so the client role
 * itself can revoke PUBLIC's rights and no superuser is needed. Checked on every run (a run that
 * stopped right after CREATE DATABASE is completed by the next), changed only when needed.
 */
async function lockDownPublicSchema(ctx: PgContext, database: string): Promise<void> {
  const publicRights = async (s: SqlSession): Promise<boolean> => {
    const r = await s.query(
      "SELECT has_schema_privilege('public', 'public', 'USAGE') OR has_schema_privilege('public', 'public', 'CREATE') AS open",
    );
    return r[0]?.['open'] === true;
  };
  const s = await ctx.connect(database);
  try {
    if (!(await publicRights(s))) return;
    await s.query(`SET ROLE ${s.ident(database)}`);
    await s.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    await s.query('RESET ROLE');
    // REVOKE by a non-owner only warns; make sure it happened (fails on PostgreSQL < 15 layouts).
    if (await publicRights(s)) throw new Error(`PUBLIC still has rights on schema public of ${database}`);
    ctx.logger.info('closed schema public to PUBLIC', { engine: 'postgres', database });
  } finally {
    await s.close();
  }
}

export async function revokePostgres(
  ctx: PgContext,
  plan: Pick<PgProvisionPlan, 'database' | 'login'>,
): Promise<RevokeOutcome> {
  const { database, login } = plan;
  const admin = await ctx.connect();
  try {
    return await withLock(admin, async () => {
      let revoked = false;
      if ((await roleExists(admin, database)) && (await roleExists(admin, login))) {
        if (await isDirectMember(admin, login, database)) {
          await admin.query(`REVOKE ${admin.ident(database)} FROM ${admin.ident(login)}`);
          // REVOKE only warns when the grant was made by another grantor; check it really went.
          if (await isDirectMember(admin, login, database)) {
            throw new Error(`membership of ${login} in ${database} was granted by another role and is still there`);
          }
          revoked = true;
        }
        const hasDb = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).length > 0;
        if (hasDb) {
          await admin.query(`ALTER ROLE ${admin.ident(login)} IN DATABASE ${admin.ident(database)} RESET role`);
        }
      }
      // A session opened before the revocation has already switched to the client role and keeps
      // its privileges until it ends, so end it. RDS's master may (rds_superuser is a member of
      // pg_signal_backend); a session we may not end is counted, not hidden.
      const pids = await admin.query(
        'SELECT pid FROM pg_stat_activity WHERE usename = $1 AND datname = $2 AND pid <> pg_backend_pid()',
        [login, database],
      );
      let ended = 0;
      for (const { pid } of pids) {
        try {
          const r = await admin.query('SELECT pg_terminate_backend($1) AS ended', [pid]);
          if (r[0]?.['ended'] === true) ended++;
        } catch (err) {
          ctx.logger.warn('could not end a session of a revoked login', { engine: 'postgres', login, database, error: String(err) });
        }
      }
      if (revoked || ended > 0) {
        ctx.logger.info('revoked developer from client', { engine: 'postgres', login, database, sessionsEnded: ended });
      }
      return { engine: 'postgres', revoked, sessionsEnded: ended, sessionsLeft: pids.length - ended };
    });
  } finally {
    await admin.close();
  }
}
