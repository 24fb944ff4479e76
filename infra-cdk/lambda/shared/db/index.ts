/**
 * Database provisioning for the VM API: per-client databases and group roles, per-developer
 * logins with their passwords in Secrets Manager, grants and revocation, on RDS PostgreSQL and
 * RDS MySQL (MariaDB compatible). Typical wiring in the Lambda:
 *
 *   const db = createDbProvisioner({
 *     targets: dbTargetsFromEnv(env),
 *     secrets: new SecretsManagerStore(),
 *     secretPrefix: env.SECRET_PREFIX,
 *     managedBy: env.MANAGED_BY,
 *     logger,
 *   });
 *   const databases = await db.provision({ client, developer });   // DbConnection[]
 *   await db.revoke({ client, developer });                       // RevokeOutcome[]
 */
export { createDbProvisioner } from './provisioner';
export { dbTargetsFromEnv } from './from-env';
export { SecretsManagerStore } from './secrets-manager-store';
