import { efsFileSystemOperation, handleEfsFileSystems } from './account-resources';
import type { ServiceContext } from './context';
import { optNumber, optObject, optString, readTagList, reqString, tagList, type JsonObject } from './json-input';
import { AwsError, jsonBody, jsonResponse, type StandInRequest, type StandInResponse } from './protocol';
import { hexId, type AccessPoint, type AwsState } from './state';

/**
 * EFS access points over restJson1: `POST /2015-02-01/access-points`, `GET …?FileSystemId=`,
 * `DELETE …/{id}`, and TagResource (`POST /2015-02-01/resource-tags/{id}`, 200 with an empty body,
 * adding or overwriting the given keys: https://docs.aws.amazon.com/efs/latest/ug/API_TagResource.html)
 * and UntagResource (`DELETE /2015-02-01/resource-tags/{id}?tagKeys=…`, 200, removing the named
 * keys: https://docs.aws.amazon.com/efs/latest/ug/API_UntagResource.html).
 * Errors carry `ErrorCode` in the body and the code in x-amzn-ErrorType; a
 * repeated ClientToken answers AccessPointAlreadyExists with the existing id, as EFS does.
 */

const BASE = '/2015-02-01/access-points';
const TAGS_BASE = '/2015-02-01/resource-tags';
const MAX_PER_FILE_SYSTEM = 1000;

export function efsOperation(req: StandInRequest): string {
  const fileSystemOp = efsFileSystemOperation(req);
  if (fileSystemOp) return fileSystemOp;
  if (req.rawPath === BASE && req.method === 'POST') return 'CreateAccessPoint';
  if (req.rawPath === BASE && req.method === 'GET') return 'DescribeAccessPoints';
  if (req.rawPath.startsWith(`${BASE}/`) && req.method === 'DELETE') return 'DeleteAccessPoint';
  if (req.rawPath.startsWith(`${TAGS_BASE}/`) && req.method === 'POST') return 'TagResource';
  if (req.rawPath.startsWith(`${TAGS_BASE}/`) && req.method === 'DELETE') return 'UntagResource';
  return `${req.method} ${req.rawPath}`;
}

export function handleEfs(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const op = efsOperation(req);
  switch (op) {
    case 'CreateAccessPoint':
      return jsonResponse(req.requestId, 'application/json', describe(createAccessPoint(jsonBody(req), ctx), 'creating'));
    case 'DescribeAccessPoints':
      return jsonResponse(req.requestId, 'application/json', describeAccessPoints(req.query, ctx));
    case 'CreateFileSystem':
    case 'DescribeFileSystems':
      return handleEfsFileSystems(req, jsonBody(req), ctx);
    case 'DeleteAccessPoint': {
      const id = decodeURIComponent(req.rawPath.slice(BASE.length + 1));
      if (!ctx.state.accessPoints.delete(id)) throw notFound(id);
      return { status: 204, headers: { 'x-amzn-requestid': req.requestId }, body: '' };
    }
    case 'TagResource': {
      const id = decodeURIComponent(req.rawPath.slice(TAGS_BASE.length + 1));
      const ap = ctx.state.accessPoints.get(id);
      if (!ap) throw notFound(id);
      const tags = readTagList(jsonBody(req), 'Tags');
      if (tags.size === 0) throw new AwsError('BadRequest', 'Tags must contain at least one tag.', 400);
      for (const [k, v] of tags) ap.tags.set(k, v);
      return { status: 200, headers: { 'x-amzn-requestid': req.requestId }, body: '' };
    }
    case 'UntagResource': {
      const id = decodeURIComponent(req.rawPath.slice(TAGS_BASE.length + 1));
      const ap = ctx.state.accessPoints.get(id);
      if (!ap) throw notFound(id);
      const keys = req.query.getAll('tagKeys');
      if (keys.length === 0) throw new AwsError('BadRequest', 'TagKeys must contain at least one key.', 400);
      for (const k of keys) ap.tags.delete(k);
      return { status: 200, headers: { 'x-amzn-requestid': req.requestId }, body: '' };
    }
    default:
      throw new AwsError('BadRequest', `No such operation: ${op}`, 400);
  }
}

function notFound(id: string): AwsError {
  return new AwsError('AccessPointNotFound', `Access point '${id}' does not exist.`, 404);
}

function requireFileSystem(state: AwsState, id: string, ctx: ServiceContext): void {
  if (!/^fs-[0-9a-f]{8,40}$/.test(id)) throw new AwsError('ValidationException', `1 validation error detected: Value '${id}' at 'fileSystemId' failed to satisfy constraint: Member must satisfy regular expression pattern`);
  if (!state.fileSystems.has(id)) {
    if (ctx.strictResources) throw new AwsError('FileSystemNotFound', `File system '${id}' does not exist.`, 404);
    state.fileSystems.add(id);
  }
}

function uint(o: JsonObject, member: string, path: string): number {
  const v = optNumber(o, member);
  if (v === undefined || !Number.isInteger(v) || v < 0 || v > 4294967295) throw new AwsError('BadRequest', `${path} must be an integer between 0 and 4294967295`, 400);
  return v;
}

