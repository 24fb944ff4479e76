import * as z from 'zod';

/**
 * Names that travel from a Jira issue into shell scripts, SQL identifiers, EC2 tags,
 * EFS access point tags and Secrets Manager names. The grammar is deliberately narrow
 * (lower-case letters, digits, single inner hyphens) so that every one of those sinks is
 * safe by construction; escaping is still applied at each sink as a second line.
 *
 * Length limits come from the tightest sink: a MySQL user name is at most 32 characters
 * and the developer's login is `dev_<developer>` there; a Linux user name is at most 32.
 */
const SLUG = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

export const CLIENT_NAME_MAX = 24;
export const DEVELOPER_NAME_MAX = 24;

export const ClientName = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(CLIENT_NAME_MAX, `must be at most ${CLIENT_NAME_MAX} characters`)
  .regex(SLUG, 'use lower-case letters, digits and single hyphens, starting with a letter (e.g. "acme-corp")');
export type ClientName = z.infer<typeof ClientName>;

/**
 * Names a developer may not take: the developer name becomes a Linux user on the VM and the
 * owner of a home directory, so an existing system account (or a name that reads as an
 * administrator) would hand over that account or mislead people. The list covers the accounts
 * of the supported images (Amazon Linux 2023, Ubuntu 24.04, RHEL 9) and common service users.
 */
export const RESERVED_DEVELOPER_NAMES: ReadonlySet<string> = new Set([
  'root', 'admin', 'administrator', 'ubuntu', 'ec2-user', 'ssm-user', 'cloud-user', 'nobody', 'nogroup',
  'daemon', 'bin', 'sys', 'sync', 'games', 'man', 'lp', 'mail', 'news', 'uucp', 'proxy', 'www-data',
  'backup', 'list', 'irc', 'gnats', 'operator', 'adm', 'wheel', 'sudo', 'halt', 'shutdown', 'ftp',
  'sshd', 'systemd-network', 'systemd-resolve', 'systemd-timesync', 'messagebus', 'syslog', 'polkitd',
  'chrony', 'rpc', 'rpcuser', 'postgres', 'mysql', 'dev-vm', 'guest', 'user', 'test',
]);

export const DeveloperName = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(DEVELOPER_NAME_MAX, `must be at most ${DEVELOPER_NAME_MAX} characters`)
  .regex(SLUG, 'use lower-case letters, digits and single hyphens, starting with a letter (e.g. "jdoe")')
  .refine((n) => !RESERVED_DEVELOPER_NAMES.has(n), { message: 'is a system account name; choose the developer\'s own name (e.g. "jdoe")' });
export type DeveloperName = z.infer<typeof DeveloperName>;

/** Jira issue keys: project key (upper-case letter first) and a number. */
export const IssueKey = z.string().regex(/^[A-Z][A-Z0-9_]{0,19}-[1-9][0-9]{0,9}$/, 'must be a Jira issue key such as "OPS-42"');
export type IssueKey = z.infer<typeof IssueKey>;

/** EC2 instance ids as EC2 issues them. */
export const InstanceId = z.string().regex(/^i-[0-9a-f]{8,17}$/, 'must be an EC2 instance id such as "i-0abc12345def67890"');
export type InstanceId = z.infer<typeof InstanceId>;

/** EC2 instance type names ("t3.large", "m7i-flex.xlarge"); the allow-list decides which are usable. */
export const InstanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as "t3.large"');
export type InstanceType = z.infer<typeof InstanceType>;

/**
 * Identifier forms derived from the names. Hyphens become underscores so the result is a
 * plain SQL identifier that needs no quoting on PostgreSQL or MySQL (quoting is still applied).
 */
export function sqlSafe(name: string): string {
  if (!SLUG.test(name)) throw new Error(`not a safe name: ${JSON.stringify(name)}`);
  return name.replace(/-/g, '_');
}

/**
 * A database name space: lets two stacks (staging and production) or two local previews share one
 * database server without sharing a client database or a login. Short, because it prefixes names
 * that MySQL caps at 64 (databases) and 32 (users) characters. Empty: no name space (the default).
 */
export const DB_NAMESPACE_MAX = 8;
export const DbNamespace = z
  .string()
  .regex(new RegExp(`^(?:[a-z][a-z0-9]{0,${DB_NAMESPACE_MAX - 1}})?$`), `must be empty or 1–${DB_NAMESPACE_MAX} lower-case letters and digits, starting with a letter`);
export type DbNamespace = z.infer<typeof DbNamespace>;

/** Database (and PostgreSQL group role and schema) of a client: `[<namespace>_]client_<client>`. */
export const clientDatabaseName = (client: ClientName, namespace: DbNamespace = ''): string =>
  `${DbNamespace.parse(namespace) ? `${namespace}_` : ''}client_${sqlSafe(client)}`;
/**
 * LEGACY login of a developer on both engines, shared by all their clients: `dev_<developer>`
 * (≤ 28 characters, under MySQL's 32). No longer created (one login per (developer, client) pair
 * now: `developerClientLoginName` in infra-cdk/lambda/shared/resource-names.ts); revocation still
 * removes a client from it.
 */
export const legacyDeveloperLoginName = (developer: DeveloperName): string => `dev_${sqlSafe(developer)}`;
