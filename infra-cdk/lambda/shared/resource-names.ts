import { createHash } from 'node:crypto';
import { ClientName, DbNamespace, DeveloperName, sqlSafe } from '../../../src/contract/names';

/**
 * Names of the AWS resources the stack creates per developer, in one place so the VM API, the
 * database provisioning (shared/db) and the CDK policies cannot drift apart. Every name is built
 * from a validated slug (src/contract/names.ts), and validated again here because these are sinks.
 */

function slug(schema: typeof ClientName | typeof DeveloperName, value: string, what: string): string {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`not a valid ${what}: ${JSON.stringify(value)}`);
  return r.data;
}

/**
 * Secrets Manager name of the LEGACY per-developer login `dev_<developer>` (one login for all of a
 * developer's clients): `<prefix>db/developer/<dev>`. No longer created; kept so revocation and
 * the migration notes can name it. See `developerClientDbSecretName` for the current model.
 */
export function legacyDeveloperDbSecretName(secretPrefix: string, developer: string): string {
  return `${developerDbSecretPrefix(secretPrefix)}${slug(DeveloperName, developer, 'developer name')}`;
}

/**
 * Secrets Manager name of a developer's database login for ONE client (one login and one secret
 * per (developer, client) pair, so code another developer plants in a client's database can at
 * worst reach that client): `<prefix>db/developer/<dev>/<client>`. Under the prefix the IAM
 * policies scope to; tagged DeveloperName (a VM's role reads only its developer's secrets) and ClientName.
 */
export function developerClientDbSecretName(secretPrefix: string, developer: string, client: string): string {
  return `${developerDbSecretPrefix(secretPrefix)}${slug(DeveloperName, developer, 'developer name')}/${slug(ClientName, client, 'client name')}`;
}

/** Characters of the developer and of the client kept readable in a login name. */
const LOGIN_DEVELOPER_CHARS = 8;
const LOGIN_CLIENT_CHARS = 7;
/** base32 characters of SHA-256 over the full pair: 60 bits, so no one can pick a pair that lands on another's login. */
const LOGIN_HASH_CHARS = 12;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer, chars: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length >= chars) break;
  }
  return out;
}

/** A readable head of a slug: at most `n` characters, no trailing hyphen, SQL-safe. */
const head = (name: string, n: number): string => sqlSafe(name.slice(0, n).replace(/-+$/, ''));

/**
 * Database login of a (developer, client) pair on both engines:
 * `dv_<developer, ≤8>_<client, ≤7>_<12 base32 of sha256("<developer>/<client>")>`, at most 32
 * characters (MySQL's user name limit; PostgreSQL allows 63). The readable part tells an operator
 * whose login it is; the hash keeps two pairs with the same heads apart. The `dv_` prefix can
 * never equal a client role (`client_…`) or a legacy developer login (`dev_…`).
 */
export function developerClientLoginName(developer: string, client: string, namespace: DbNamespace = ''): string {
  const d = slug(DeveloperName, developer, 'developer name');
  const c = slug(ClientName, client, 'client name');
  // A name space (src/contract/names.ts) changes only the hash: the login stays readable and ≤ 32.
  const pair = DbNamespace.parse(namespace) ? `${namespace}:${d}/${c}` : `${d}/${c}`;
  const hash = base32(createHash('sha256').update(pair).digest(), LOGIN_HASH_CHARS);
  return `dv_${head(d, LOGIN_DEVELOPER_CHARS)}_${head(c, LOGIN_CLIENT_CHARS)}_${hash}`;
}

/** Common prefix of every developer's DB secret: the only secrets the VM API creates and writes. */
export function developerDbSecretPrefix(secretPrefix: string): string {
  return `${secretPrefix}db/developer/`;
}

/** EC2 Name tag of a VM: `dev-<client>-<developer>`. */
export function vmName(client: string, developer: string): string {
  return `dev-${slug(ClientName, client, 'client name')}-${slug(DeveloperName, developer, 'developer name')}`;
}

/** Prefix of every developer's instance role and profile name; the launch policy binds `<prefix><DeveloperName tag>`. */
export const INSTANCE_ROLE_NAME_PREFIX = 'dev-vm-';

/** IAM role and instance profile name of a developer's VMs (≤ 64 characters: developer ≤ 24). */
export function developerInstanceRoleName(developer: string): string {
  return `${INSTANCE_ROLE_NAME_PREFIX}${slug(DeveloperName, developer, 'developer name')}`;
}

/** Home directory of a developer on the VM and root directory of their EFS access point. */
export function developerHomePath(developer: string): string {
  return `/home/${slug(DeveloperName, developer, 'developer name')}`;
}

/**
 * Tag on a developer's instance role naming their EFS home access point. A role's tags are its
 * sessions' `aws:PrincipalTag/*`, so the instance policy lets a VM mount that access point and no
 * colleague's (root on one VM must not reach another developer's home).
 */
export const HOME_ACCESS_POINT_ROLE_TAG = 'DevVmHomeAccessPoint';
