import { createHash } from 'node:crypto';
import type { _InstanceType, Instance, Tag as Ec2Tag } from '@aws-sdk/client-ec2';
import { ApiError } from '../../../src/contract/errors';
import { ENVIRONMENT, Tag } from '../../../src/contract/tags';
import type { ProvisionRequest, Vm } from '../../../src/contract/vm-api';
import { scheduleToTags } from '../../../src/domain/schedule-tags';
import { renderUserData, UserDataInputError } from '../../../src/domain/user-data';
import { toApiError } from '../shared/aws-errors';
import { errorIs } from '../shared/clients';
import { tagMap, withTags } from '../shared/ec2-tags';
import { developerClientDbSecretName, vmName } from '../shared/resource-names';
import { ready, type VmApiDeps } from './deps';
import { vmRecord } from './records';

/**
 * POST /vms. Returns at once with the VM record (state `pending`); never waits for the boot.
 *
 * Idempotency: the request's key is written to the instance as the DevVmIdempotencyKey tag and
 * hashed into RunInstances' ClientToken. A retry first looks the key up by that tag, so the same
 * key always answers with the same VM, minutes or days later; should the tag not be visible yet,
 * the ClientToken makes EC2 return the instance it already launched.
 *
 * Order (each step safely re-runnable; a failure leaves only reusable, idempotent pieces behind
 * and the error names the step, so a retry with the same key resumes where it stopped):
 *  1. the client's database and the developer's login on every enabled engine (shared/db);
 *  2. the developer's EFS access point (uid/gid allocated once);
 *  3. the developer's instance role and instance profile;
 *  4. RunInstances.
 */

/** Waits for a brand-new instance profile to become usable by EC2 (IAM is eventually consistent). */
export const PROFILE_RETRY_DELAYS_MS = [1500, 3000, 4500] as const;

