import type { DbConnection } from '../../../../src/contract/vm-api';

/**
 * The exported interface of the database provisioning module. The VM API builds one
 * `DbProvisioner` per cold start (see `createDbProvisioner`) and calls `provision` before it
 * launches a VM and `revoke` from the explicit "remove developer from client" operation.
 */

export type DbEngine = DbConnection['engine'];

/**
 * TLS towards the database. `verify` checks the server certificate and host name against Node's
 * trust store plus `ca` (PEM) and the PEM bundle at `caFile`, read on the first connection only,
 * so cold starts that never reach a database do not pay for it. Lambda's Node 20+ runtimes no
 * longer load the Amazon CAs at start-up but ship them in `/var/runtime/ca-cert.pem`
 * (`LAMBDA_CA_BUNDLE`), which `dbTargetsFromEnv` uses by default. `off` is for the local test
 * servers only.
 */
export type TlsMode = { mode: 'off' } | { mode: 'verify'; ca?: string; caFile?: string };

/** One database server the module manages (one RDS instance). */
export interface EngineTarget {
  engine: DbEngine;
  host: string;
  port: number;
  /**
   * Secrets Manager id (ARN or name) of the master credentials as RDS/CDK generate them:
   * JSON with `username` and `password` (and optionally `host`, `port`, which `host`/`port` above override).
   */
  masterSecretId: string;
  tls: TlsMode;
  /** Database the master connects to for cluster-wide statements (PostgreSQL: `postgres`; ignored for MySQL). */
  maintenanceDatabase?: string;
}

/**
 * Narrow port over Secrets Manager so tests run against an in-memory store and the Lambda
 * against the real service (`SecretsManagerStore`). Values are SecretString payloads.
 */
export interface SecretStore {
  /** The secret's current value, or `undefined` when no secret of that name exists. */
  read(id: string): Promise<string | undefined>;
  /** Create with tags; `false` (and nothing changed) when a secret of that name already exists. */
  create(name: string, value: string, tags: Readonly<Record<string, string>>): Promise<boolean>;
  /** Replace the value of an existing secret (only used when a rotation is asked for). */
  update(id: string, value: string): Promise<void>;
}

export interface ProvisionInput {
  /** Raw client name; validated with `ClientName` before anything else happens. */
  client: string;
  /** Raw developer name; validated with `DeveloperName` before anything else happens. */
  developer: string;
  /** Generate a new password, store it, then set it on every engine. Default: keep the stored one. */
  rotatePassword?: boolean;
}

export interface RevokeInput {
  client: string;
  developer: string;
}

/** What a revocation did on one engine. */
export interface RevokeOutcome {
  engine: DbEngine;
  /** False when there was nothing to revoke (already revoked, or never granted). */
  revoked: boolean;
  /** Sessions of that login in the client's database that were ended. */
  sessionsEnded: number;
  /** Sessions that could not be ended (no privilege to end them); they lose access on reconnect. */
  sessionsLeft: number;
}

export interface DbProvisioner {
  /**
   * Ensures, on every configured engine and safely re-runnable: the client's database and group
   * role, the password secret of the (developer, client) pair (created first, reused afterwards),
   * the pair's login, and that login's access to the client's database (and to nothing else). Returns what a VM needs to connect
   * (never the password: `secretName` says where it is).
   * Throws `ApiError` VALIDATION_FAILED (field `client`/`developer`) before any I/O for bad names,
   * `ApiError` UPSTREAM_FAILED when a database or Secrets Manager step fails (re-run to resume).
   */
  provision(input: ProvisionInput): Promise<DbConnection[]>;
  /**
   * Removes the developer's access to the client's database on every engine, through the pair's
   * login and through the legacy shared `dev_<developer>` login, and ends their sessions there.
   * Keeps the logins and secrets (the legacy login's other clients, and data, stay). Idempotent.
   */
  revoke(input: RevokeInput): Promise<RevokeOutcome[]>;
}
