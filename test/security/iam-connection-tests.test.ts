/**
 * Review attack (compromised Lambda, least privilege): the connection test added S3 rights on the
 * state bucket's connection-tests/ prefix. A compromised notifier may write reports there and
 * nothing else of the bucket (not the scheduler's state object, which decides stops and usage),
 * read nothing; a compromised VM API may read reports and list only that prefix, and write none.
 * Performed against the synthesized stack with the IAM simulator.
 */
import { STATE_PREFIX } from '../../infra-cdk/lib/iam/state-access';
import { TEST_DELIVERY_PREFIX } from '../../src/contract/events';
import { type Principal, decide, rolePolicies } from '../infra/iam-sim';
import { logicalIdOf, resolveTokens } from '../infra/support';
import { stackPrincipals } from './iam-stack';

const { s, vmApi } = stackPrincipals();
const notifier: Principal = { identity: rolePolicies(s.json, logicalIdOf(s.stack, s.stack.events.notifier.role!)) };
const bucketArn = resolveTokens({ 'Fn::GetAtt': [logicalIdOf(s.stack, s.stack.storage.stateBucket), 'Arn'] }, s.json) as string;
const object = (key: string) => `${bucketArn}/${key}`;
const REPORT = object(`${TEST_DELIVERY_PREFIX}AbCdEfGhIjKlMnOpQrStUvWx.json`);
const STATE = object(`${STATE_PREFIX}state.json`);

describe('connection-test reports in the state bucket', () => {
  it('the notifier may write a report, the VM API may read it and list the prefix', async () => {
    expect(await decide(notifier, { action: 's3:PutObject', resource: REPORT })).toBe('Allowed');
    expect(await decide(vmApi, { action: 's3:GetObject', resource: REPORT })).toBe('Allowed');
    expect(await decide(vmApi, { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': `${TEST_DELIVERY_PREFIX}AbCd` } })).toBe('Allowed');
  });

  it.each([`${STATE_PREFIX}state.json`, 'other/state.json', 'connection-tests', `x/${TEST_DELIVERY_PREFIX}a.json`])('the notifier may not write %s', async (key) => {
    expect(await decide(notifier, { action: 's3:PutObject', resource: object(key) })).not.toBe('Allowed');
  });

  it('the notifier may neither read, list nor delete anything of the bucket', async () => {
    for (const action of ['s3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion']) {
      expect(await decide(notifier, { action, resource: REPORT })).not.toBe('Allowed');
      expect(await decide(notifier, { action, resource: STATE })).not.toBe('Allowed');
    }
    expect(await decide(notifier, { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': TEST_DELIVERY_PREFIX } })).not.toBe('Allowed');
  });

  it('the VM API may not write or delete a report (a forged "verified" delivery), nor write the state object', async () => {
    expect(await decide(vmApi, { action: 's3:PutObject', resource: REPORT })).not.toBe('Allowed');
    expect(await decide(vmApi, { action: 's3:DeleteObject', resource: REPORT })).not.toBe('Allowed');
    expect(await decide(vmApi, { action: 's3:PutObject', resource: STATE })).not.toBe('Allowed');
  });

  it('the VM API may list no other prefix of the bucket', async () => {
    expect(await decide(vmApi, { action: 's3:ListBucket', resource: bucketArn, context: { 's3:prefix': 'other/' } })).not.toBe('Allowed');
    expect(await decide(vmApi, { action: 's3:ListBucket', resource: bucketArn })).not.toBe('Allowed');
  });
});
