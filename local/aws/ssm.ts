import type { ServiceContext } from './context';
import { epochSeconds, optBoolean, optNumber, optObjects, optString, reqString, type JsonObject } from './json-input';
import { AwsError, jsonBody, jsonResponse, type StandInRequest, type StandInResponse } from './protocol';
import type { SsmParameter } from './state';
import { targetOperation } from './secrets-manager';

/** SSM Parameter Store over awsJson1_1 (`X-Amz-Target: AmazonSSM.<Op>`). */

const CT = 'application/x-amz-json-1.1';
const NAME = /^(\/?[A-Za-z0-9_.-]+)+$/;

export function handleSsm(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const op = targetOperation(req);
  const input = jsonBody(req);
  const { state } = ctx;
  switch (op) {
    case 'GetParameter': {
      const name = reqString(input, 'Name');
      const p = state.parameters.get(name);
      if (!p) throw new AwsError('ParameterNotFound', `Parameter ${name} not found.`);
      const decrypt = optBoolean(input, 'WithDecryption') ?? false;
      // Without decryption a SecureString comes back as its ciphertext, never the plain value.
      const value = p.type === 'SecureString' && !decrypt ? Buffer.from(`kms:${p.name}:v${p.version}`).toString('base64') : p.value;
      return jsonResponse(req.requestId, CT, {
        Parameter: {
          Name: p.name,
          Type: p.type,
          Value: value,
          Version: p.version,
          LastModifiedDate: epochSeconds(p.lastModifiedDate),
          ARN: `arn:aws:ssm:${state.region}:${state.accountId}:parameter${p.name.startsWith('/') ? '' : '/'}${p.name}`,
          DataType: 'text',
        },
      });
    }
    case 'PutParameter': {
      const name = reqString(input, 'Name');
      if (!NAME.test(name) || name.length > 2048) throw new AwsError('ValidationException', `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive) and must be made of letters, digits and _.-/: ${name}`);
      const value = reqString(input, 'Value');
      if (value.length > 4096) throw new AwsError('ValidationException', 'Standard tier parameters support a maximum parameter value of 4096 characters.');
      const existing = state.parameters.get(name);
      const overwrite = optBoolean(input, 'Overwrite') ?? false;
      if (existing && !overwrite) throw new AwsError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
      const typeText = optString(input, 'Type') ?? existing?.type;
      if (typeText === undefined) throw new AwsError('ValidationException', 'Type is required for a new parameter.');
      if (typeText !== 'String' && typeText !== 'StringList' && typeText !== 'SecureString') throw new AwsError('ValidationException', `Invalid Type ${typeText}`);
      const description = optString(input, 'Description') ?? existing?.description;
      const param: SsmParameter = {
        name,
        type: typeText,
        value,
        version: (existing?.version ?? 0) + 1,
        lastModifiedDate: ctx.clock.now(),
        ...(description !== undefined ? { description } : {}),
      };
      state.parameters.set(name, param);
      return jsonResponse(req.requestId, CT, { Version: param.version, Tier: 'Standard' });
    }
    case 'DescribeSessions':
      return describeSessions(req, input, ctx);
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${op}`);
  }
}

const ACTIVE = new Set(['Connected', 'Connecting', 'Disconnected', 'Terminating']);
const FILTER_KEYS = new Set(['InvokedAfter', 'InvokedBefore', 'Target', 'Owner', 'Status', 'SessionId', 'AccessType']);

/**
 * DescribeSessions as documented: State Active (connected and disconnected sessions) or History
 * (terminated sessions of the past 30 days), MaxResults 1..200, NextToken, at most 6 filters of
 * which each key is one value (InvokedAfter/InvokedBefore compare the session's start).
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeSessions.html
 */
function describeSessions(req: StandInRequest, input: JsonObject, ctx: ServiceContext): StandInResponse {
  const state = reqString(input, 'State');
  if (state !== 'Active' && state !== 'History') throw new AwsError('ValidationException', `1 validation error detected: Value '${state}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [Active, History]`);
  const max = optNumber(input, 'MaxResults');
  if (max !== undefined && (max < 1 || max > 200)) throw new AwsError('ValidationException', `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 200`);
  const filters = optObjects(input, 'Filters');
  if (filters.length > 6) throw new AwsError('ValidationException', 'Filters: at most 6 items');
  const now = ctx.clock.now();
  let list = ctx.state.sessions.filter((s) => (state === 'Active' ? ACTIVE.has(s.status) : !ACTIVE.has(s.status) && now - (s.endDate ?? s.startDate) <= 30 * 86_400_000));
  for (const f of filters) {
    const key = String(f.key ?? '');
    const value = String(f.value ?? '');
    if (!FILTER_KEYS.has(key)) throw new AwsError('ValidationException', `Invalid filter key ${key}`);
    const at = Date.parse(value);
    if ((key === 'InvokedAfter' || key === 'InvokedBefore') && Number.isNaN(at)) throw new AwsError('InvalidFilterValue', `${key}: ${value} is not a timestamp`);
    if (key === 'InvokedAfter') list = list.filter((s) => s.startDate >= at);
    if (key === 'InvokedBefore') list = list.filter((s) => s.startDate < at);
    if (key === 'Target') list = list.filter((s) => s.target === value);
    if (key === 'Owner') list = list.filter((s) => s.owner === value);
    if (key === 'Status') list = list.filter((s) => s.status === value);
    if (key === 'SessionId') list = list.filter((s) => s.sessionId === value);
  }
  const from = Number(optString(input, 'NextToken') ?? 0);
  if (!Number.isInteger(from) || from < 0) throw new AwsError('InvalidNextToken', 'The specified token is not valid.');
  const size = max ?? 200;
  const page = list.slice(from, from + size);
  const next = from + size < list.length ? String(from + size) : undefined;
  return jsonResponse(req.requestId, CT, {
    Sessions: page.map((s) => ({
      SessionId: s.sessionId,
      Target: s.target,
      Status: s.status,
      Owner: s.owner,
      StartDate: epochSeconds(s.startDate),
      ...(s.endDate !== undefined ? { EndDate: epochSeconds(s.endDate) } : {}),
    })),
    ...(next ? { NextToken: next } : {}),
  });
}
