import type { Instance, InstanceStateChange } from '@aws-sdk/client-ec2';
import { ApiError } from '../../../src/contract/errors';
import type { IdlePolicy } from '../../../src/contract/idle-policy';
import type { Schedule } from '../../../src/contract/schedule';
import { Tag } from '../../../src/contract/tags';
import type { Health, KeepRunningRequest, LifecycleUpdate, RevokeResult, Vm, VmList } from '../../../src/contract/vm-api';
import { scheduleToTags } from '../../../src/domain/schedule-tags';
import { toApiError } from '../shared/aws-errors';
import { withTags } from '../shared/ec2-tags';
import { ready, type VmApiDeps } from './deps';
import { vmRecord, vmRecords } from './records';

/**
 * The VM API operations other than provisioning. Each takes validated input and returns the
 * contract's response; AWS errors become ApiErrors here (404 unknown/unmanaged, 409 wrong state,
 * 503 no capacity, 429 throttled after the SDK's retries, 502 anything else from AWS).
 *
 * keep-running: `until` must be in the future and at most 24 hours ahead (24 h rather than
 * "today" because "today" depends on the VM's zone and a late-evening request would otherwise
 * be refused). It sets KeepRunningUntil, which makes the scheduler skip stops until then (one
 * override of AutoStop). A stopped VM is also started, because "keep it running until 20:00"
 * on a stopped VM means the person wants it up; a VM that is stopping or being terminated
 * answers 409.
 */

export const KEEP_RUNNING_MAX_MS = 24 * 60 * 60 * 1000;

export function health(deps: VmApiDeps): Health {
  return {
    ok: true,
    version: deps.env.APP_VERSION,
    region: deps.env.AWS_REGION,
    allowedInstanceTypes: [...deps.env.ALLOWED_INSTANCE_TYPES],
    allowedOs: [...deps.env.ALLOWED_OS],
  };
}

export async function listVms(deps: VmApiDeps, issueKey: string): Promise<VmList> {
  const instances = await aws(() => deps.ec2.listByIssue(issueKey));
  return { vms: await vmRecords(deps, instances, { usage: true }) };
}

async function aws<T>(fn: () => Promise<T>, ctx?: { instanceType?: string }): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toApiError(e, ctx);
  }
}

/**
 * The instance, if this stack manages it and it was launched for `issueKey` (its JiraIssue tag,
 * set at launch and never rewritten by this API). Another issue's instance answers the same 404
 * as an unknown one: an instance id copied from elsewhere gives its holder nothing.
 */
async function managed(deps: VmApiDeps, id: string, issueKey: string): Promise<Instance> {
  const instance = await aws(() => deps.ec2.getManaged(id));
  if (!instance || instance.Tags?.find((t) => t.Key === Tag.JiraIssue)?.Value !== issueKey) {
    if (instance) deps.annotate?.({ issueKeyMismatch: true });
    throw new ApiError('NOT_FOUND', `No dev VM ${id} for issue ${issueKey} managed by this stack`);
  }
  return instance;
}

export async function getVm(deps: VmApiDeps, id: string, issueKey: string): Promise<Vm> {
  return vmRecord(deps, await managed(deps, id, issueKey), { usage: true });
}

function withState(instance: Instance, change: InstanceStateChange | undefined): Instance {
  return change?.CurrentState ? { ...instance, State: change.CurrentState, StateReason: undefined, StateTransitionReason: undefined } : instance;
}

export async function startVm(deps: VmApiDeps, id: string, issueKey: string): Promise<Vm> {
  const instance = await managed(deps, id, issueKey);
  const change = await aws(() => deps.ec2.start(id), { instanceType: instance.InstanceType });
  return vmRecord(deps, withState(instance, change));
}

export async function stopVm(deps: VmApiDeps, id: string, issueKey: string): Promise<Vm> {
  const instance = await managed(deps, id, issueKey);
  const change = await aws(() => deps.ec2.stop(id));
  return vmRecord(deps, withState(instance, change));
}

export async function terminateVm(deps: VmApiDeps, id: string, issueKey: string): Promise<Vm> {
  const instance = await managed(deps, id, issueKey);
  const change = await aws(() => deps.ec2.terminate(id));
  return vmRecord(deps, withState(instance, change));
}

const GONE = new Set(['shutting-down', 'terminated']);

export async function updateSchedule(deps: VmApiDeps, id: string, issueKey: string, schedule: Schedule): Promise<Vm> {
  const instance = await managed(deps, id, issueKey);
  if (GONE.has(instance.State?.Name ?? '')) throw new ApiError('CONFLICT', `VM ${id} is ${instance.State?.Name}; its schedule can no longer change`);
  const { set, remove } = scheduleToTags(schedule);
  const values = Object.fromEntries(set.map((t) => [t.Key, t.Value]));
  // Written first, then removals (a dropped AutoStop, the reconciler's stale ScheduleError).
  await aws(() => deps.ec2.setTags(id, values));
  await aws(() => deps.ec2.removeTags(id, remove));
  return vmRecord(deps, withTags(instance, values, remove));
}

