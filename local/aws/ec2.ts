import { createHash } from 'node:crypto';
import { ec2AccountOperation, requireLaunchResources } from './account-resources';
import { recordStateChange, recordTagChange } from './ec2-events';
import { instanceFilter } from './ec2-filters';
import { readTags } from './ec2-tags';
import type { ServiceContext } from './context';
import { AwsError, EC2_XMLNS, RawFailure, xmlResponse, type StandInRequest, type StandInResponse } from './protocol';
import { QueryParams } from './query';
import {
  hexId,
  INSTANCE_STATE_CODE,
  type AwsState,
  type Ec2Instance,
  type InstanceStateName,
  type StateReason,
} from './state';
import { document, leaf, list, node } from './xml';

/**
 * EC2 over the EC2 Query protocol: form-encoded `Action=…` requests, XML responses in the EC2
 * namespace with `item`-wrapped lists and a lower-camel `requestId`, errors as
 * `<Response><Errors><Error>`. Semantics follow EC2's documented behaviour where the project
 * depends on it: idempotent ClientToken, whole-call failure on an unknown id, state transitions
 * that take time, terminated instances listed for an hour.
 */

const TERMINATED_VISIBLE_MS = 60 * 60 * 1000;
const DEFAULT_SUBNET = 'subnet-0d0e0f0a0b0c0d0e0';
const USER_INITIATED: StateReason = { code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;

export function ec2Operation(req: StandInRequest): string {
  return QueryParams.parse(req.body.toString('utf8')).get('Action') ?? '';
}

export function handleEc2(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const p = QueryParams.parse(req.body.toString('utf8'));
  const action = p.get('Action') ?? '';
  advanceInstances(ctx.state, ctx.clock.now());
  const respond = (...children: string[]) => xmlResponse(req.requestId, document(`${action}Response`, EC2_XMLNS, leaf('requestId', req.requestId), ...children));
  switch (action) {
    case 'RunInstances':
      return respond(...runInstances(p, ctx));
    case 'DescribeInstances':
      return respond(...describeInstances(p, ctx));
    case 'StartInstances':
      return respond(instanceStateChanges(changeStates(p, ctx, 'start')));
    case 'StopInstances':
      return respond(instanceStateChanges(changeStates(p, ctx, 'stop')));
    case 'TerminateInstances':
      return respond(instanceStateChanges(changeStates(p, ctx, 'terminate')));
    case 'CreateTags':
      createTags(p, ctx);
      return respond(leaf('return', true));
    case 'DeleteTags':
      deleteTags(p, ctx.state, ctx.clock.now());
      return respond(leaf('return', true));
    default: {
      const account = ec2AccountOperation(action, p, ctx);
      if (account) return respond(...account);
      throw new AwsError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`, 400);
    }
  }
}

// ---------------------------------------------------------------- clock-driven state transitions

/** Applies every transition due at `now`, and forgets instances terminated over an hour ago. */
export function advanceInstances(state: AwsState, now: number): void {
  for (const [id, inst] of state.instances) {
    if (inst.transition && inst.transition.at <= now) completeTransition(state, inst, inst.transition.at);
    if (inst.state === 'terminated' && inst.terminatedAt !== undefined && inst.terminatedAt + TERMINATED_VISIBLE_MS <= now) {
      state.instances.delete(id);
    }
  }
}

/** Completes every pending transition at once, whatever the clock says. */
export function settleInstances(state: AwsState, now: number): void {
  for (const inst of state.instances.values()) if (inst.transition) completeTransition(state, inst, Math.min(inst.transition.at, now));
}

function completeTransition(state: AwsState, inst: Ec2Instance, at: number): void {
  const t = inst.transition;
  if (!t) return;
  inst.state = t.to;
  recordStateChange(state, inst, t.to, at);
  if (t.reason) {
    inst.stateReason = t.reason;
    inst.stateTransitionReason = t.reason.code.startsWith('Server.') ? t.reason.message : inst.stateTransitionReason;
  }
  if (t.to === 'running') inst.stateReason = undefined;
  if (t.to === 'terminated') inst.terminatedAt = at;
  inst.transition = undefined;
}

function schedule(inst: Ec2Instance, now: number, ctx: ServiceContext, via: InstanceStateName, to: InstanceStateName, reason?: StateReason): void {
  if (inst.state !== via) recordStateChange(ctx.state, inst, via, now);
  inst.state = via;
  inst.transition = { to, at: now + ctx.transitionMs, ...(reason ? { reason } : {}) };
}

// ---------------------------------------------------------------- seeding (no HTTP)

export interface SeedInstancesOptions {
  readonly count: number;
  readonly tags?: Readonly<Record<string, string>>;
  /** A settled state to start in (default running); a terminated one stays listed for an hour from now. */
  readonly state?: 'running' | 'stopped' | 'terminated';
  /** The ids to give them (`i-` + 8 or 17 hex digits, unused), one per instance; random otherwise. */
  readonly ids?: readonly string[];
  readonly instanceType?: string;
  readonly subnetId?: string;
  /** Launch time in epoch ms (default: the stand-in clock). */
  readonly launchTime?: number;
  /**
   * The ClientToken of the RunInstances call that launched them. A later RunInstances with this
   * token and any parameters fails with IdempotentParameterMismatch, as EC2 answers a retry whose
   * parameters differ from the first call's (a lost answer retried with another subnet):
   * https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html
   */
  readonly clientToken?: string;
}

/**
 * Puts instances straight into the state, for benchmarks and scheduler tests that need thousands
 * of VMs without thousands of RunInstances calls. They look exactly like launched ones.
 */
export function seedInstances(state: AwsState, now: number, o: SeedInstancesOptions): string[] {
  if (!Number.isInteger(o.count) || o.count < 1) throw new RangeError('seed count must be a positive integer');
  if (o.ids && o.ids.length !== o.count) throw new RangeError(`seed ids: ${o.ids.length} ids for ${o.count} instances`);
  const clash = o.ids?.find((id) => !INSTANCE_ID.test(id) || state.instances.has(id));
  if (clash) throw new RangeError(`seed ids: ${clash} is malformed or already in use`);
  if (o.clientToken && [...state.reservations.values()].some((r) => r.clientToken === o.clientToken)) throw new RangeError(`seed clientToken ${o.clientToken} already used`);
  const stopped = o.state === 'stopped' || o.state === 'terminated';
  const reservationId = hexId('r');
  const subnetId = o.subnetId ?? DEFAULT_SUBNET;
  const ids: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const n = state.counters.privateIp++;
    const inst: Ec2Instance = {
      instanceId: o.ids?.[i] ?? hexId('i'),
      reservationId,
      imageId: 'ami-0a1b2c3d4e5f60718',
      instanceType: o.instanceType ?? 't3.medium',
      subnetId,
      vpcId: `vpc-${createHash('sha256').update(`${state.accountId}/${state.region}`).digest('hex').slice(0, 17)}`,
      availabilityZone: `${state.region}a`,
      privateIpAddress: `10.0.${1 + (Math.floor(n / 250) % 254)}.${4 + (n % 250)}`,
      launchTime: o.launchTime ?? now,
      launchIndex: i,
      httpTokens: 'required',
      state: o.state ?? 'running',
      ...(stopped ? { stateReason: USER_INITIATED } : {}),
      ...(o.state === 'terminated' ? { terminatedAt: now } : {}),
      ...(o.clientToken ? { clientToken: o.clientToken } : {}),
      stateTransitionReason: stopped ? `User initiated (${gmt(now)})` : '',
      tags: new Map(Object.entries(o.tags ?? {})),
    };
    state.instances.set(inst.instanceId, inst);
    ids.push(inst.instanceId);
  }
  // No request had this fingerprint, so any RunInstances reusing the token is a mismatch.
  state.reservations.set(reservationId, { reservationId, instanceIds: ids, fingerprint: `seed:${reservationId}`, ...(o.clientToken ? { clientToken: o.clientToken } : {}) });
  return ids;
}

// ---------------------------------------------------------------- RunInstances

function runInstances(p: QueryParams, ctx: ServiceContext): string[] {
  const { state } = ctx;
  const now = ctx.clock.now();
  const clientToken = p.get('ClientToken');
  if (clientToken !== undefined && clientToken.length > 64) {
    throw new AwsError('InvalidParameterValue', 'Value for parameter clientToken is invalid. Client tokens are at most 64 characters.');
  }
  const fingerprint = p.fingerprint(['Action', 'Version']);
  if (clientToken) {
    const prior = [...state.reservations.values()].find((r) => r.clientToken === clientToken);
    if (prior) {
      if (prior.fingerprint !== fingerprint) {
        throw new AwsError('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
      }
      const instances = prior.instanceIds.map((id) => state.instances.get(id)).filter((i): i is Ec2Instance => i !== undefined);
      return reservationBody(prior.reservationId, state.accountId, instances);
    }
  }

  const minCount = p.int('MinCount');
  const maxCount = p.int('MaxCount');
  if (minCount === undefined) throw new AwsError('MissingParameter', 'The request must contain the parameter MinCount');
  if (maxCount === undefined) throw new AwsError('MissingParameter', 'The request must contain the parameter MaxCount');
  if (!(minCount >= 1) || !(maxCount >= minCount) || maxCount > 100) {
    throw new AwsError('InvalidParameterValue', `Invalid MinCount/MaxCount: ${p.get('MinCount')}/${p.get('MaxCount')}`);
  }

  const lt = p.struct('LaunchTemplate');
  const ltId = lt?.get('LaunchTemplateId');
  const ltName = lt?.get('LaunchTemplateName');
  if (lt && !ltId && !ltName) throw new AwsError('MissingParameter', 'The request must contain the parameter launchTemplateName or launchTemplateId');
  if (ltId !== undefined && !/^lt-[0-9a-f]{8,17}$/.test(ltId)) throw new AwsError('InvalidLaunchTemplateId.Malformed', `The launch template ID '${ltId}' is malformed.`);
  const imageIdParam = p.get('ImageId');
  if (!imageIdParam && !lt) throw new AwsError('MissingParameter', 'The request must contain the parameter ImageId');
  if (imageIdParam !== undefined && !/^ami-[0-9a-f]{8,17}$/.test(imageIdParam)) throw new AwsError('InvalidAMIID.Malformed', `Invalid id: "${imageIdParam}" (expecting "ami-...")`);
  // A launch template's image is not modelled; derive a stable fake AMI id from the template.
  const imageId = imageIdParam ?? `ami-${createHash('sha256').update(ltId ?? ltName ?? '').digest('hex').slice(0, 17)}`;

  const instanceType = p.get('InstanceType') ?? 't3.micro';
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(instanceType)) throw new AwsError('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);

  const subnetId = p.get('SubnetId') ?? DEFAULT_SUBNET;
  if (!/^subnet-[0-9a-f]{8,17}$/.test(subnetId)) throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  // Without a SubnetId, EC2 uses the default VPC (which emulators also start with).
  const strictVpcId = requireLaunchResources(ctx, p.get('SubnetId'), lt ? { ...(ltId ? { id: ltId } : {}), ...(ltName ? { name: ltName } : {}) } : undefined);

  const userData = p.get('UserData');
  if (userData !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(userData)) throw new AwsError('InvalidParameterValue', 'Invalid BASE64 encoding of user data.');
    if (userData.length > 21848) throw new AwsError('InvalidParameterValue', 'User data is limited to 16384 bytes');
  }

  const iamInstanceProfileArn = resolveInstanceProfile(p, state);
  const httpTokens = p.get('MetadataOptions.HttpTokens') === 'required' ? 'required' : 'optional';

  const instanceTags = new Map<string, string>();
  const volumeTags = new Map<string, string>();
  for (const spec of p.members('TagSpecification')) {
    const type = spec.get('ResourceType');
    if (!type) throw new AwsError('InvalidParameterValue', 'TagSpecification.ResourceType is required');
    const tags = readTags(spec.members('Tag'), true);
    if (type === 'instance') for (const [k, v] of tags) instanceTags.set(k, v);
    if (type === 'volume') for (const [k, v] of tags) volumeTags.set(k, v);
  }
  if (lt) {
    // EC2 itself tags instances launched from a template with the template id and version.
    instanceTags.set('aws:ec2launchtemplate:id', ltId ?? `lt-${createHash('sha256').update(ltName ?? '').digest('hex').slice(0, 17)}`);
    const version = lt.get('Version');
    instanceTags.set('aws:ec2launchtemplate:version', version && /^\d+$/.test(version) ? version : '1');
  }

  const reservationId = hexId('r');
  const az = `${state.region}${'abc'[parseInt(createHash('sha256').update(subnetId).digest('hex').slice(0, 2), 16) % 3]}`;
  const vpcId = strictVpcId ?? `vpc-${createHash('sha256').update(`${state.accountId}/${state.region}`).digest('hex').slice(0, 17)}`;
  const launched: Ec2Instance[] = [];
  for (let i = 0; i < maxCount; i++) {
    const n = state.counters.privateIp++;
    const inst: Ec2Instance = {
      instanceId: hexId('i'),
      reservationId,
      imageId,
      instanceType,
      subnetId,
      vpcId,
      availabilityZone: az,
      privateIpAddress: `10.0.${1 + Math.floor(n / 250) % 254}.${4 + (n % 250)}`,
      launchTime: now,
      launchIndex: i,
      ...(clientToken ? { clientToken } : {}),
      ...(lt ? { launchTemplate: { id: instanceTags.get('aws:ec2launchtemplate:id') as string, version: lt.get('Version') ?? '$Default' } } : {}),
      ...(iamInstanceProfileArn ? { iamInstanceProfileArn } : {}),
      ...(userData !== undefined ? { userData } : {}),
      httpTokens,
      state: 'pending',
      stateTransitionReason: '',
      tags: new Map(instanceTags),
      rootVolume: { volumeId: hexId('vol'), tags: new Map(volumeTags) },
    };
    schedule(inst, now, ctx, 'pending', 'running');
    state.instances.set(inst.instanceId, inst);
    launched.push(inst);
  }
  state.reservations.set(reservationId, {
    reservationId,
    instanceIds: launched.map((i) => i.instanceId),
    ...(clientToken ? { clientToken } : {}),
    fingerprint,
  });
  return reservationBody(reservationId, state.accountId, launched);
}

function resolveInstanceProfile(p: QueryParams, state: AwsState): string | undefined {
  const arn = p.get('IamInstanceProfile.Arn');
  const name = p.get('IamInstanceProfile.Name');
  if (arn === undefined && name === undefined) return undefined;
  // EC2 checks the profile exists in IAM; the stand-in's IAM is the same account.
  const profile = [...state.instanceProfiles.values()].find((ip) => (arn !== undefined ? ip.arn === arn : ip.instanceProfileName === name));
  if (!profile) {
    const which = arn !== undefined ? `Value (${arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN` : `Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`;
    throw new AwsError('InvalidParameterValue', which);
  }
  return profile.arn;
}

// ---------------------------------------------------------------- DescribeInstances

interface PageToken {
  readonly offset: number;
  readonly query: string;
}

function describeInstances(p: QueryParams, ctx: ServiceContext): string[] {
  const { state } = ctx;
  const ids = p.list('InstanceId');
  const maxResults = p.int('MaxResults');
  if (ids.length && maxResults !== undefined) {
    throw new AwsError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  if (maxResults !== undefined && !(maxResults >= 5 && maxResults <= 1000)) {
    throw new AwsError('InvalidParameterValue', `Value ( ${p.get('MaxResults')} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  }
  requireKnownIds(ids, state);
  const filters = p.members('Filter').map((f) => toFilter(f, ctx));
  const matching = [...state.instances.values()].filter((i) => (ids.length === 0 || ids.includes(i.instanceId)) && filters.every((f) => f(i)));

  // The token binds the query it came from, as EC2's does: reusing it with other filters is an error.
  const queryKey = p.fingerprint(['Action', 'Version', 'NextToken']);
  let offset = 0;
  const tokenText = p.get('NextToken');
  if (tokenText) {
    const token = decodeToken(tokenText);
    if (!token || token.query !== queryKey) throw new AwsError('InvalidParameterValue', 'The pagination token is invalid for this request.');
    offset = token.offset;
  }
  const page = maxResults === undefined ? matching.slice(offset) : matching.slice(offset, offset + maxResults);
  const nextOffset = offset + page.length;
  const next = maxResults !== undefined && nextOffset < matching.length ? encodeToken({ offset: nextOffset, query: queryKey }) : undefined;

  const byReservation = new Map<string, Ec2Instance[]>();
  for (const inst of page) {
    const group = byReservation.get(inst.reservationId);
    if (group) group.push(inst);
    else byReservation.set(inst.reservationId, [inst]);
  }
  return [
    list('reservationSet', 'item', [...byReservation], ([rid, insts]) => reservationBody(rid, state.accountId, insts).join('')),
    leaf('nextToken', next),
  ];
}

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(text: string): PageToken | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (v && typeof v === 'object' && typeof (v as PageToken).offset === 'number' && typeof (v as PageToken).query === 'string') return v as PageToken;
  } catch {
    // not one of ours
  }
  return undefined;
}

function toFilter(f: QueryParams, ctx: ServiceContext): (i: Ec2Instance) => boolean {
  const name = f.get('Name') ?? '';
  if (ctx.motoCompatible && name === 'client-token') {
    // Valid on AWS; moto 5 raises NotImplementedError, answered as a plain-text HTTP 500.
    const body = `NotImplementedError: Filter dicts have not been implemented in Moto for '${name}' yet. Feel free to open an issue at https://github.com/getmoto/moto/issues`;
    throw new RawFailure({ status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });
  }
  return instanceFilter({ name, values: f.list('Value') });
}

// ---------------------------------------------------------------- Start / Stop / Terminate

interface StateChange {
  readonly instanceId: string;
  readonly previous: InstanceStateName;
  readonly current: InstanceStateName;
}

const OPERATION_OF = { start: 'StartInstances', stop: 'StopInstances', terminate: 'TerminateInstances' } as const;

function changeStates(p: QueryParams, ctx: ServiceContext, verb: 'start' | 'stop' | 'terminate'): StateChange[] {
  const { state } = ctx;
  const ids = p.list('InstanceId');
  if (ids.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
  const instances = requireKnownIds(ids, state);
  const refused = ctx.faults.takeInstanceFault(OPERATION_OF[verb], ids);
  if (refused) throw refused;
  // EC2 validates the whole call before changing anything: one bad instance fails all of them.
  for (const inst of instances) {
    if (verb === 'start' && ['stopping', 'shutting-down', 'terminated'].includes(inst.state)) {
      throw new AwsError('IncorrectInstanceState', `The instance '${inst.instanceId}' is not in a state from which it can be started.`);
    }
    if (verb === 'stop' && ['pending', 'shutting-down', 'terminated'].includes(inst.state)) {
      throw new AwsError('IncorrectInstanceState', `This instance '${inst.instanceId}' is not in a state from which it can be stopped.`);
    }
  }
  if (verb === 'start') {
    for (const inst of instances) {
      if (inst.state === 'stopped' && ctx.faults.takeCapacityFailure(inst.instanceId)) {
        throw new AwsError(
          'InsufficientInstanceCapacity',
          `We currently do not have sufficient ${inst.instanceType} capacity in the Availability Zone you requested (${inst.availabilityZone}). Our system will be working on provisioning additional capacity.`,
          500,
        );
      }
    }
  }
  const now = ctx.clock.now();
  return instances.map((inst) => {
    const previous = inst.state;
    if (verb === 'start' && previous === 'stopped') {
      const fallback = ctx.faults.takeStartFallback(inst.instanceId);
      inst.stateTransitionReason = '';
      // "LaunchTime: the time that the instance was last launched": a start launches it again
      // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html).
      inst.launchTime = now;
      schedule(inst, now, ctx, 'pending', fallback ? 'stopped' : 'running', fallback);
    } else if (verb === 'stop' && previous === 'running') {
      inst.stateTransitionReason = `User initiated (${gmt(now)})`;
      schedule(inst, now, ctx, 'stopping', 'stopped', USER_INITIATED);
    } else if (verb === 'terminate' && previous !== 'terminated' && previous !== 'shutting-down') {
      inst.stateTransitionReason = `User initiated (${gmt(now)})`;
      schedule(inst, now, ctx, 'shutting-down', 'terminated', USER_INITIATED);
    }
    return { instanceId: inst.instanceId, previous, current: inst.state };
  });
}

function gmt(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} GMT`;
}

function requireKnownIds(ids: readonly string[], state: AwsState): Ec2Instance[] {
  const malformed = ids.filter((id) => !INSTANCE_ID.test(id));
  if (malformed.length) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${malformed[0]}"`);
  const missing = ids.filter((id) => !state.instances.has(id));
  if (missing.length === 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
  return ids.map((id) => state.instances.get(id) as Ec2Instance);
}

// ---------------------------------------------------------------- tags

function createTags(p: QueryParams, ctx: ServiceContext): void {
  const { state } = ctx;
  const now = ctx.clock.now();
  const ids = p.list('ResourceId');
  if (ids.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  const tags = readTags(p.members('Tag'), true);
  if (tags.size === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter tagSet');
  const volumes = requireVolumes(ids, state);
  const instances = requireResources(ids.filter((id) => !id.startsWith('vol-')), state);
  const refused = ctx.faults.takeInstanceFault('CreateTags', ids);
  if (refused) throw refused;
  for (const holder of [...instances, ...volumes]) {
    const merged = new Map([...holder.tags, ...tags]);
    if (merged.size > 50 + [...merged.keys()].filter((k) => k.startsWith('aws:')).length) {
      throw new AwsError('TagLimitExceeded', `The maximum number of tags (50) for resource ${'instanceId' in holder ? holder.instanceId : holder.volumeId} has been reached.`);
    }
  }
  for (const vol of volumes) for (const [k, v] of tags) vol.tags.set(k, v);
  for (const inst of instances) {
    const changed = [...tags].filter(([k, v]) => inst.tags.get(k) !== v).map(([k]) => k);
    for (const [k, v] of tags) inst.tags.set(k, v);
    recordTagChange(state, inst, changed, now);
  }
}

function deleteTags(p: QueryParams, state: AwsState, now: number): void {
  const ids = p.list('ResourceId');
  if (ids.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter resourceIdSet');
  const volumes = requireVolumes(ids, state);
  const instances = requireResources(ids.filter((id) => !id.startsWith('vol-')), state);
  const entries = p.members('Tag');
  for (const vol of volumes) deleteFrom(vol, entries);
  for (const inst of instances) {
    const before = new Set(inst.tags.keys());
    deleteFrom(inst, entries);
    recordTagChange(state, inst, [...before].filter((k) => !inst.tags.has(k)), now);
  }
}

function deleteFrom(inst: { readonly tags: Map<string, string> }, entries: ReturnType<QueryParams['members']>): void {
  if (entries.length === 0) {
    // No Tag parameter: EC2 deletes every user tag (aws: tags are not the user's to delete).
    for (const k of [...inst.tags.keys()]) if (!k.startsWith('aws:')) inst.tags.delete(k);
    return;
  }
  for (const t of entries) {
    const key = t.get('Key');
    if (!key) throw new AwsError('InvalidParameterValue', 'Tag key must not be empty');
    if (key.startsWith('aws:')) throw new AwsError('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
    // A Value, even empty, deletes the tag only when it matches.
    if (!t.has('Value') || inst.tags.get(key) === t.get('Value')) inst.tags.delete(key);
  }
}

/** The root volumes named among `ids` (the stand-in's only volumes); an unknown volume id fails the whole call, as EC2's does. */
function requireVolumes(ids: readonly string[], state: AwsState): { readonly volumeId: string; readonly tags: Map<string, string> }[] {
  const out: { readonly volumeId: string; readonly tags: Map<string, string> }[] = [];
  for (const id of ids.filter((x) => x.startsWith('vol-'))) {
    const volume = [...state.instances.values()].find((i) => i.rootVolume?.volumeId === id)?.rootVolume;
    if (!volume) throw new AwsError('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
    out.push(volume);
  }
  return out;
}

function requireResources(ids: readonly string[], state: AwsState): Ec2Instance[] {
  const other = ids.find((id) => !id.startsWith('i-'));
  if (other) throw new AwsError('InvalidID', `The ID '${other}' is not valid (the stand-in tags instances and their root volumes only)`);
  return requireKnownIds(ids, state);
}

// ---------------------------------------------------------------- rendering

function reservationBody(reservationId: string, ownerId: string, instances: readonly Ec2Instance[]): string[] {
  return [leaf('reservationId', reservationId), leaf('ownerId', ownerId), node('groupSet'), list('instancesSet', 'item', instances, instanceXml)];
}

function stateXml(name: string, s: InstanceStateName): string {
  return node(name, leaf('code', INSTANCE_STATE_CODE[s]), leaf('name', s));
}

function instanceXml(i: Ec2Instance): string {
  return [
    leaf('instanceId', i.instanceId),
    leaf('imageId', i.imageId),
    stateXml('instanceState', i.state),
    leaf('privateDnsName', `ip-${i.privateIpAddress.replace(/\./g, '-')}.${i.availabilityZone.slice(0, -1)}.compute.internal`),
    node('dnsName'),
    leaf('reason', i.stateTransitionReason),
    leaf('amiLaunchIndex', i.launchIndex),
    node('productCodes'),
    leaf('instanceType', i.instanceType),
    leaf('launchTime', new Date(i.launchTime).toISOString()),
    node('placement', leaf('availabilityZone', i.availabilityZone), node('groupName'), leaf('tenancy', 'default')),
    node('monitoring', leaf('state', 'disabled')),
    leaf('subnetId', i.subnetId),
    leaf('vpcId', i.vpcId),
    leaf('privateIpAddress', i.privateIpAddress),
    node('groupSet'),
    i.stateReason ? node('stateReason', leaf('code', i.stateReason.code), leaf('message', i.stateReason.message)) : '',
    leaf('architecture', 'x86_64'),
    leaf('rootDeviceType', 'ebs'),
    leaf('rootDeviceName', '/dev/xvda'),
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceBlockDeviceMapping.html
    i.rootVolume
      ? list('blockDeviceMapping', 'item', [i.rootVolume], (v) =>
          leaf('deviceName', '/dev/xvda') + node('ebs', leaf('volumeId', v.volumeId), leaf('status', 'attached'), leaf('attachTime', new Date(i.launchTime).toISOString()), leaf('deleteOnTermination', true)),
        )
      : '',
    leaf('virtualizationType', 'hvm'),
    leaf('clientToken', i.clientToken ?? ''),
    i.tags.size ? list('tagSet', 'item', [...i.tags], ([k, v]) => leaf('key', k) + leaf('value', v)) : '',
    i.iamInstanceProfileArn ? node('iamInstanceProfile', leaf('arn', i.iamInstanceProfileArn), leaf('id', `AIPA${createHash('sha256').update(i.iamInstanceProfileArn).digest('hex').slice(0, 17).toUpperCase()}`)) : '',
    leaf('ebsOptimized', false),
    node('metadataOptions', leaf('state', 'applied'), leaf('httpTokens', i.httpTokens), leaf('httpPutResponseHopLimit', 2), leaf('httpEndpoint', 'enabled')),
  ].join('');
}

function instanceStateChanges(changes: readonly StateChange[]): string {
  return list('instancesSet', 'item', changes, (c) => leaf('instanceId', c.instanceId) + stateXml('currentState', c.current) + stateXml('previousState', c.previous));
}