export function clientTokenFor(idempotencyKey: string): string {
  return `devvm-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

/** The same key always lands in the same subnet, so a ClientToken retry has identical parameters. */
export function subnetFor(idempotencyKey: string, subnets: readonly string[]): string {
  if (subnets.length === 0) throw new ApiError('INTERNAL', 'no VM subnets configured');
  const n = createHash('sha256').update(idempotencyKey).digest().readUInt32BE(0);
  return subnets[n % subnets.length] as string;
}

/**
 * Runs one provisioning step; a failure names the step in its message (for the log) and, for the
 * database step, in `field` ("databases"), which the app uses to tell users the database failed.
 */
async function step<T>(name: string, fn: () => Promise<T>, field?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const api = toApiError(e);
    const resume = api.status >= 500 || api.status === 429 ? ' Retry with the same idempotency key to resume.' : '';
    const message = /[.!?]$/.test(api.message) ? api.message : `${api.message}.`;
    throw new ApiError(api.code, `${name} failed: ${message}${resume}`, api.field ?? field, { cause: e });
  }
}

export async function provision(deps: VmApiDeps, req: ProvisionRequest): Promise<Vm> {
  const { env } = deps;
  if (!env.ALLOWED_INSTANCE_TYPES.includes(req.instanceType)) {
    throw new ApiError('VALIDATION_FAILED', `instance type ${req.instanceType} is not allowed here; allowed: ${env.ALLOWED_INSTANCE_TYPES.join(', ')}`, 'instanceType');
  }
  const launchTemplateId = env.LAUNCH_TEMPLATES[req.os];
  if (!env.ALLOWED_OS.includes(req.os) || !launchTemplateId) {
    throw new ApiError('VALIDATION_FAILED', `OS ${req.os} is not offered here; allowed: ${env.ALLOWED_OS.join(', ')}`, 'os');
  }

  const clientToken = clientTokenFor(req.idempotencyKey);
  const existing = await step('looking up the idempotency key', () => deps.ec2.findByIdempotencyKey(req.idempotencyKey));
  if (existing) return sameRequestOrConflict(deps, existing, req);

  const connections = await step('database provisioning', async () => (await deps.databases()).provision({ client: req.client, developer: req.developer }), 'databases');
  const home = await step('EFS home access point', async () => (await ready(deps.efs)).ensureHome(req.developer, req.costCenter));
  const profileArn = await step('instance role and profile', async () => (await ready(deps.iam)).ensureInstanceProfile(req.developer, home.accessPointId));

  let userData: string;
  try {
    userData = renderUserData({
      os: req.os,
      developer: req.developer,
      uid: home.uid,
      gid: home.gid,
      fileSystemId: env.EFS_FILE_SYSTEM_ID,
      accessPointId: home.accessPointId,
      region: env.AWS_REGION,
      secretName: developerClientDbSecretName(env.SECRET_PREFIX, req.developer, req.client),
      databases: connections.map(({ engine, host, port, database, user }) => ({ engine, host, port, database, user })),
    });
  } catch (e) {
    if (e instanceof UserDataInputError) throw new ApiError('INTERNAL', `user data could not be rendered: ${e.problems.join('; ')}`, undefined, { cause: e });
    throw e;
  }

  const tags = instanceTags(req, env.MANAGED_BY, deps.now());
  const input = {
    ClientToken: clientToken,
    LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Default' },
    // The allow-list decides which names are valid; the SDK's union lags behind new instance types.
    InstanceType: req.instanceType as _InstanceType,
    MinCount: 1,
    MaxCount: 1,
    SubnetId: subnetFor(req.idempotencyKey, env.VM_SUBNET_IDS),
    IamInstanceProfile: { Arn: profileArn },
    // Also in the launch templates; sent here too because the role's IAM policy requires IMDSv2 on
    // the request itself (ec2:MetadataHttpTokens comes from the request, not from the template).
    // Hop limit 2: containers (docker) on the VM reach the instance role through one more hop.
    MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const, HttpPutResponseHopLimit: 2 },
    UserData: Buffer.from(userData, 'utf8').toString('base64'),
    TagSpecifications: [
      { ResourceType: 'instance' as const, Tags: tags },
      { ResourceType: 'volume' as const, Tags: tags },
    ],
  };

  const instance = await step('launching the instance', async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await deps.ec2.run(input);
      } catch (e) {
        if (isProfileNotReady(e) && attempt < PROFILE_RETRY_DELAYS_MS.length) {
          deps.annotate?.({ profileRetries: attempt + 1 });
          await deps.sleep(PROFILE_RETRY_DELAYS_MS[attempt] as number);
          continue;
        }
        if (errorIs(e, 'IdempotentParameterMismatch')) {
          // The token's instance exists (an earlier attempt whose answer was lost): return it.
          const again = await deps.ec2.findByIdempotencyKey(req.idempotencyKey);
          if (again) return again;
          // Its tags are not visible yet (eventual consistency): a retry with the same key finds it.
          throw new ApiError('UPSTREAM_FAILED', 'an earlier launch with this idempotency key is not visible yet', undefined, { cause: e });
        }
        if (isProfileNotReady(e)) {
          throw new ApiError('UPSTREAM_FAILED', 'the new instance profile is not yet usable by EC2 (IAM propagation)', undefined, { cause: e });
        }
        throw toApiError(e, { instanceType: req.instanceType });
      }
    }
  });
  // RunInstances' answer may omit tags; the record is built from what we asked for.
  const launched = instance.Tags?.length ? instance : withTags(instance, Object.fromEntries(tags.map((t) => [t.Key, t.Value])));
  deps.annotate?.({ launched: true, developer: req.developer, client: req.client, issueKey: req.issueKey });
  return vmRecord(deps, launched);
}

function isProfileNotReady(e: unknown): boolean {
  return errorIs(e, 'InvalidParameterValue') && e instanceof Error && /iam ?instance ?profile/i.test(e.message);
}

/** A key reused for another issue, client or developer is a client bug, not a retry. */
async function sameRequestOrConflict(deps: VmApiDeps, instance: Instance, req: ProvisionRequest): Promise<Vm> {
  const tags = tagMap(instance.Tags);
  const same =
    (tags.get(Tag.JiraIssue) ?? req.issueKey) === req.issueKey &&
    (tags.get(Tag.ClientName) ?? req.client) === req.client &&
    (tags.get(Tag.DeveloperName) ?? req.developer) === req.developer;
  if (!same) throw new ApiError('CONFLICT', 'This idempotency key was already used for another VM request; use a new key.', 'idempotencyKey');
  deps.annotate?.({ idempotentReplay: true });
  return vmRecord(deps, instance);
}

export function instanceTags(req: ProvisionRequest, managedBy: string, now: Date): { Key: string; Value: string }[] {
  const schedule = scheduleToTags(req.schedule);
  const tags: Ec2Tag[] = [
    { Key: Tag.Name, Value: vmName(req.client, req.developer) },
    { Key: Tag.ClientName, Value: req.client },
    { Key: Tag.DeveloperName, Value: req.developer },
    { Key: Tag.Environment, Value: ENVIRONMENT },
    ...schedule.set,
    { Key: Tag.JiraIssue, Value: req.issueKey },
    { Key: Tag.ManagedBy, Value: managedBy },
    { Key: Tag.CreatedAt, Value: now.toISOString() },
    { Key: Tag.IdempotencyKey, Value: req.idempotencyKey },
    { Key: Tag.Os, Value: req.os },
    ...(req.costCenter ? [{ Key: Tag.CostCenter, Value: req.costCenter }] : []),
  ];
  return tags.map((t) => ({ Key: t.Key as string, Value: t.Value as string }));
}
