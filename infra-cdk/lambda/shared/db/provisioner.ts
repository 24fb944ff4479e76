import { ApiError } from '../../../../src/contract/errors';
import { ClientName, DeveloperName, clientDatabaseName, legacyDeveloperLoginName } from '../../../../src/contract/names';
import { Tag } from '../../../../src/contract/tags';
import type { DbConnection } from '../../../../src/contract/vm-api';
import { developerClientDbSecretName, developerClientLoginName } from '../resource-names';
import { DeveloperSecret, MasterSecret, generatePassword, parseSecret } from './credentials';
import { provisionMysql, revokeMysql } from './mysql';
import { provisionPostgres, revokePostgres } from './postgres';
import { type Connector, type SqlSession, defaultConnectors } from './session';
import type { Log } from '../powertools';
import type { DbEngine, DbProvisioner, EngineTarget, ProvisionInput, RevokeInput, RevokeOutcome, SecretStore } from './types';

export interface DbProvisionerDeps {
  /** The engines to manage; an engine switched off in the stack is simply absent. */
  targets: readonly EngineTarget[];
  secrets: SecretStore;
  /** SECRET_PREFIX of the stack, e.g. `dev-vm/`. */
  secretPrefix: string;
  /** Database name space (DB_NAMESPACE; empty: none), so two stacks can share one server. */
  namespace?: string;
  /** Value of the ManagedBy tag put on the developer secrets. */
  managedBy: string;
  logger: Log;
  /** Driver factories; the real pg/mysql2 ones by default (tests wrap them to record calls). */
  connectors?: Partial<Record<DbEngine, Connector>>;
}

const ENGINE_LABEL: Record<DbEngine, string> = { postgres: 'PostgreSQL', mysql: 'MySQL' };

interface Names {
  client: ClientName;
  developer: DeveloperName;
  database: string;
  /** The (developer, client) pair's login, the only one provisioning creates. */
  login: string;
  /** `dev_<developer>`, the earlier model's login shared by all of a developer's clients; only ever revoked. */
  legacyLogin: string;
  secretName: string;
}

/** Validate both names before any I/O; the error names the offending field. */
function names(input: { client: unknown; developer: unknown }, secretPrefix: string, namespace: string): Names {
  const client = ClientName.safeParse(input.client);
  if (!client.success) throw new ApiError('VALIDATION_FAILED', `client: ${client.error.issues[0]?.message ?? 'invalid'}`, 'client');
  const developer = DeveloperName.safeParse(input.developer);
  if (!developer.success) {
    throw new ApiError('VALIDATION_FAILED', `developer: ${developer.error.issues[0]?.message ?? 'invalid'}`, 'developer');
  }
  return {
    client: client.data,
    developer: developer.data,
    database: clientDatabaseName(client.data, namespace),
    login: developerClientLoginName(developer.data, client.data, namespace),
    legacyLogin: legacyDeveloperLoginName(developer.data),
    secretName: developerClientDbSecretName(secretPrefix, developer.data, client.data),
  };
}

function upstream(what: string, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError('UPSTREAM_FAILED', `${what}: ${message}`, undefined, { cause: err });
}

