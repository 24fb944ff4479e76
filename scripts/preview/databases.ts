import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Client } from 'pg';

/**
 * The local PostgreSQL and MariaDB as the RDS instances of the stack: for each reachable server
 * an RDS-like master is created (not a superuser: LOGIN CREATEDB CREATEROLE on PostgreSQL, RDS's
 * global privilege list on MariaDB), whose credentials then go into Secrets Manager as the master
 * secret, exactly what the VM API reads in AWS. An unreachable server switches that engine off.
 * The local servers accept the admin login without a password (postgres/trust, root), as the
 * project's test machines are set up; the hosts and admin users can be changed by environment.
 */

export interface MasterLogin {
  engine: 'postgres' | 'mysql';
  host: string;
  port: number;
  username: string;
  password: string;
}

export type EngineStatus = { engine: 'postgres' | 'mysql'; enabled: true; master: MasterLogin } | { engine: 'postgres' | 'mysql'; enabled: false; reason: string };

const MYSQL_MASTER_PRIVILEGES =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, ' +
  'CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, ' +
  'CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER';

const CONNECT_TIMEOUT_MS = 2000;

export const LOCAL_DB = {
  postgres: { host: process.env.PREVIEW_PG_HOST ?? '127.0.0.1', port: Number(process.env.PREVIEW_PG_PORT ?? 5432), admin: process.env.PREVIEW_PG_ADMIN ?? 'postgres' },
  mysql: { host: process.env.PREVIEW_MYSQL_HOST ?? '127.0.0.1', port: Number(process.env.PREVIEW_MYSQL_PORT ?? 3306), admin: process.env.PREVIEW_MYSQL_ADMIN ?? 'root' },
} as const;

/** Master names are SQL identifiers built here from a fixed prefix and [a-z0-9_]; checked anyway. */
function masterName(engine: 'pg' | 'my', suffix: string): string {
  const name = `devvm_master_${engine}_${suffix}`;
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad master name suffix ${JSON.stringify(suffix)}`);
  return name;
}

const newPassword = (): string => randomBytes(18).toString('base64url');

/** An admin session on the local PostgreSQL (setup, inspection and cleanup only). */
export async function pgAdmin(database = 'postgres'): Promise<Client> {
  const c = new Client({ host: LOCAL_DB.postgres.host, port: LOCAL_DB.postgres.port, user: LOCAL_DB.postgres.admin, database, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

export function mysqlAdmin(): Promise<mysql.Connection> {
  return mysql.createConnection({ host: LOCAL_DB.mysql.host, port: LOCAL_DB.mysql.port, user: LOCAL_DB.mysql.admin, connectTimeout: CONNECT_TIMEOUT_MS });
}

/** Create (or re-password) the PostgreSQL master; a fresh password each start, so none is stored on disk. */
export async function preparePostgres(suffix: string): Promise<EngineStatus> {
  let c: Client | undefined;
  try {
    c = await pgAdmin();
    const username = masterName('pg', suffix);
    const password = newPassword();
    const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username])).rowCount ?? 0;
    const pw = c.escapeLiteral(password);
    const ident = c.escapeIdentifier(username);
    if (exists) await c.query(`ALTER ROLE ${ident} PASSWORD ${pw}`);
    else await c.query(`CREATE ROLE ${ident} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD ${pw}`);
    // RDS's rds_superuser may end sessions (pg_signal_backend); revocation relies on it.
    await c.query(`GRANT pg_signal_backend TO ${ident}`);
    return { engine: 'postgres', enabled: true, master: { engine: 'postgres', host: LOCAL_DB.postgres.host, port: LOCAL_DB.postgres.port, username, password } };
  } catch (e) {
    return { engine: 'postgres', enabled: false, reason: `PostgreSQL at ${LOCAL_DB.postgres.host}:${LOCAL_DB.postgres.port} not reachable as ${LOCAL_DB.postgres.admin} (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    await c?.end().catch(() => undefined);
  }
}

