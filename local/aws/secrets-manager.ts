import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { ServiceContext } from './context';
import { epochSeconds, optBoolean, optNumber, optString, readTagList, reqString, tagList, type JsonObject } from './json-input';
import { AwsError, header, jsonBody, jsonResponse, type StandInRequest, type StandInResponse } from './protocol';
import type { AwsState, Secret, SecretVersion } from './state';

/**
 * Secrets Manager over awsJson1_1 (`X-Amz-Target: secretsmanager.<Op>`). Secrets are found by
 * name, full ARN or partial ARN (ARN without the 6-character suffix), as the real service does.
 */

const CT = 'application/x-amz-json-1.1';
const NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export function targetOperation(req: StandInRequest): string {
  const target = header(req.headers, 'x-amz-target') ?? '';
  return target.slice(target.indexOf('.') + 1);
}

export function handleSecretsManager(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const op = targetOperation(req);
  const input = jsonBody(req);
  const ok = (body: unknown) => jsonResponse(req.requestId, CT, body);
  purgeDeleted(ctx);
  switch (op) {
    case 'CreateSecret':
      return ok(createSecret(input, ctx));
    case 'GetSecretValue': {
      const secret = usable(findSecret(ctx.state, reqString(input, 'SecretId')));
      const version = pickVersion(secret, optString(input, 'VersionId'), optString(input, 'VersionStage'));
      return ok({
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
        ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary } : {}),
        VersionStages: version.stages,
        CreatedDate: epochSeconds(version.createdDate),
      });
    }
    case 'DescribeSecret': {
      const s = findSecret(ctx.state, reqString(input, 'SecretId'));
      return ok({
        ARN: s.arn,
        Name: s.name,
        ...(s.description !== undefined ? { Description: s.description } : {}),
        ...(s.kmsKeyId !== undefined ? { KmsKeyId: s.kmsKeyId } : {}),
        CreatedDate: epochSeconds(s.createdDate),
        LastChangedDate: epochSeconds(s.lastChangedDate),
        ...(s.deletedDate !== undefined ? { DeletedDate: epochSeconds(s.deletedDate) } : {}),
        Tags: tagList(s.tags),
        VersionIdsToStages: Object.fromEntries(s.versions.filter((v) => v.stages.length).map((v) => [v.versionId, v.stages])),
      });
    }
    case 'PutSecretValue': {
      const s = usable(findSecret(ctx.state, reqString(input, 'SecretId')));
      const v = addVersion(s, input, ctx.clock.now());
      return ok({ ARN: s.arn, Name: s.name, VersionId: v.versionId, VersionStages: v.stages });
    }
    case 'DeleteSecret': {
      const s = findSecret(ctx.state, reqString(input, 'SecretId'));
      const force = optBoolean(input, 'ForceDeleteWithoutRecovery') ?? false;
      const days = optNumber(input, 'RecoveryWindowInDays');
      if (force && days !== undefined) throw new AwsError('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      if (days !== undefined && !(Number.isInteger(days) && days >= 7 && days <= 30)) throw new AwsError('InvalidParameterException', 'RecoveryWindowInDays must be between 7 and 30.');
      const now = ctx.clock.now();
      if (force) {
        ctx.state.secrets.delete(s.arn);
        return ok({ ARN: s.arn, Name: s.name, DeletionDate: epochSeconds(now) });
      }
      s.deletedDate ??= now;
      s.deletionDate ??= now + (days ?? 30) * 86_400_000;
      return ok({ ARN: s.arn, Name: s.name, DeletionDate: epochSeconds(s.deletionDate) });
    }
    case 'RestoreSecret': {
      const s = findSecret(ctx.state, reqString(input, 'SecretId'));
      s.deletedDate = undefined;
      s.deletionDate = undefined;
      return ok({ ARN: s.arn, Name: s.name });
    }
    case 'GetRandomPassword':
      return ok({ RandomPassword: randomPassword(input) });
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${op}`);
  }
}

function createSecret(input: JsonObject, ctx: ServiceContext): JsonObject {
  const { state } = ctx;
  const name = reqString(input, 'Name');
  if (!NAME.test(name)) throw new AwsError('ValidationException', `Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!`);
  const existing = [...state.secrets.values()].find((s) => s.name === name);
  const token = optString(input, 'ClientRequestToken');
  if (existing?.deletedDate !== undefined) {
    throw new AwsError('InvalidRequestException', `You can't create this secret because a secret with this name is already scheduled for deletion.`);
  }
  if (existing) {
    // Same token and same value: a retried create, answered like the first one.
    const same = existing.versions.find((v) => v.versionId === token);
    if (same && same.secretString === optString(input, 'SecretString')) return { ARN: existing.arn, Name: existing.name, VersionId: same.versionId };
    throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
  }
  const now = ctx.clock.now();
  const description = optString(input, 'Description');
  const kmsKeyId = optString(input, 'KmsKeyId');
  const secret: Secret = {
    arn: `arn:aws:secretsmanager:${state.region}:${state.accountId}:secret:${name}-${randomBytes(4).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6)}`,
    name,
    ...(description !== undefined ? { description } : {}),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    createdDate: now,
    lastChangedDate: now,
    tags: readTagList(input, 'Tags'),
    versions: [],
  };
  const hasValue = input.SecretString !== undefined || input.SecretBinary !== undefined;
  const version = hasValue ? addVersion(secret, input, now) : undefined;
  state.secrets.set(secret.arn, secret);
  return { ARN: secret.arn, Name: secret.name, ...(version ? { VersionId: version.versionId } : {}) };
}

