import { Match } from 'aws-cdk-lib/assertions';
import { EVENT_SOURCE } from '../../../src/contract/events';
import { roleStatements } from '../support';
import { stack, template, json, id, ref, has } from './template';

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
});
