import { createHash, randomUUID } from 'node:crypto';
import type { ServiceContext } from './context';
import { readTags } from './ec2-tags';
import { optBoolean, optString, readTagList, reqString, tagList, type JsonObject } from './json-input';
import { AwsError, jsonResponse, type StandInRequest, type StandInResponse } from './protocol';
import type { QueryParams } from './query';
import { hexId, iamUniqueId, isoSeconds, type AwsState, type FileSystem, type LaunchTemplate, type ManagedPolicy, type Subnet, type Vpc } from './state';
import { leaf, list, node } from './xml';

/**
 * The account resources the CDK stack creates and the Lambdas only name by id: a VPC and its
 * subnets, launch templates, customer managed IAM policies, an EFS file system, an S3 bucket and an
 * event bus. With `strictResources` the stand-in refuses ids that were never created, as AWS and
 * emulators do, so the preview's emulator bootstrap (scripts/preview/emulator-bootstrap.ts) is
 * proved against an EMPTY stand-in; without it they spring into being on first use (the in-process
 * preview and the unit tests). Shapes follow the EC2, IAM, EFS and EventBridge API references.
 */

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-8])$/;
const tagSetXml = (tags: ReadonlyMap<string, string>) => (tags.size ? list('tagSet', 'item', [...tags], ([k, v]) => leaf('key', k) + leaf('value', v)) : '');

function specTags(p: QueryParams, resourceType: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of p.members('TagSpecification')) if (spec.get('ResourceType') === resourceType) for (const [k, v] of readTags(spec.members('Tag'), true)) out.set(k, v);
  return out;
}

