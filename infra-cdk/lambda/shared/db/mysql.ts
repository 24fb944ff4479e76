import type { SqlError, SqlSession } from './session';
import type { Log } from '../powertools';
import type { RevokeOutcome } from './types';

/**
 * MySQL (RDS MySQL 8) and MariaDB (local tests, RDS MariaDB): one database per client and
 * per-database grants to one login per (developer, client) pair, `'dv_…'@'%'`, which has no
 * other grant: a login reaches exactly one client database.
 *
 * Why per pair: any account may change its own password without a privilege ("Any client that
 * has connected to the server using a non-anonymous account can change the password for that
 * account", https://mariadb.com/kb/en/set-password/), and an `SQL SECURITY INVOKER` routine a
 * colleague planted runs with the caller's account. So the account such code can take over
 * reaches the one client the planter already reaches. On MySQL 8.0.13+ the logins are also created
 * `PASSWORD REQUIRE CURRENT`, so such code cannot change the password without knowing it
 * (https://dev.mysql.com/blog-archive/mysql-8-0-13-change-current-password-policy); MariaDB has
 * no equivalent. Triggers and DEFINER routines run as their definer, and only an account with
 * SET USER/SUPER may name another definer, which developers lack.
 *
 * Why grants and not roles: roles exist on both servers but behave differently. MySQL 8 roles are
 * `'name'@'host'` accounts that stay inactive until `SET DEFAULT ROLE` (or activate_all_roles_on_login,
 * a parameter-group change on RDS); MariaDB roles have no host part, a user has at most ONE default
 * role, and the syntax differs (`SET DEFAULT ROLE r FOR u`). A developer working for two clients
 * would need two active roles, which MariaDB cannot give by default. Database-level grants behave
 * the same on both, need no activation and take effect on the next connection.
 *
 * The privilege list is explicit instead of ALL: ALL differs between the servers (MariaDB adds
 * DELETE HISTORY, …) and the grantor must hold every privilege it grants WITH GRANT OPTION;
 * this list is exactly the database-level privileges an RDS master holds on both engines.
 */
export const MYSQL_CLIENT_PRIVILEGES = [
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'REFERENCES', 'INDEX', 'ALTER',
  'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'CREATE VIEW', 'SHOW VIEW',
  'CREATE ROUTINE', 'ALTER ROUTINE', 'EVENT', 'TRIGGER',
].join(', ');

/** Developers connect from VMs in the VPC; the security group, not the host part, limits where from. */
const HOST = '%';
const LOCK_NAME = 'dev-vm-for-jira:db-provisioning';
const LOCK_TIMEOUT_S = 30;

export interface MysqlContext {
  connect(): Promise<SqlSession>;
  logger: Log;
}

export interface MysqlProvisionPlan {
  database: string;
  login: string;
  password: string;
  setPassword: boolean;
}

async function withLock<T>(s: SqlSession, fn: () => Promise<T>): Promise<T> {
  const r = await s.query('SELECT GET_LOCK(?, ?) AS got', [LOCK_NAME, LOCK_TIMEOUT_S]);
  if (Number(r[0]?.['got']) !== 1) throw new Error('another provisioning run holds the MySQL lock; retry');
  try {
    return await fn();
  } finally {
    await s.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]).catch(() => undefined);
  }
}

/**
 * `_` and `%` are wildcards in a database-level GRANT: `client_a_b` would also match the database
 * of client `axb` (`client_axb`). Escape them, unless MySQL's partial_revokes is on, which makes
 * them literal (and would make the backslash part of the name). MariaDB has no partial_revokes.
 */
async function grantPattern(s: SqlSession, database: string): Promise<string> {
  let partialRevokes: boolean;
  try {
    const r = await s.query('SELECT @@GLOBAL.partial_revokes AS p');
    partialRevokes = Number(r[0]?.['p']) === 1;
  } catch {
    partialRevokes = false; // unknown system variable: MariaDB
  }
  const name = partialRevokes ? database : database.replace(/[\\_%]/g, (c) => `\\${c}`);
  return `${s.ident(name)}.*`;
}

function account(s: SqlSession, login: string): string {
  return `${s.literal(login)}@${s.literal(HOST)}`;
}

