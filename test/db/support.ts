import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { Client } from 'pg';
import type { Connector, SqlSession } from '../../infra-cdk/lambda/shared/db/session';
import type { Log } from '../../infra-cdk/lambda/shared/powertools';
import type { SecretStore } from '../../infra-cdk/lambda/shared/db/types';

/** Helpers shared by the database tests: an in-memory SecretStore, a recording connector, a captured logger. */

/** Lower-case random suffix so parallel test files never share a database or role name. */
export const randomSuffix = (): string => `${randomBytes(4).readUInt32BE(0).toString(36)}`.padStart(7, 'x').slice(0, 7);

/** One ordered timeline of everything the module did, across the secret store and the databases. */
export type Event =
  | { kind: 'secret.read' | 'secret.update'; name: string }
  | { kind: 'secret.create'; name: string; tags: Record<string, string>; created: boolean }
  | { kind: 'connect'; engine: string; database: string | undefined; user: string }
  | { kind: 'sql'; engine: string; sql: string };

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  readonly tags = new Map<string, Record<string, string>>();
  constructor(private readonly timeline: Event[] = []) {}
  async read(id: string): Promise<string | undefined> {
    this.timeline.push({ kind: 'secret.read', name: id });
    return this.values.get(id);
  }
  async create(name: string, value: string, tags: Readonly<Record<string, string>>): Promise<boolean> {
    const created = !this.values.has(name);
    this.timeline.push({ kind: 'secret.create', name, tags: { ...tags }, created });
    if (created) {
      this.values.set(name, value);
      this.tags.set(name, { ...tags });
    }
    return created;
  }
  async update(id: string, value: string): Promise<void> {
    this.timeline.push({ kind: 'secret.update', name: id });
    if (!this.values.has(id)) throw new Error(`no secret ${id}`);
    this.values.set(id, value);
  }
  passwordOf(name: string): string {
    const raw = this.values.get(name);
    if (!raw) throw new Error(`no secret ${name}`);
    return (JSON.parse(raw) as { password: string }).password;
  }
}

/**
 * Wraps a real connector: records every connection and statement in the timeline and lets a
 * test make one statement fail (to simulate a crash half-way through provisioning).
 */
export function recording(
  engine: string,
  inner: Connector,
  timeline: Event[],
  failOnce?: { match: RegExp; fired?: boolean },
): Connector {
  return async (o) => {
    timeline.push({ kind: 'connect', engine, database: o.database, user: o.user });
    const s = await inner(o);
    const wrapped: SqlSession = {
      ident: (n) => s.ident(n),
      literal: (v) => s.literal(v),
      close: () => s.close(),
      async query(sql, params, options) {
        timeline.push({ kind: 'sql', engine, sql });
        if (failOnce && !failOnce.fired && failOnce.match.test(sql)) {
          failOnce.fired = true;
          throw new Error('simulated failure');
        }
        return s.query(sql, params, options);
      },
    };
    return wrapped;
  };
}

export interface CapturedLogger extends Log {
  lines: string[];
}
export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  return {
    lines,
    info: (message, ...extra) => void lines.push(JSON.stringify({ level: 'info', message, extra })),
    warn: (message, ...extra) => void lines.push(JSON.stringify({ level: 'warn', message, extra })),
    error: (message, ...extra) => void lines.push(JSON.stringify({ level: 'error', message, extra })),
  };
}

export const PG = { host: '127.0.0.1', port: 5432 } as const;
export const MY = { host: '127.0.0.1', port: 3306 } as const;

/** A superuser session on the local PostgreSQL, for setup, inspection and cleanup only. */
export async function pgSuper(database = 'postgres'): Promise<Client> {
  const c = new Client({ ...PG, user: 'postgres', database });
  await c.connect();
  return c;
}

/** Connect as a given login; resolves to the client or rejects with the server's error. */
export async function pgAs(user: string, password: string, database: string): Promise<Client> {
  const c = new Client({ ...PG, user, password, database });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => undefined);
    throw err;
  }
  return c;
}

/** The root session on the local MariaDB, for setup, inspection and cleanup only. */
export function myRoot(): Promise<mysql.Connection> {
  return mysql.createConnection({ ...MY, user: 'root' });
}

export async function myAs(user: string, password: string, database?: string): Promise<mysql.Connection> {
  const c = await mysql.createConnection({ ...MY, user, password, ...(database ? { database } : {}) });
  c.on('error', () => undefined);
  return c;
}

/** Every statement the module sent, in order. */
export const statements = (timeline: Event[]): string[] =>
  timeline.flatMap((e) => (e.kind === 'sql' ? [e.sql] : []));

/** A PostgreSQL master like RDS's: LOGIN CREATEDB CREATEROLE, not superuser; pg_signal_backend as rds_superuser has. */
export async function createPgMaster(su: Client, name: string, password: string): Promise<void> {
  await su.query(`CREATE ROLE ${name} LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD '${password}'`);
  await su.query(`GRANT pg_signal_backend TO ${name}`);
}

/** The global privileges RDS gives its MySQL/MariaDB master (WITH GRANT OPTION); no SUPER, no CONNECTION ADMIN. */
export const RDS_MYSQL_MASTER_PRIVILEGES =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, ' +
  'CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, ' +
  'CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER';

export async function createMysqlMaster(root: mysql.Connection, name: string, password: string): Promise<void> {
  await root.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [name, password]);
  await root.query(`GRANT ${RDS_MYSQL_MASTER_PRIVILEGES} ON *.* TO ?@'%' WITH GRANT OPTION`, [name]);
}