function addVersion(secret: Secret, input: JsonObject, now: number): SecretVersion {
  const secretString = optString(input, 'SecretString');
  const secretBinary = optString(input, 'SecretBinary');
  if (secretString === undefined && secretBinary === undefined) throw new AwsError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
  if (secretString !== undefined && secretBinary !== undefined) throw new AwsError('InvalidParameterException', 'You can\'t specify both a binary secret value and a string secret value in the same secret.');
  if ((secretString ?? secretBinary ?? '').length > 65536) throw new AwsError('InvalidParameterException', 'The secret value exceeds 65536 bytes.');
  const versionId = optString(input, 'ClientRequestToken') ?? randomUUID();
  const prior = secret.versions.find((v) => v.versionId === versionId);
  if (prior) {
    if (prior.secretString === secretString && prior.secretBinary === secretBinary) return prior;
    throw new AwsError('ResourceExistsException', `You can't modify an existing version, you can only create new versions.`);
  }
  // AWSCURRENT moves to the new version; the old current becomes AWSPREVIOUS.
  for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
  for (const v of secret.versions) if (v.stages.includes('AWSCURRENT')) v.stages = [...v.stages.filter((s) => s !== 'AWSCURRENT'), 'AWSPREVIOUS'];
  const version: SecretVersion = {
    versionId,
    ...(secretString !== undefined ? { secretString } : {}),
    ...(secretBinary !== undefined ? { secretBinary } : {}),
    createdDate: now,
    stages: ['AWSCURRENT'],
  };
  secret.versions.push(version);
  secret.lastChangedDate = now;
  return version;
}

export function findSecret(state: AwsState, secretId: string): Secret {
  for (const s of state.secrets.values()) {
    if (s.name === secretId || s.arn === secretId || s.arn.slice(0, -7) === secretId) return s;
  }
  throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
}

/** A secret scheduled for deletion refuses reads and writes until restored. */
function usable(s: Secret): Secret {
  if (s.deletedDate !== undefined) throw new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
  return s;
}

function purgeDeleted(ctx: ServiceContext): void {
  const now = ctx.clock.now();
  for (const [arn, s] of ctx.state.secrets) if (s.deletionDate !== undefined && s.deletionDate <= now) ctx.state.secrets.delete(arn);
}

function pickVersion(secret: Secret, versionId: string | undefined, stage: string | undefined): SecretVersion {
  const v = versionId !== undefined ? secret.versions.find((x) => x.versionId === versionId) : secret.versions.find((x) => x.stages.includes(stage ?? 'AWSCURRENT'));
  if (!v) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: " + (stage ?? 'AWSCURRENT'));
  return v;
}

function randomPassword(input: JsonObject): string {
  const length = optNumber(input, 'PasswordLength') ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) throw new AwsError('InvalidParameterException', 'PasswordLength must be between 1 and 4096.');
  const exclude = new Set(optString(input, 'ExcludeCharacters') ?? '');
  const classes = [
    optBoolean(input, 'ExcludeLowercase') ? '' : 'abcdefghijklmnopqrstuvwxyz',
    optBoolean(input, 'ExcludeUppercase') ? '' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    optBoolean(input, 'ExcludeNumbers') ? '' : '0123456789',
    optBoolean(input, 'ExcludePunctuation') ? '' : PUNCTUATION,
    optBoolean(input, 'IncludeSpace') ? ' ' : '',
  ]
    .map((c) => [...c].filter((ch) => !exclude.has(ch)).join(''))
    .filter((c) => c.length > 0);
  if (classes.length === 0) throw new AwsError('InvalidParameterException', 'No characters are left to build a password from.');
  const requireEach = optBoolean(input, 'RequireEachIncludedType') ?? true;
  if (requireEach && length < classes.length) throw new AwsError('InvalidParameterException', 'PasswordLength is too short to include every character type.');
  const all = classes.join('');
  const chars: string[] = [];
  if (requireEach) for (const c of classes) chars.push(c[randomInt(c.length)] as string);
  while (chars.length < length) chars.push(all[randomInt(all.length)] as string);
  // Shuffle so the guaranteed characters are not always at the front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}
