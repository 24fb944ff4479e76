import type { ServiceContext } from './context';
import { epochSeconds, optBoolean, optString, reqString } from './json-input';
import { AwsError, jsonBody, jsonResponse, type StandInRequest, type StandInResponse } from './protocol';
import type { SsmParameter } from './state';
import { targetOperation } from './secrets-manager';

/** SSM Parameter Store over awsJson1_1 (`X-Amz-Target: AmazonSSM.<Op>`). */

export const SSM_OPERATIONS = ['GetParameter', 'PutParameter'] as const;
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
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${op}`);
  }
}