export async function keepRunning(deps: VmApiDeps, id: string, issueKey: string, body: KeepRunningRequest): Promise<Vm> {
  const now = deps.now();
  const until = new Date(body.until);
  if (until.getTime() <= now.getTime()) throw new ApiError('VALIDATION_FAILED', 'until: must be in the future', 'until');
  if (until.getTime() - now.getTime() > KEEP_RUNNING_MAX_MS) throw new ApiError('VALIDATION_FAILED', 'until: must be at most 24 hours from now', 'until');

  const instance = await managed(deps, id, issueKey);
  const state = instance.State?.Name ?? 'pending';
  if (state === 'stopping' || GONE.has(state)) throw new ApiError('CONFLICT', `VM ${id} is ${state}; it cannot be kept running`);
  const value = until.toISOString();
  await aws(() => deps.ec2.setTags(id, { [Tag.KeepRunningUntil]: value }));
  let record = withTags(instance, { [Tag.KeepRunningUntil]: value });
  if (state === 'stopped') {
    const change = await aws(() => deps.ec2.start(id), { instanceType: instance.InstanceType });
    record = withState(record, change);
  }
  return vmRecord(deps, record);
}

/**
 * Park/unpark, "Keep this VM" and the idle-stop override, as tags the reconciler reads
 * (src/domain/reconcile-steps.ts): nothing else changes, so parking keeps the working hours.
 */
export async function updateLifecycle(deps: VmApiDeps, id: string, issueKey: string, body: LifecycleUpdate): Promise<Vm> {
  const instance = await managed(deps, id, issueKey);
  if (GONE.has(instance.State?.Name ?? '')) throw new ApiError('CONFLICT', `VM ${id} is ${instance.State?.Name}; its lifecycle can no longer change`);
  const now = deps.now().toISOString();
  const set: Record<string, string> = {};
  const remove: string[] = [];
  if (body.parked === true) set[Tag.ParkedAt] = instance.Tags?.find((t) => t.Key === Tag.ParkedAt)?.Value ?? now;
  if (body.parked === false) remove.push(Tag.ParkedAt);
  if (body.keep) set[Tag.KeptAt] = now;
  if (body.idleStopMinutes === null) remove.push(Tag.IdleStopMinutes);
  else if (body.idleStopMinutes !== undefined) set[Tag.IdleStopMinutes] = String(body.idleStopMinutes);
  if (Object.keys(set).length) await aws(() => deps.ec2.setTags(id, set));
  if (remove.length) await aws(() => deps.ec2.removeTags(id, remove));
  return vmRecord(deps, withTags(instance, set, remove));
}

/**
 * The issue's cost center changed (issue 13): the CostCenter tag of the instance and its EBS
 * volumes (one CreateTags/DeleteTags for all of them) and of the developer's EFS home follows it,
 * so Cost Explorer splits what the VM costs from now on by the new value; `null` removes the tag.
 * IAM lets this role write only that key on volumes and access points (lib/iam/vm-launch.ts,
 * provisioning-data.ts).
 */
export async function updateCostCenter(deps: VmApiDeps, id: string, issueKey: string, costCenter: string | null): Promise<Vm> {
  const instance = await managed(deps, id, issueKey);
  if (GONE.has(instance.State?.Name ?? '')) throw new ApiError('CONFLICT', `VM ${id} is ${instance.State?.Name}; its cost center can no longer change`);
  const volumes = (instance.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter((v): v is string => !!v);
  const resources = [id, ...volumes];
  if (costCenter === null) await aws(() => deps.ec2.untagResources(resources, [Tag.CostCenter]));
  else await aws(() => deps.ec2.tagResources(resources, { [Tag.CostCenter]: costCenter }));
  const developer = instance.Tags?.find((t) => t.Key === Tag.DeveloperName)?.Value;
  if (developer) {
    const efs = await ready(deps.efs);
    await aws(() => efs.retagHome(developer, costCenter));
  }
  deps.annotate?.({ costCenter: costCenter === null ? 'removed' : 'set', volumes: volumes.length });
  return vmRecord(deps, costCenter === null ? withTags(instance, {}, [Tag.CostCenter]) : withTags(instance, { [Tag.CostCenter]: costCenter }));
}

/** The admin's idle and stop rules, validated by the contract, into the one parameter the reconciler reads. */
export async function updatePolicy(deps: VmApiDeps, policy: IdlePolicy): Promise<IdlePolicy> {
  if (!deps.policy) throw new ApiError('NOT_FOUND', 'this VM API keeps no idle policy');
  const writer = await ready(deps.policy);
  await aws(() => writer.put(policy));
  deps.annotate?.({ idlePolicy: 'saved' });
  return policy;
}

export async function revokeDeveloper(deps: VmApiDeps, client: string, developer: string): Promise<RevokeResult> {
  const db = await deps.databases();
  try {
    await db.revoke({ client, developer });
  } catch (e) {
    throw toApiError(e);
  }
  return { client, developer, revoked: true };
}
