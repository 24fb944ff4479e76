import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { TlsMode } from './types';

/**
 * The one place that talks to a database driver. pg and mysql2 are imported lazily, on the
 * first connection, so a VM API cold start that never touches a database does not load them.
 * Each session exposes its driver's own escapers so identifiers and literals are quoted at the
 * sink even though every name was validated before.
 */

export type Row = Record<string, unknown>;

export interface QueryOptions {
  /**
   * The statement carries a secret (a password). On failure the driver's message, which may quote
   * the statement, is replaced by the error code so the secret cannot reach a log through it.
   */
  sensitive?: boolean;
}

export interface SqlSession {
  /** Parameters use `$1…` on PostgreSQL and `?` on MySQL. */
  query(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<Row[]>;
  /** Quote an identifier (`"x"` / `` `x` ``). */
  ident(name: string): string;
  /** Quote a string literal. */
  literal(value: string): string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
  tls: TlsMode;
  connectTimeoutMs?: number;
}

export type Connector = (options: ConnectOptions) => Promise<SqlSession>;

/** A driver error with anything that could quote a statement removed. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  constructor(
    message: string,
    /** SQLSTATE (PostgreSQL) or error code name (MySQL), e.g. `42710`, `ER_NONEXISTING_GRANT`. */
    readonly code: string | undefined,
    /** MySQL numeric error, e.g. 1141. */
    readonly errno?: number,
  ) {
    super(message);
  }
}

function sanitize(err: unknown, sensitive: boolean | undefined): SqlError {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; errno?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  const message = sensitive ? `statement with a secret failed (${code ?? 'no code'})` : String(e.message ?? err);
  return new SqlError(message, code, errno);
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** CA bundle of Lambda's Node.js runtimes (Amazon CAs, RDS included), not loaded by default since Node 20. */
export const LAMBDA_CA_BUNDLE = '/var/runtime/ca-cert.pem';

const caFiles = new Map<string, Promise<string>>();

/** Driver TLS options: undefined for `off`; otherwise verification against the default roots plus the given CAs. */
export async function tlsOptions(tls: TlsMode): Promise<{ rejectUnauthorized: true; ca?: string[] } | undefined> {
  if (tls.mode === 'off') return undefined;
  const extra: string[] = [];
  if (tls.ca) extra.push(tls.ca);
  if (tls.caFile) {
    const path = tls.caFile;
    let pending = caFiles.get(path);
    if (!pending) {
      pending = readFile(path, 'utf8');
      caFiles.set(path, pending);
      pending.catch(() => caFiles.delete(path));
    }
    try {
      extra.push(await pending);
    } catch (err) {
      throw new Error(`CA bundle ${path} is not readable: ${(err as Error).message}`, { cause: err });
    }
  }
  // Passing `ca` replaces Node's roots; keep them so a server with a public certificate still verifies.
  return extra.length > 0 ? { rejectUnauthorized: true, ca: [...rootCertificates, ...extra] } : { rejectUnauthorized: true };
}

/**
 * Every provisioning session resolves unqualified names in pg_catalog first and in its own temp
 * schema last, never in a schema a tenant controls: a developer who plants
 * `public.has_schema_privilege(text, text, text)` must not get it run by the master. Sent as a
 * startup option, so it is in force before the first statement and beats any `ALTER DATABASE …
 * SET search_path` a database's owner made (client options take precedence over per-database and
 * per-role defaults: https://www.postgresql.org/docs/15/config-setting.html#CONFIG-SETTING-SHELL,
 * and the pg_temp-last advice: https://www.postgresql.org/docs/15/sql-createfunction.html#SQL-CREATEFUNCTION-SECURITY).
 */
export const PINNED_SEARCH_PATH = 'pg_catalog, pg_temp';

export const connectPostgres: Connector = async (o) => {
  const pg = await import('pg');
  const client = new pg.Client({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database ?? 'postgres',
    ssl: (await tlsOptions(o.tls)) ?? false,
    connectionTimeoutMillis: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: 'dev-vm-db-provisioner',
    options: `-c search_path=${PINNED_SEARCH_PATH.replace(/ /g, '')}`,
  });
  // An idle client whose server goes away emits 'error'; without a listener that crashes the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw sanitize(err, false);
  }
  return {
    async query(sql, params, options) {
      try {
        const r = await client.query(sql, params ? [...params] : undefined);
        return r.rows as Row[];
      } catch (err) {
        throw sanitize(err, options?.sensitive);
      }
    },
    ident: (name) => pg.escapeIdentifier(name),
    literal: (value) => pg.escapeLiteral(value),
    close: () => client.end(),
  };
};

/**
 * mysql2 is CommonJS only. Imported with `import()` from the Lambda's ES-module bundle, it is a
 * chunk of its own whose namespace holds the exports under `default` (esbuild's code splitting
 * does not copy them onto the namespace as Node's own loader does); under ts-jest and tsx
 * `default` is the same exports object. pg needs no such step: it ships an ES-module entry.
 */
async function loadMysql(): Promise<typeof import('mysql2/promise')> {
  const ns = await import('mysql2/promise');
  const fromDefault: Partial<typeof ns.default> | undefined = ns.default;
  return typeof fromDefault?.createConnection === 'function' ? ns.default : ns;
}

export const connectMysql: Connector = async (o) => {
  const mysql = await loadMysql();
  const ssl = await tlsOptions(o.tls);
  let conn: Awaited<ReturnType<typeof mysql.createConnection>>;
  try {
    conn = await mysql.createConnection({
      host: o.host,
      port: o.port,
      user: o.user,
      password: o.password,
      ...(o.database ? { database: o.database } : {}),
      ...(ssl ? { ssl } : {}),
      connectTimeout: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      // Statements are single and parameters are escaped client-side by mysql2 (`?`).
      multipleStatements: false,
    });
  } catch (err) {
    throw sanitize(err, false);
  }
  conn.on('error', () => undefined);
  return {
    async query(sql, params, options) {
      try {
        const [rows] = await conn.query(sql, params ? [...params] : []);
        return Array.isArray(rows) ? (rows as Row[]) : [];
      } catch (err) {
        throw sanitize(err, options?.sensitive);
      }
    },
    ident: (name) => conn.escapeId(name),
    literal: (value) => conn.escape(value),
    close: () => conn.end(),
  };
};

/** The real drivers, per engine. */
export const defaultConnectors = { postgres: connectPostgres, mysql: connectMysql } as const;
