import { Match } from 'aws-cdk-lib/assertions';
import { EVENT_SOURCE } from '../../../src/contract/events';
import { roleStatements } from '../support';
import { stack, template, json, id, ref, actionsOf, has, resourcesText } from './template';

// infra-cdk/lib/constructs/events.ts: the lifecycle bus, the notifier, its secret and parameter.

describe('lifecycle events and the notifier', () => {
  it('routes events of source dev-vm-for-jira on the custom bus to the notifier, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(stack.events.bus),
      EventPattern: { source: [EVENT_SOURCE] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id(stack.events.notifier), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(stack.events.deadLetters), 'Arn'] } },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(stack.events.deadLetters), 'Arn'] } } },
    });
  });

  it('generates a 64-character HMAC secret and a web trigger parameter that starts "not configured"', () => {
    const secret = json.Resources[id(stack.events.hmacSecret)]!.Properties!;
    expect((secret.GenerateSecretString as { PasswordLength: number }).PasswordLength).toBe(64);
    expect(secret.Name).toBe('dev-vm/webtrigger-hmac');
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/dev-vm/webtrigger-url', Value: 'not-configured' });
  });

  it('lets the notifier read exactly that secret and parameter', () => {
    const statements = roleStatements(json, id(stack.events.notifier.role!));
    expect(statements.find((st) => has(st, 'secretsmanager:GetSecretValue'))!.Resource).toEqual(ref(stack.events.hmacSecret));
    expect(JSON.stringify(statements.find((st) => has(st, 'ssm:GetParameter'))!.Resource)).toContain(id(stack.events.webtriggerUrlParameter));
  });

  it('connection test: the notifier may only write reports under connection-tests/, the VM API only read them there', () => {
    const bucket = id(stack.storage.stateBucket);
    const prefix = JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/connection-tests/*']] });
    const notifier = roleStatements(json, id(stack.events.notifier.role!)).filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
    expect(notifier.map((st) => [actionsOf(st), resourcesText(st)])).toEqual([[['s3:PutObject'], prefix]]);
    const api = roleStatements(json, id(stack.api.fn.role!)).filter((st) => String(st.Sid ?? '').endsWith('TestDeliveries'));
    expect(api.map((st) => actionsOf(st)).sort()).toEqual([['s3:GetObject'], ['s3:ListBucket']]);
    expect(api.find((st) => has(st, 's3:GetObject'))!.Resource).toEqual(JSON.parse(prefix));
    expect(api.find((st) => has(st, 's3:ListBucket'))!.Condition).toEqual({ StringLike: { 's3:prefix': 'connection-tests/*' } });
    // The reports live a day at most.
    const rules = (json.Resources[bucket]!.Properties!.LifecycleConfiguration as { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number }[] }).Rules;
    expect(rules.find((r) => r.Id === 'expire-connection-tests')).toMatchObject({ Prefix: 'connection-tests/', ExpirationInDays: 1 });
  });
});
