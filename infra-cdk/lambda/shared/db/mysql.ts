import type { SqlError, SqlSession } from './session';
import type { DbLogger, RevokeOutcome } from './types';

/**
 * MySQL (RDS MySQL 8) and MariaDB (local tests, RDS MariaDB): one database per client and
 * per-database grants to each developer's login `'dev_x'@'%'`.
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
  logger: DbLogger;
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
        await s.query(`CREATE USER IF NOT EXISTS ${account(s, plan.login)} IDENTIFIED BY ${s.literal(plan.password)}`, [], {
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

export async function revokeMysql(ctx: MysqlContext, plan: Pick<MysqlProvisionPlan, 'database' | 'login'>): Promise<RevokeOutcome> {
  const s = await ctx.connect();
  try {
    return await withLock(s, async () => {
      let revoked = false;
      const user = await s.query('SELECT 1 FROM mysql.user WHERE User = ? AND Host = ?', [plan.login, HOST]);
      if (user.length > 0) {
        try {
          await s.query(`REVOKE ${MYSQL_CLIENT_PRIVILEGES} ON ${await grantPattern(s, plan.database)} FROM ${account(s, plan.login)}`);
          revoked = true;
        } catch (err) {
          if ((err as SqlError).errno !== ER_NONEXISTING_GRANT) throw err;
        }
      }
      // A session whose default database is the client's keeps using it until it changes
      // database or ends; end those sessions. RDS masters lack CONNECTION_ADMIN/SUPER for other
      // users' threads and use mysql.rds_kill instead.
      const threads = await s.query(
        'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND DB = ? AND ID <> CONNECTION_ID()',
        [plan.login, plan.database],
      );
      let ended = 0;
      for (const { id } of threads) {
        try {
          await s.query('KILL CONNECTION ?', [Number(id)]);
          ended++;
        } catch (err) {
          if ((err as SqlError).errno !== ER_KILL_DENIED) {
            ctx.logger.warn('could not end a session of a revoked login', { engine: 'mysql', login: plan.login, error: String(err) });
            continue;
          }
          try {
            await s.query('CALL mysql.rds_kill(?)', [Number(id)]);
            ended++;
          } catch (err2) {
            ctx.logger.warn('could not end a session of a revoked login', { engine: 'mysql', login: plan.login, error: String(err2) });
          }
        }
      }
      if (revoked || ended > 0) {
        ctx.logger.info('revoked developer from client', { engine: 'mysql', login: plan.login, database: plan.database, sessionsEnded: ended });
      }
      return { engine: 'mysql', revoked, sessionsEnded: ended, sessionsLeft: threads.length - ended };
    });
  } finally {
    await s.close();
  }
}