export function createDbProvisioner(deps: DbProvisionerDeps): DbProvisioner {
  const connectors = { ...defaultConnectors, ...deps.connectors };

  /** Master credentials are read per call: RDS may rotate them, and calls are rare. */
  async function masterOf(target: EngineTarget): Promise<{ host: string; port: number; user: string; password: string }> {
    const raw = await deps.secrets.read(target.masterSecretId);
    if (raw === undefined) throw new Error(`master secret of ${ENGINE_LABEL[target.engine]} not found`);
    const m = parseSecret(MasterSecret, raw, `master secret of ${ENGINE_LABEL[target.engine]}`);
    const host = target.host || m.host;
    if (!host) throw new Error(`no host for ${ENGINE_LABEL[target.engine]}`);
    return { host, port: target.port || m.port || (target.engine === 'postgres' ? 5432 : 3306), user: m.username, password: m.password };
  }

  function opener(target: EngineTarget, master: { host: string; port: number; user: string; password: string }) {
    return (database?: string): Promise<SqlSession> => {
      const db = database ?? target.maintenanceDatabase;
      return connectors[target.engine]({
        host: master.host,
        port: master.port,
        user: master.user,
        password: master.password,
        tls: target.tls,
        ...(db ? { database: db } : {}),
      });
    };
  }

  /**
   * The developer's password lives in Secrets Manager BEFORE any login uses it, so a run that
   * fails half-way is resumed by the next one with the same password. `setPassword` is true when
   * the stored password may not be the one the logins have (new secret, or rotation).
   */
  async function developerPassword(n: Names, rotate: boolean): Promise<{ password: string; setPassword: boolean }> {
    const raw = await deps.secrets.read(n.secretName);
    if (raw === undefined) {
      const password = generatePassword();
      const value = JSON.stringify({ username: n.login, password } satisfies DeveloperSecret);
      const created = await deps.secrets.create(n.secretName, value, {
        [Tag.DeveloperName]: n.developer,
        [Tag.ClientName]: n.client,
        [Tag.ManagedBy]: deps.managedBy,
      });
      if (created) {
        deps.logger.info('created developer database secret', { secretName: n.secretName });
        return { password, setPassword: true };
      }
      // Another run created it between our read and create: use theirs.
      const again = await deps.secrets.read(n.secretName);
      if (again === undefined) throw new Error(`secret ${n.secretName} vanished while being created`);
      return { password: parseDeveloperSecret(again, n).password, setPassword: false };
    }
    const current = parseDeveloperSecret(raw, n);
    if (!rotate) return { password: current.password, setPassword: false };
    const password = generatePassword();
    await deps.secrets.update(n.secretName, JSON.stringify({ username: n.login, password } satisfies DeveloperSecret));
    deps.logger.info('rotated developer database password', { secretName: n.secretName });
    return { password, setPassword: true };
  }

  function parseDeveloperSecret(raw: string, n: Names): DeveloperSecret {
    const s = parseSecret(DeveloperSecret, raw, `secret ${n.secretName}`);
    if (s.username !== n.login) throw new Error(`secret ${n.secretName} is for login ${s.username}, expected ${n.login}`);
    return s;
  }

  /**
   * Logs in as the pair's login with the stored password (no statement is run). False only when
   * the server refuses the password; any other failure (network, privilege) says nothing about
   * the password and counts as working, so it never blocks provisioning.
   */
  async function passwordStillWorks(
    target: EngineTarget,
    master: { host: string; port: number },
    n: Names,
    password: string,
  ): Promise<boolean> {
    try {
      const s = await connectors[target.engine]({
        host: master.host,
        port: master.port,
        user: n.login,
        password,
        tls: target.tls,
        ...(target.engine === 'postgres' ? { database: n.database } : {}),
      });
      await s.close();
      return true;
    } catch (err) {
      const e = err as { code?: unknown; errno?: unknown };
      // 28P01 invalid_password (https://www.postgresql.org/docs/15/errcodes-appendix.html); MySQL/MariaDB 1045 ER_ACCESS_DENIED_ERROR.
      return !(e.code === '28P01' || e.errno === 1045);
    }
  }

  return {
    async provision(input: ProvisionInput): Promise<DbConnection[]> {
      const n = names(input, deps.secretPrefix, deps.namespace ?? '');
      if (deps.targets.length === 0) return [];
      let creds: { password: string; setPassword: boolean };
      try {
        creds = await developerPassword(n, input.rotatePassword === true);
      } catch (err) {
        throw upstream(`developer secret ${n.secretName}`, err);
      }
      const out: DbConnection[] = [];
      for (const target of deps.targets) {
        const label = ENGINE_LABEL[target.engine];
        try {
          const master = await masterOf(target);
          const connect = opener(target, master);
          const plan = { database: n.database, login: n.login, password: creds.password, setPassword: creds.setPassword };
          const run = (p: typeof plan) =>
            target.engine === 'postgres'
              ? provisionPostgres({ connect, logger: deps.logger }, p)
              : provisionMysql({ connect: () => connect(), logger: deps.logger }, p);
          await run(plan);
          if (!plan.setPassword && !(await passwordStillWorks(target, master, n, creds.password))) {
            // The login's password is no longer its secret's: someone changed it from inside a
            // session (both engines let an account change its own password, and a colleague's
            // planted code can run in that session). Put the secret's password back, so the
            // developer's VM works again and whoever set the other password loses it.
            deps.logger.warn('developer login password differed from its secret; reset', { engine: target.engine, login: n.login });
            await run({ ...plan, setPassword: true });
          }
          out.push({ engine: target.engine, host: master.host, port: master.port, database: n.database, user: n.login, secretName: n.secretName });
        } catch (err) {
          throw upstream(`${label} provisioning of ${n.database} for ${n.login}`, err);
        }
      }
      return out;
    },

    async revoke(input: RevokeInput): Promise<RevokeOutcome[]> {
      const n = names(input, deps.secretPrefix, deps.namespace ?? '');
      const out: RevokeOutcome[] = [];
      for (const target of deps.targets) {
        try {
          const master = await masterOf(target);
          const connect = opener(target, master);
          // The legacy shared login loses this client too; its other clients stay until revoked there.
          const plan = { database: n.database, logins: [n.login, n.legacyLogin] };
          out.push(
            target.engine === 'postgres'
              ? await revokePostgres({ connect, logger: deps.logger }, plan)
              : await revokeMysql({ connect: () => connect(), logger: deps.logger }, plan),
          );
        } catch (err) {
          throw upstream(`${ENGINE_LABEL[target.engine]} revocation of ${n.login} from ${n.database}`, err);
        }
      }
      return out;
    },
  };
}
