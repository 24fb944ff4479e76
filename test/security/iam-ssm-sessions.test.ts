/**
 * Issue 11, item 8: a developer may resume or terminate only the Session Manager sessions they
 * started. Session ids begin with the caller's user name, so a `session/${aws:username}-*` resource
 * lets user `bob` reach `bob-smith-…`; AWS tags each session with its creator's `aws:userid`
 * (`ssm:resourceTag/aws:ssmmessages:session-id`), which is what the policy must compare.
 */
import { ACCOUNT, REGION, decide, type SimRequest } from '../infra/iam-sim';
import { stackPrincipals } from './iam-stack';

const { developer } = stackPrincipals();
const session = (id: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:session/${id}`;
const bob = { 'aws:username': 'bob', 'aws:userid': 'AIDABOB0000000000000', 'aws:PrincipalTag/DeveloperName': 'bob' };
const bobSmithsSession = { 'ssm:resourceTag/aws:ssmmessages:session-id': 'AIDABOBSMITH00000000' };
const bobsSession = { 'ssm:resourceTag/aws:ssmmessages:session-id': 'AIDABOB0000000000000' };

const as = (action: string, id: string, owner: Record<string, string>): SimRequest => ({
  principal: `arn:aws:iam::${ACCOUNT}:user/bob`,
  action,
  resource: session(id),
  context: { ...bob, ...owner },
});

describe('item 8: developers reach only their own sessions', () => {
  it.each(['ssm:ResumeSession', 'ssm:TerminateSession'])('user bob may not %s a session of user bob-smith', async (action) => {
    expect(await decide(developer, as(action, 'bob-smith-0a1b2c3d4e5f67890', bobSmithsSession))).not.toBe('Allowed');
  });

  it.each(['ssm:ResumeSession', 'ssm:TerminateSession'])('user bob may %s his own session', async (action) => {
    expect(await decide(developer, as(action, 'bob-0a1b2c3d4e5f67890', bobsSession))).toBe('Allowed');
  });

  it('a role session (federated developer) reaches its own sessions by user id, not by name', async () => {
    const federated = { 'aws:userid': 'AROAEXAMPLE:jdoe@example.com', 'aws:PrincipalTag/DeveloperName': 'jdoe' };
    const req: SimRequest = {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/Developers/jdoe@example.com`,
      action: 'ssm:TerminateSession',
      resource: session('jdoe@example.com-0a1b2c3d4e5f67890'),
      context: { ...federated, 'ssm:resourceTag/aws:ssmmessages:session-id': 'AROAEXAMPLE:jdoe@example.com' },
    };
    expect(await decide(developer, req)).toBe('Allowed');
    expect(await decide(developer, { ...req, context: { ...federated, 'ssm:resourceTag/aws:ssmmessages:session-id': 'AROAEXAMPLE:asmith@example.com' } })).not.toBe('Allowed');
  });
});
