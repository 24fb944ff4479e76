import type { VmApiEnv } from '../env';
import { LAMBDA_CA_BUNDLE } from './session';
import type { EngineTarget, TlsMode } from './types';

/**
 * The engines the stack switched on, from the VM API's environment: an engine is present when
 * its master secret ARN is set. TLS is verified by default (production) against the CA bundle of
 * Lambda's runtime, which holds the RDS CAs; tests pass `off`.
 */
/**
 * A loopback database (the local preview and the end-to-end test run this handler against the
 * machine's own PostgreSQL/MariaDB) has no network for TLS to protect and no RDS certificate;
 * any other host, i.e. every RDS endpoint, keeps the given mode.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const tlsFor = (host: string | undefined, tls: TlsMode): TlsMode => (host !== undefined && LOOPBACK_HOSTS.has(host) ? { mode: 'off' } : tls);

export function dbTargetsFromEnv(
  env: Pick<VmApiEnv, 'POSTGRES_SECRET_ARN' | 'POSTGRES_HOST' | 'POSTGRES_PORT' | 'MYSQL_SECRET_ARN' | 'MYSQL_HOST' | 'MYSQL_PORT'>,
  tls: TlsMode = { mode: 'verify', caFile: LAMBDA_CA_BUNDLE },
): EngineTarget[] {
  const out: EngineTarget[] = [];
  if (env.POSTGRES_SECRET_ARN) {
    out.push({ engine: 'postgres', host: env.POSTGRES_HOST ?? '', port: env.POSTGRES_PORT, masterSecretId: env.POSTGRES_SECRET_ARN, tls: tlsFor(env.POSTGRES_HOST, tls) });
  }
  if (env.MYSQL_SECRET_ARN) {
    out.push({ engine: 'mysql', host: env.MYSQL_HOST ?? '', port: env.MYSQL_PORT, masterSecretId: env.MYSQL_SECRET_ARN, tls: tlsFor(env.MYSQL_HOST, tls) });
  }
  return out;
}