/** EC2 filters over a resource's fields and tags (`tag:Key`), with `*`/`?` wildcards. */
function filtered<T extends { tags: ReadonlyMap<string, string> }>(items: Iterable<T>, p: QueryParams, fields: Record<string, (x: T) => string | undefined>): T[] {
  const tests = p.members('Filter').map((f) => {
    const name = f.get('Name') ?? '';
    const res = f.list('Value').map((v) => new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's'));
    const match = (s: string | undefined) => s !== undefined && res.some((r) => r.test(s));
    if (name.startsWith('tag:')) return (x: T) => match(x.tags.get(name.slice(4)));
    const get = fields[name];
    if (!get) throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`);
    return (x: T) => match(get(x));
  });
  return [...items].filter((x) => tests.every((t) => t(x)));
}

/** XML children of an EC2 account-resource response, or undefined when `action` is not one. */
export function ec2AccountOperation(action: string, p: QueryParams, ctx: ServiceContext): string[] | undefined {
  const { state } = ctx;
  switch (action) {
    case 'CreateVpc': {
      const cidrBlock = p.get('CidrBlock') ?? '';
      if (!CIDR.test(cidrBlock)) throw new AwsError('InvalidParameterValue', `Value (${cidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
      const vpc: Vpc = { vpcId: hexId('vpc'), cidrBlock, tags: specTags(p, 'vpc') };
      state.vpcs.set(vpc.vpcId, vpc);
      return [node('vpc', vpcXml(vpc))];
    }
    case 'DescribeVpcs': {
      const ids = p.list('VpcId');
      for (const id of ids) if (!state.vpcs.has(id)) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
      const vpcs = filtered(ids.length ? ids.map((id) => state.vpcs.get(id) as Vpc) : state.vpcs.values(), p, { 'vpc-id': (v) => v.vpcId, 'cidr-block': (v) => v.cidrBlock });
      return [list('vpcSet', 'item', vpcs, vpcXml)];
    }
    case 'CreateSubnet': {
      const vpcId = p.get('VpcId') ?? '';
      if (!state.vpcs.has(vpcId)) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
      const cidrBlock = p.get('CidrBlock') ?? '';
      if (!CIDR.test(cidrBlock)) throw new AwsError('InvalidParameterValue', `Value (${cidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
      if ([...state.subnets.values()].some((s) => s.vpcId === vpcId && s.cidrBlock === cidrBlock)) throw new AwsError('InvalidSubnet.Conflict', `The CIDR '${cidrBlock}' conflicts with another subnet`);
      const subnet: Subnet = { subnetId: hexId('subnet'), vpcId, cidrBlock, availabilityZone: p.get('AvailabilityZone') ?? `${state.region}a`, tags: specTags(p, 'subnet') };
      state.subnets.set(subnet.subnetId, subnet);
      return [node('subnet', subnetXml(subnet))];
    }
    case 'DescribeSubnets': {
      const ids = p.list('SubnetId');
      for (const id of ids) if (!state.subnets.has(id)) throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
      const subnets = filtered(ids.length ? ids.map((id) => state.subnets.get(id) as Subnet) : state.subnets.values(), p, { 'vpc-id': (s) => s.vpcId, 'subnet-id': (s) => s.subnetId });
      return [list('subnetSet', 'item', subnets, subnetXml)];
    }
    case 'CreateLaunchTemplate': {
      const name = p.get('LaunchTemplateName') ?? '';
      if (!/^[a-zA-Z0-9().\-/_]{3,128}$/.test(name)) throw new AwsError('InvalidLaunchTemplateName.MalformedException', `The launch template name '${name}' is malformed.`);
      if ([...state.launchTemplates.values()].some((t) => t.launchTemplateName === name)) {
        throw new AwsError('InvalidLaunchTemplateName.AlreadyExistsException', `Launch template name already in use.`);
      }
      const imageId = p.get('LaunchTemplateData.ImageId');
      const lt: LaunchTemplate = { launchTemplateId: hexId('lt'), launchTemplateName: name, createTime: ctx.clock.now(), tags: specTags(p, 'launch-template'), ...(imageId ? { imageId } : {}) };
      state.launchTemplates.set(lt.launchTemplateId, lt);
      return [node('launchTemplate', launchTemplateXml(lt))];
    }
    case 'DescribeLaunchTemplates': {
      const ids = p.list('LaunchTemplateId');
      const names = p.list('LaunchTemplateName');
      const all = [...state.launchTemplates.values()];
      for (const id of ids) if (!state.launchTemplates.has(id)) throw new AwsError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
      for (const n of names) if (!all.some((t) => t.launchTemplateName === n)) throw new AwsError('InvalidLaunchTemplateName.NotFoundException', 'At least one of the launch templates specified in the request does not exist.');
      const chosen = ids.length || names.length ? all.filter((t) => ids.includes(t.launchTemplateId) || names.includes(t.launchTemplateName)) : all;
      const templates = filtered(chosen, p, { 'launch-template-name': (t) => t.launchTemplateName });
      return [list('launchTemplates', 'item', templates, launchTemplateXml)];
    }
    default:
      return undefined;
  }
}

const vpcXml = (v: Vpc) => leaf('vpcId', v.vpcId) + leaf('cidrBlock', v.cidrBlock) + leaf('state', 'available') + tagSetXml(v.tags);
const subnetXml = (s: Subnet) =>
  leaf('subnetId', s.subnetId) + leaf('vpcId', s.vpcId) + leaf('cidrBlock', s.cidrBlock) + leaf('availabilityZone', s.availabilityZone) + leaf('state', 'available') + tagSetXml(s.tags);
const launchTemplateXml = (t: LaunchTemplate) =>
  leaf('launchTemplateId', t.launchTemplateId) +
  leaf('launchTemplateName', t.launchTemplateName) +
  leaf('createTime', isoSeconds(t.createTime)) +
  leaf('defaultVersionNumber', 1) +
  leaf('latestVersionNumber', 1) +
  tagSetXml(t.tags);

/** RunInstances in strict mode: the subnet and the launch template must exist, as on AWS. */
export function requireLaunchResources(ctx: ServiceContext, subnetId: string | undefined, launchTemplate: { id?: string; name?: string } | undefined): string | undefined {
  if (!ctx.strictResources) return undefined;
  if (subnetId !== undefined && !ctx.state.subnets.has(subnetId)) throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
  const vpcId = subnetId === undefined ? undefined : ctx.state.subnets.get(subnetId)?.vpcId;
  if (!launchTemplate) return vpcId;
  const lt = [...ctx.state.launchTemplates.values()].find((t) => t.launchTemplateId === launchTemplate.id || t.launchTemplateName === launchTemplate.name);
  if (!lt) {
    throw launchTemplate.id !== undefined
      ? new AwsError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${launchTemplate.id}, does not exist.`)
      : new AwsError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${launchTemplate.name}, does not exist.`);
  }
  return vpcId;
}

// ---------------------------------------------------------------- IAM managed policies

/** `<XResult>` children of an IAM policy operation, or undefined when `action` is not one. */
export function iamPolicyOperation(action: string, p: QueryParams, ctx: ServiceContext): string[] | undefined {
  const { state } = ctx;
  switch (action) {
    case 'CreatePolicy': {
      const policyName = p.get('PolicyName') ?? '';
      if (!/^[\w+=,.@-]{1,128}$/.test(policyName)) throw new AwsError('ValidationError', `1 validation error detected: Value '${policyName}' at 'policyName' failed to satisfy constraint`);
      const path = p.get('Path') ?? '/';
      const document = p.get('PolicyDocument') ?? '';
      try {
        JSON.parse(document);
      } catch {
        throw new AwsError('MalformedPolicyDocument', 'Syntax errors in policy.');
      }
      const arn = `arn:aws:iam::${state.accountId}:policy${path}${policyName}`;
      if (state.policies.has(arn)) throw new AwsError('EntityAlreadyExists', `A policy called ${policyName} already exists. Duplicate names are not allowed.`, 409);
      const policy: ManagedPolicy = { arn, policyName, path, document, policyId: iamUniqueId('ANPA'), createDate: ctx.clock.now() };
      state.policies.set(arn, policy);
      return [node('Policy', policyXml(policy))];
    }
    case 'GetPolicy':
      return [node('Policy', policyXml(requirePolicy(state, p.get('PolicyArn') ?? '')))];
    case 'ListPolicies': {
      const prefix = p.get('PathPrefix') ?? '/';
      const scope = p.get('Scope') ?? 'All';
      const policies = scope === 'AWS' ? [] : [...state.policies.values()].filter((x) => x.path.startsWith(prefix));
      return [list('Policies', 'member', policies, policyXml), leaf('IsTruncated', false)];
    }
    default:
      return undefined;
  }
}

const policyXml = (x: ManagedPolicy) =>
  leaf('PolicyName', x.policyName) +
  leaf('PolicyId', x.policyId) +
  leaf('Arn', x.arn) +
  leaf('Path', x.path) +
  leaf('DefaultVersionId', 'v1') +
  leaf('AttachmentCount', 0) +
  leaf('IsAttachable', true) +
  leaf('CreateDate', isoSeconds(x.createDate)) +
  leaf('UpdateDate', isoSeconds(x.createDate));

function requirePolicy(state: AwsState, arn: string): ManagedPolicy {
  const policy = state.policies.get(arn);
  if (!policy) throw new AwsError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`, 404);
  return policy;
}

/**
 * AttachRolePolicy and CreateRole's PermissionsBoundary in strict mode: a customer managed policy
 * must exist (AWS managed `arn:aws:iam::aws:policy/…` ones are taken as existing).
 */
export function requireAttachablePolicy(ctx: ServiceContext, arn: string): void {
  if (!ctx.strictResources || /^arn:aws[\w-]*:iam::aws:policy\//.test(arn)) return;
  requirePolicy(ctx.state, arn);
}

// ---------------------------------------------------------------- EFS file systems

const FS_BASE = '/2015-02-01/file-systems';

export function efsFileSystemOperation(req: StandInRequest): string | undefined {
  if (req.rawPath !== FS_BASE) return undefined;
  if (req.method === 'POST') return 'CreateFileSystem';
  if (req.method === 'GET') return 'DescribeFileSystems';
  return undefined;
}

export function handleEfsFileSystems(req: StandInRequest, body: JsonObject, ctx: ServiceContext): StandInResponse {
  const { state } = ctx;
  if (efsFileSystemOperation(req) === 'CreateFileSystem') {
    const creationToken = reqString(body, 'CreationToken');
    const existing = [...state.fileSystemDetails.values()].find((f) => f.creationToken === creationToken);
    if (existing) throw new AwsError('FileSystemAlreadyExists', 'File system already exists with the specified creation token.', 409, { FileSystemId: existing.fileSystemId });
    const fsId = `fs-${createHash('sha256').update(`${state.accountId}/${creationToken}/${randomUUID()}`).digest('hex').slice(0, 17)}`;
    const f: FileSystem = { fileSystemId: fsId, creationToken, createdAt: ctx.clock.now(), tags: readTagList(body, 'Tags') };
    state.fileSystemDetails.set(fsId, f);
    state.fileSystems.add(fsId);
    return jsonResponse(req.requestId, 'application/json', fileSystemJson(f, state, optBoolean(body, 'Encrypted') ?? false), 201);
  }
  const id = req.query.get('FileSystemId');
  const token = req.query.get('CreationToken');
  if (id && !state.fileSystems.has(id)) throw new AwsError('FileSystemNotFound', `File system '${id}' does not exist.`, 404);
  const all = [...state.fileSystemDetails.values()].filter((f) => (!id || f.fileSystemId === id) && (!token || f.creationToken === token));
  return jsonResponse(req.requestId, 'application/json', { FileSystems: all.map((f) => fileSystemJson(f, state, true)) });
}

function fileSystemJson(f: FileSystem, state: AwsState, encrypted: boolean): Record<string, unknown> {
  return {
    OwnerId: state.accountId,
    CreationToken: f.creationToken,
    FileSystemId: f.fileSystemId,
    FileSystemArn: `arn:aws:elasticfilesystem:${state.region}:${state.accountId}:file-system/${f.fileSystemId}`,
    CreationTime: f.createdAt / 1000,
    LifeCycleState: 'available',
    NumberOfMountTargets: 0,
    SizeInBytes: { Value: 0 },
    PerformanceMode: 'generalPurpose',
    ThroughputMode: 'elastic',
    Encrypted: encrypted,
    Tags: tagList(f.tags),
  };
}

// ---------------------------------------------------------------- EventBridge buses

export function handleEventBus(op: string, req: StandInRequest, body: JsonObject, ctx: ServiceContext): StandInResponse {
  const { state } = ctx;
  const name = op === 'DescribeEventBus' ? (optString(body, 'Name') ?? 'default') : reqString(body, 'Name');
  const arn = `arn:aws:events:${state.region}:${state.accountId}:event-bus/${name}`;
  if (op === 'CreateEventBus') {
    if (name === 'default' || state.eventBuses.has(name)) throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    state.eventBuses.add(name);
    return jsonResponse(req.requestId, 'application/x-amz-json-1.1', { EventBusArn: arn });
  }
  if (!eventBusExists(state, name)) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
  return jsonResponse(req.requestId, 'application/x-amz-json-1.1', { Name: name, Arn: arn });
}

export function eventBusExists(state: AwsState, nameOrArn: string): boolean {
  const name = nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
  return name === 'default' || state.eventBuses.has(name);
}
