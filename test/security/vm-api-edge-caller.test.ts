/**
 * Issue 11, item 10: the function URL's AWS_IAM auth admits any principal of the account that has
 * lambda:InvokeFunctionUrl; the VM API itself must serve only the stack's Forge app user. The
 * attack is a correctly signed request from another principal, through the real handler, both as
 * a raw event and through the function-URL stand-in that signs and verifies like AWS.
 */
import { randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { createHandler } from '../../infra-cdk/lambda/vm-api/router';
import { localForgeCallerArn, startFunctionUrl } from '../../local/function-url';
import { ApiErrorBody } from '../../src/contract/errors';
import { ENV, event } from '../lambda/vm-api/support';
import { FakeDatabases } from '../lambda/vm-api/support';
import { VmApiAws } from '../lambda/vm-api/stand-in';

let aws: VmApiAws;
beforeAll(async () => {
  aws = await VmApiAws.start();
});
afterAll(() => aws.close());

const handle = () => createHandler(aws.deps(new FakeDatabases()));

describe('item 10: only the Forge caller user drives the VM API', () => {
  it('refuses a request signed by another principal of the account with 403 NOT_ALLOWED naming the caller', async () => {
    const res = await handle()(event('POST', '/vms/i-0123456789abcdef0/terminate', { callerArn: 'arn:aws:iam::123456789012:user/intern' }));
    expect(res.statusCode).toBe(403);
    expect(ApiErrorBody.parse(JSON.parse(res.body!)).error).toMatchObject({ code: 'NOT_ALLOWED', field: 'caller' });
    expect(aws.sent).toEqual([]); // refused before any AWS call
  });

  it('refuses a role session of the same account too (assumed-role ARN)', async () => {
    const res = await handle()(event('GET', '/health', { callerArn: 'arn:aws:sts::123456789012:assumed-role/Admin/mallory' }));
    expect(res.statusCode).toBe(403);
  });

  it('refuses an event without an IAM authorizer (a URL switched to AuthType NONE)', async () => {
    const res = await handle()(event('GET', '/health', { callerArn: null }));
    expect(res.statusCode).toBe(403);
  });

  it('serves the Forge caller user', async () => {
    const res = await handle()(event('GET', '/health', { callerArn: ENV.FORGE_CALLER_ARN }));
    expect(res.statusCode).toBe(200);
  });

  it('through the function-URL stand-in: the key of another user is verified, named in the event, and refused by the handler', async () => {
    const credentials = { accessKeyId: 'AKIA' + randomBytes(8).toString('hex').toUpperCase(), secretAccessKey: randomBytes(30).toString('base64') };
    const serve = async (callerArn: string) => {
      const server = await startFunctionUrl({ region: 'eu-west-1', credentials, callerArn, handler: handle() });
      try {
        const res = await new AwsClient({ ...credentials, service: 'lambda', region: 'eu-west-1', retries: 0 }).fetch(`${server.url}health`);
        return res.status;
      } finally {
        await server.close();
      }
    };
    expect(localForgeCallerArn()).toBe(ENV.FORGE_CALLER_ARN);
    expect(await serve(localForgeCallerArn())).toBe(200);
    expect(await serve('arn:aws:iam::123456789012:user/intern')).toBe(403);
  });
});
