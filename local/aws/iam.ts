import { iamPolicyOperation, requireAttachablePolicy } from './account-resources';
import type { ServiceContext } from './context';
import { AwsError, IAM_XMLNS, xmlResponse, type StandInRequest, type StandInResponse } from './protocol';
import { QueryParams } from './query';
import { iamUniqueId, isoSeconds, type AwsState, type IamInstanceProfile, type IamRole } from './state';
import { document, leaf, list, node } from './xml';

/**
 * IAM over the AWS Query protocol: responses wrap the output in `<XResponse><XResult>` plus
 * `<ResponseMetadata>`, lists use `member`, errors are `<ErrorResponse><Error><Type>Sender…`.
 * IAM is global, so ARNs carry no region.
 */

const NAME = /^[\w+=,.@-]{1,64}$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;

export function iamOperation(req: StandInRequest): string {
  return QueryParams.parse(req.body.toString('utf8')).get('Action') ?? '';
}

export function handleIam(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const p = QueryParams.parse(req.body.toString('utf8'));
  const action = p.get('Action') ?? '';
  const { state } = ctx;
  const respond = (...result: string[]) =>
    xmlResponse(
      req.requestId,
      document(`${action}Response`, IAM_XMLNS, result.length ? node(`${action}Result`, ...result) : '', node('ResponseMetadata', leaf('RequestId', req.requestId))),
    );
  switch (action) {
    case 'GetRole':
      return respond(roleXml(requireRole(state, required(p, 'RoleName'))));
    case 'CreateRole':
      return respond(roleXml(createRole(p, ctx)));
    case 'TagRole': {
      const role = requireRole(state, required(p, 'RoleName'));
      const tags = readTags(p);
      if (new Map([...role.tags, ...tags]).size > 50) throw new AwsError('LimitExceeded', 'Cannot exceed quota for TagsPerRole: 50', 409);
      for (const [k, v] of tags) role.tags.set(k, v);
      return respond();
    }
    case 'AttachRolePolicy': {
      const role = requireRole(state, required(p, 'RoleName'));
      const arn = required(p, 'PolicyArn');
      if (!/^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/.+/.test(arn)) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`);
      requireAttachablePolicy(ctx, arn);
      if (!role.attachedPolicyArns.includes(arn)) role.attachedPolicyArns.push(arn);
      return respond();
    }
    case 'ListAttachedRolePolicies': {
      const role = requireRole(state, required(p, 'RoleName'));
      const prefix = p.get('PathPrefix') ?? '/';
      const all = role.attachedPolicyArns.filter((a) => policyPath(a).startsWith(prefix));
      const { page, marker } = paginate(all, p);
      return respond(
        list('AttachedPolicies', 'member', page, (a) => leaf('PolicyName', a.slice(a.lastIndexOf('/') + 1)) + leaf('PolicyArn', a)),
        leaf('IsTruncated', marker !== undefined),
        leaf('Marker', marker),
      );
    }
    case 'GetInstanceProfile':
      return respond(instanceProfileXml(requireProfile(state, required(p, 'InstanceProfileName')), state));
    case 'CreateInstanceProfile':
      return respond(instanceProfileXml(createInstanceProfile(p, ctx), state));
    case 'AddRoleToInstanceProfile': {
      const profile = requireProfile(state, required(p, 'InstanceProfileName'));
      const roleName = required(p, 'RoleName');
      requireRole(state, roleName);
      if (profile.roleNames.length >= 1) throw new AwsError('LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1', 409);
      profile.roleNames.push(roleName);
      return respond();
    }
    default: {
      const policy = iamPolicyOperation(action, p, ctx);
      if (policy) return respond(...policy);
      throw new AwsError('InvalidAction', `Could not find operation ${action || '(none)'} for version 2010-05-08`, 400);
    }
  }
}

function required(p: QueryParams, key: string): string {
  const v = p.get(key);
  if (v === undefined || v === '') throw new AwsError('ValidationError', `1 validation error detected: Value null at '${key[0]?.toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

function validName(kind: string, key: string, v: string): string {
  if (!NAME.test(v)) throw new AwsError('ValidationError', `1 validation error detected: Value '${v}' at '${key}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ (${kind})`);
  return v;
}

function validPath(v: string | undefined): string {
  const path = v ?? '/';
  if (!PATH.test(path) || path.length > 512) throw new AwsError('ValidationError', `1 validation error detected: Value '${path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)`);
  return path;
}

function readTags(p: QueryParams): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of p.members('Tags.member')) {
    const key = t.get('Key');
    if (!key || key.length > 128) throw new AwsError('ValidationError', 'Tag keys must be 1 to 128 characters');
    if (key.toLowerCase().startsWith('aws:')) throw new AwsError('InvalidInput', 'User-defined tag keys can\'t start with "aws:"');
    const value = t.get('Value') ?? '';
    if (value.length > 256) throw new AwsError('ValidationError', `Tag value for ${key} exceeds 256 characters`);
    tags.set(key, value);
  }
  if (tags.size > 50) throw new AwsError('LimitExceeded', 'Cannot exceed quota for TagsPerRole: 50', 409);
  return tags;
}

function requireRole(state: AwsState, name: string): IamRole {
  const role = state.roles.get(name);
  if (!role) throw new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
  return role;
}

function requireProfile(state: AwsState, name: string): IamInstanceProfile {
  const profile = state.instanceProfiles.get(name);
  if (!profile) throw new AwsError('NoSuchEntity', `Instance Profile ${name} cannot be found.`, 404);
  return profile;
}

function createRole(p: QueryParams, ctx: ServiceContext): IamRole {
  const { state } = ctx;
  const roleName = validName('role', 'roleName', required(p, 'RoleName'));
  const path = validPath(p.get('Path'));
  const doc = required(p, 'AssumeRolePolicyDocument');
  try {
    JSON.parse(doc);
  } catch {
    throw new AwsError('MalformedPolicyDocument', 'This policy contains invalid Json');
  }
  const boundary = p.get('PermissionsBoundary');
  if (boundary !== undefined && !/^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/.+/.test(boundary)) {
    throw new AwsError('InvalidInput', `ARN ${boundary} is not valid.`);
  }
  if (boundary !== undefined) requireAttachablePolicy(ctx, boundary);
  const tags = readTags(p);
  // IAM role names are unique case-insensitively.
  if ([...state.roles.keys()].some((n) => n.toLowerCase() === roleName.toLowerCase())) {
    throw new AwsError('EntityAlreadyExists', `Role with name ${roleName} already exists.`, 409);
  }
  const description = p.get('Description');
  const role: IamRole = {
    roleName,
    roleId: iamUniqueId('AROA'),
    arn: `arn:aws:iam::${state.accountId}:role${path}${roleName}`,
    path,
    assumeRolePolicyDocument: doc,
    ...(description !== undefined ? { description } : {}),
    maxSessionDuration: p.int('MaxSessionDuration') ?? 3600,
    ...(boundary !== undefined ? { permissionsBoundaryArn: boundary } : {}),
    createDate: ctx.clock.now(),
    tags,
    attachedPolicyArns: [],
  };
  state.roles.set(roleName, role);
  return role;
}

function createInstanceProfile(p: QueryParams, ctx: ServiceContext): IamInstanceProfile {
  const { state } = ctx;
  const name = validName('instance profile', 'instanceProfileName', required(p, 'InstanceProfileName'));
  const path = validPath(p.get('Path'));
  const tags = readTags(p);
  if ([...state.instanceProfiles.keys()].some((n) => n.toLowerCase() === name.toLowerCase())) {
    throw new AwsError('EntityAlreadyExists', `Instance Profile ${name} already exists.`, 409);
  }
  const profile: IamInstanceProfile = {
    instanceProfileName: name,
    instanceProfileId: iamUniqueId('AIPA'),
    arn: `arn:aws:iam::${state.accountId}:instance-profile${path}${name}`,
    path,
    createDate: ctx.clock.now(),
    tags,
    roleNames: [],
  };
  state.instanceProfiles.set(name, profile);
  return profile;
}

function policyPath(arn: string): string {
  const resource = arn.slice(arn.indexOf(':policy') + ':policy'.length);
  return resource.slice(0, resource.lastIndexOf('/') + 1) || '/';
}

function paginate<T>(all: readonly T[], p: QueryParams): { page: T[]; marker?: string } {
  const maxItems = p.int('MaxItems') ?? 100;
  if (!(maxItems >= 1 && maxItems <= 1000)) throw new AwsError('ValidationError', 'MaxItems must be between 1 and 1000');
  const markerText = p.get('Marker');
  const start = markerText === undefined ? 0 : Number(Buffer.from(markerText, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw new AwsError('InvalidInput', 'Invalid Marker');
  const page = all.slice(start, start + maxItems);
  const end = start + page.length;
  return end < all.length ? { page, marker: Buffer.from(String(end)).toString('base64url') } : { page };
}

function tagsXml(tags: ReadonlyMap<string, string>): string {
  return tags.size ? list('Tags', 'member', [...tags], ([k, v]) => leaf('Key', k) + leaf('Value', v)) : '';
}

function roleXml(role: IamRole): string {
  return node(
    'Role',
    leaf('Path', role.path),
    leaf('RoleName', role.roleName),
    leaf('RoleId', role.roleId),
    leaf('Arn', role.arn),
    leaf('CreateDate', isoSeconds(role.createDate)),
    // IAM returns the trust policy URL-encoded; callers must decodeURIComponent it.
    leaf('AssumeRolePolicyDocument', encodeURIComponent(role.assumeRolePolicyDocument)),
    leaf('Description', role.description),
    leaf('MaxSessionDuration', role.maxSessionDuration),
    role.permissionsBoundaryArn
      ? node('PermissionsBoundary', leaf('PermissionsBoundaryType', 'Policy'), leaf('PermissionsBoundaryArn', role.permissionsBoundaryArn))
      : '',
    tagsXml(role.tags),
  );
}

function instanceProfileXml(profile: IamInstanceProfile, state: AwsState): string {
  const roles = profile.roleNames.map((n) => state.roles.get(n)).filter((r): r is IamRole => r !== undefined);
  return node(
    'InstanceProfile',
    leaf('Path', profile.path),
    leaf('InstanceProfileName', profile.instanceProfileName),
    leaf('InstanceProfileId', profile.instanceProfileId),
    leaf('Arn', profile.arn),
    leaf('CreateDate', isoSeconds(profile.createDate)),
    list('Roles', 'member', roles, (r) => roleXml(r).slice('<Role>'.length, -'</Role>'.length)),
    tagsXml(profile.tags),
  );
}