export async function prepareMysql(suffix: string): Promise<EngineStatus> {
  let c: mysql.Connection | undefined;
  try {
    c = await mysqlAdmin();
    const username = masterName('my', suffix);
    const password = newPassword();
    await c.query(`CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?`, [username, password]);
    await c.query(`ALTER USER ?@'%' IDENTIFIED BY ?`, [username, password]);
    await c.query(`GRANT ${MYSQL_MASTER_PRIVILEGES} ON *.* TO ?@'%' WITH GRANT OPTION`, [username]);
    return { engine: 'mysql', enabled: true, master: { engine: 'mysql', host: LOCAL_DB.mysql.host, port: LOCAL_DB.mysql.port, username, password } };
  } catch (e) {
    return { engine: 'mysql', enabled: false, reason: `MariaDB/MySQL at ${LOCAL_DB.mysql.host}:${LOCAL_DB.mysql.port} not reachable as ${LOCAL_DB.mysql.admin} (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    await c?.end().catch(() => undefined);
  }
}

/** Drop what one run created: client databases, their group roles, developer logins and the masters. */
export async function dropDatabaseObjects(o: { databases: string[]; pgRoles: string[]; mysqlUsers: string[] }): Promise<void> {
  const pg = await pgAdmin().catch(() => undefined);
  if (pg) {
    try {
      for (const d of o.databases) {
        await pg.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [d]);
        await pg.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(d)}`);
      }
      for (const r of o.pgRoles) {
        // Objects a role owns elsewhere (none expected) would block the drop; reassign them first.
        const exists = (await pg.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [r])).rowCount ?? 0;
        if (!exists) continue;
        await pg.query(`DROP OWNED BY ${pg.escapeIdentifier(r)}`).catch(() => undefined);
        await pg.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(r)}`);
      }
    } finally {
      await pg.end().catch(() => undefined);
    }
  }
  const my = await mysqlAdmin().catch(() => undefined);
  if (my) {
    try {
      for (const d of o.databases) await my.query(`DROP DATABASE IF EXISTS ${my.escapeId(d)}`);
      for (const u of o.mysqlUsers) await my.query(`DROP USER IF EXISTS ?@'%'`, [u]);
    } finally {
      await my.end().catch(() => undefined);
    }
  }
}

export const masterNames = (suffix: string): { postgres: string; mysql: string } => ({ postgres: masterName('pg', suffix), mysql: masterName('my', suffix) });

/**
 * Whether the preview's master login still works: another preview (or a test run) with the same
 * name space re-passwords or drops it, and this preview's client databases then fail to provision
 * while it looks healthy. Logs in as the master itself, with the password this preview holds.
 */
export type LoginHealth = { ok: true } | { ok: false; reason: string };

export async function checkMasterLogin(master: MasterLogin): Promise<LoginHealth> {
  try {
    if (master.engine === 'postgres') {
      const c = new Client({ host: master.host, port: master.port, user: master.username, password: master.password, database: 'postgres', connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
      c.on('error', () => undefined);
      await c.connect();
      await c.end().catch(() => undefined);
    } else {
      const c = await mysql.createConnection({ host: master.host, port: master.port, user: master.username, password: master.password, connectTimeout: CONNECT_TIMEOUT_MS });
      await c.end().catch(() => undefined);
    }
    return { ok: true };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // PostgreSQL 28P01 / 28000, MariaDB ER_ACCESS_DENIED_ERROR (1045): the login is gone or re-passworded.
    const code = (e as { code?: unknown }).code;
    const denied = code === '28P01' || code === '28000' || code === 'ER_ACCESS_DENIED_ERROR' || /password authentication failed|Access denied|does not exist/i.test(message);
    return {
      ok: false,
      reason: denied
        ? `the master login ${master.username} no longer accepts this preview's password (another preview or test run with the same name space reset or dropped it); stop the other one and restart npm start`
        : `cannot log in as ${master.username} (${message})`,
    };
  }
}
