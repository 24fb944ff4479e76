/**
 * Issue 11, item 13: a path parameter is percent-decoded; a malformed escape is bad input and
 * must answer 400 naming the path, not 500 from an uncaught URIError.
 */
import { createHandler } from '../../infra-cdk/lambda/vm-api/router';
import { ApiErrorBody } from '../../src/contract/errors';
import { event } from '../lambda/vm-api/support';
import { FakeDatabases } from '../lambda/vm-api/support';
import { VmApiAws } from '../lambda/vm-api/stand-in';

let aws: VmApiAws;
beforeAll(async () => {
  aws = await VmApiAws.start();
});
afterAll(() => aws.close());

describe('item 13: malformed percent-encoding in a VM API path', () => {
  it.each([
    ['GET', '/vms/%E0%A4%A'],
    ['POST', '/vms/i-0abc%/start'],
    ['DELETE', '/clients/acme%zz/developers/jdoe'],
  ])('%s %s → 400 VALIDATION_FAILED on the path', async (method, path) => {
    const res = await createHandler(aws.deps(new FakeDatabases()))(event(method, path));
    expect(res.statusCode).toBe(400);
    expect(ApiErrorBody.parse(JSON.parse(res.body!)).error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'path' });
  });
});