/** MySQL 8.0.13+ has `PASSWORD REQUIRE CURRENT`; MariaDB (any version) does not. */
async function supportsRequireCurrent(s: SqlSession): Promise<boolean> {
  const r = await s.query('SELECT VERSION() AS v');
  const v = String(r[0]?.['v'] ?? '');
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m || /mariadb/i.test(v)) return false;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return major > 8 || (major === 8 && (minor > 0 || patch >= 13));
}

export async function provisionMysql(ctx: MysqlContext, plan: MysqlProvisionPlan): Promise<void> {
  const s = await ctx.connect();
  try {
    await withLock(s, async () => {
      const exists = await s.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [plan.database]);
      if (exists.length === 0) {
        await s.query(`CREATE DATABASE IF NOT EXISTS ${s.ident(plan.database)} CHARACTER SET utf8mb4`);
        ctx.logger.info('created client database', { engine: 'mysql', database: plan.database });
      }

      const user = await s.query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [plan.login, HOST]);
      if (user.length === 0) {
        const requireCurrent = (await supportsRequireCurrent(s)) ? ' PASSWORD REQUIRE CURRENT' : '';
        await s.query(`CREATE USER IF NOT EXISTS ${account(s, plan.login)} IDENTIFIED BY ${s.literal(plan.password)}${requireCurrent}`, [], {
          sensitive: true,
        });
        ctx.logger.info('created developer login', { engine: 'mysql', login: plan.login });
      } else if (plan.setPassword) {
        await s.query(`ALTER USER ${account(s, plan.login)} IDENTIFIED BY ${s.literal(plan.password)}`, [], { sensitive: true });
        ctx.logger.info('set developer password', { engine: 'mysql', login: plan.login });
      }

      // Granting privileges already held changes nothing, so this is safe to repeat.
      await s.query(`GRANT ${MYSQL_CLIENT_PRIVILEGES} ON ${await grantPattern(s, plan.database)} TO ${account(s, plan.login)}`);
    });
  } finally {
    await s.close();
  }
}

const ER_NONEXISTING_GRANT = 1141;
const ER_KILL_DENIED = 1095;

export async function revokeMysql(
  ctx: MysqlContext,
  plan: Pick<MysqlProvisionPlan, 'database'> & {
    /** Every login of the developer that may reach this client: the pair's and the legacy shared one. */
    logins: readonly string[];
  },
): Promise<RevokeOutcome> {
  const s = await ctx.connect();
  try {
    return await withLock(s, async () => {
      let revoked = false;
      for (const login of plan.logins) {
        const user = await s.query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [login, HOST]);
        if (user.length === 0) continue;
        try {
          await s.query(`REVOKE ${MYSQL_CLIENT_PRIVILEGES} ON ${await grantPattern(s, plan.database)} FROM ${account(s, login)}`);
          revoked = true;
        } catch (err) {
          if ((err as SqlError).errno !== ER_NONEXISTING_GRANT) throw err;
        }
      }
      // A session whose default database is the client's keeps using it until it changes
      // database or ends; end those sessions. RDS masters lack CONNECTION_ADMIN/SUPER for other
      // users' threads and use mysql.rds_kill instead.
      const threads: Record<string, unknown>[] = [];
      for (const login of plan.logins) {
        threads.push(
          ...(await s.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND DB = ? AND ID <> CONNECTION_ID()', [
            login,
            plan.database,
          ])),
        );
      }
      let ended = 0;
      for (const { id } of threads) {
        try {
          await s.query('KILL CONNECTION ?', [Number(id)]);
          ended++;
        } catch (err) {
          if ((err as SqlError).errno !== ER_KILL_DENIED) {
            ctx.logger.warn('could not end a session of a revoked login', { engine: 'mysql', database: plan.database, error: String(err) });
            continue;
          }
          try {
            await s.query('CALL mysql.rds_kill(?)', [Number(id)]);
            ended++;
          } catch (err2) {
            ctx.logger.warn('could not end a session of a revoked login', { engine: 'mysql', database: plan.database, error: String(err2) });
          }
        }
      }
      if (revoked || ended > 0) {
        ctx.logger.info('revoked developer from client', { engine: 'mysql', logins: plan.logins, database: plan.database, sessionsEnded: ended });
      }
      return { engine: 'mysql', revoked, sessionsEnded: ended, sessionsLeft: threads.length - ended };
    });
  } finally {
    await s.close();
  }
}
