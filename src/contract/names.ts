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

export const DeveloperName = z
  .string()
  .min(2, 'must be at least 2 characters')
  .max(DEVELOPER_NAME_MAX, `must be at most ${DEVELOPER_NAME_MAX} characters`)
  .regex(SLUG, 'use lower-case letters, digits and single hyphens, starting with a letter (e.g. "jdoe")');
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

/** Database (and PostgreSQL group role) of a client: `client_<client>`. */
export const clientDatabaseName = (client: ClientName): string => `client_${sqlSafe(client)}`;
/**
 * LEGACY login of a developer on both engines, shared by all their clients: `dev_<developer>`
 * (≤ 28 characters, under MySQL's 32). No longer created (one login per (developer, client) pair
 * now: `developerClientLoginName` in infra-cdk/lambda/shared/resource-names.ts); revocation still
 * removes a client from it.
 */
export const legacyDeveloperLoginName = (developer: DeveloperName): string => `dev_${sqlSafe(developer)}`;
