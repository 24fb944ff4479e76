import { ClientName, DeveloperName } from '../../../src/contract/names';

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
 * Secrets Manager name of a developer's database login (one login per developer, the same on
 * PostgreSQL and MySQL, granted each client's role it is provisioned for): `<prefix>db/developer/<dev>`.
 * The instance policy allows a VM to read only the secret tagged with its own DeveloperName.
 */
export function developerDbSecretName(secretPrefix: string, developer: string): string {
  return `${developerDbSecretPrefix(secretPrefix)}${slug(DeveloperName, developer, 'developer name')}`;
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