function createAccessPoint(input: JsonObject, ctx: ServiceContext): AccessPoint {
  const { state } = ctx;
  const clientToken = reqString(input, 'ClientToken');
  const fileSystemId = reqString(input, 'FileSystemId');
  requireFileSystem(state, fileSystemId, ctx);
  const prior = [...state.accessPoints.values()].find((a) => a.clientToken === clientToken);
  if (prior) throw new AwsError('AccessPointAlreadyExists', `Access point with client token '${clientToken}' already exists.`, 409, { AccessPointId: prior.accessPointId });
  if ([...state.accessPoints.values()].filter((a) => a.fileSystemId === fileSystemId).length >= MAX_PER_FILE_SYSTEM) {
    throw new AwsError('AccessPointLimitExceeded', `You have reached the maximum number of access points (${MAX_PER_FILE_SYSTEM}) for file system ${fileSystemId}.`, 403);
  }

  const posix = optObject(input, 'PosixUser');
  const posixUser = posix
    ? {
        Uid: uint(posix, 'Uid', 'PosixUser.Uid'),
        Gid: uint(posix, 'Gid', 'PosixUser.Gid'),
        ...(Array.isArray(posix.SecondaryGids) ? { SecondaryGids: posix.SecondaryGids.map((g: unknown) => uint({ g }, 'g', 'PosixUser.SecondaryGids')) } : {}),
      }
    : undefined;
  const root = optObject(input, 'RootDirectory');
  let rootDirectory: AccessPoint['rootDirectory'];
  if (root) {
    const path = optString(root, 'Path') ?? '/';
    if (!/^\/[^\0]{0,99}$/.test(path) || path.split('/').length > 5) throw new AwsError('BadRequest', 'RootDirectory.Path must be an absolute path of at most 100 characters and 4 subdirectories.', 400);
    const ci = optObject(root, 'CreationInfo');
    const creationInfo = ci
      ? { OwnerUid: uint(ci, 'OwnerUid', 'CreationInfo.OwnerUid'), OwnerGid: uint(ci, 'OwnerGid', 'CreationInfo.OwnerGid'), Permissions: reqString(ci, 'Permissions') }
      : undefined;
    if (creationInfo && !/^[0-7]{3,4}$/.test(creationInfo.Permissions)) throw new AwsError('BadRequest', 'CreationInfo.Permissions must be octal, e.g. 0750.', 400);
    rootDirectory = { Path: path, ...(creationInfo ? { CreationInfo: creationInfo } : {}) };
  }
  const tags = readTagList(input, 'Tags');
  const accessPointId = hexId('fsap');
  const name = tags.get('Name');
  const ap: AccessPoint = {
    accessPointId,
    accessPointArn: `arn:aws:elasticfilesystem:${state.region}:${state.accountId}:access-point/${accessPointId}`,
    fileSystemId,
    clientToken,
    ...(name !== undefined ? { name } : {}),
    ...(posixUser ? { posixUser } : {}),
    ...(rootDirectory ? { rootDirectory } : {}),
    tags,
    ownerId: state.accountId,
  };
  state.accessPoints.set(accessPointId, ap);
  return ap;
}

function describe(ap: AccessPoint, lifeCycleState: 'creating' | 'available'): JsonObject {
  return {
    ClientToken: ap.clientToken,
    ...(ap.name !== undefined ? { Name: ap.name } : {}),
    Tags: tagList(ap.tags),
    AccessPointId: ap.accessPointId,
    AccessPointArn: ap.accessPointArn,
    FileSystemId: ap.fileSystemId,
    ...(ap.posixUser ? { PosixUser: ap.posixUser } : {}),
    RootDirectory: ap.rootDirectory ?? { Path: '/' },
    OwnerId: ap.ownerId,
    LifeCycleState: lifeCycleState,
  };
}

function describeAccessPoints(q: URLSearchParams, ctx: ServiceContext): JsonObject {
  const { state } = ctx;
  const fsId = q.get('FileSystemId');
  const apId = q.get('AccessPointId');
  if (fsId && apId) throw new AwsError('BadRequest', 'Specify either FileSystemId or AccessPointId, not both.', 400);
  if (apId) {
    const ap = state.accessPoints.get(apId);
    if (!ap) throw notFound(apId);
    return { AccessPoints: [describe(ap, 'available')] };
  }
  if (fsId) requireFileSystem(state, fsId, ctx);
  const all = [...state.accessPoints.values()].filter((a) => !fsId || a.fileSystemId === fsId);
  const max = q.get('MaxResults') === null ? 100 : Number(q.get('MaxResults'));
  if (!Number.isInteger(max) || max < 1) throw new AwsError('BadRequest', 'MaxResults must be a positive integer.', 400);
  const tokenText = q.get('NextToken');
  const start = tokenText === null ? 0 : Number(Buffer.from(tokenText, 'base64url').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) throw new AwsError('BadRequest', 'Invalid NextToken.', 400);
  const page = all.slice(start, start + max);
  const end = start + page.length;
  return { AccessPoints: page.map((a) => describe(a, 'available')), ...(end < all.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}
