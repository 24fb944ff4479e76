import { Match } from 'aws-cdk-lib/assertions';
import { roleStatements } from '../support';
import { stack, template, json, id, actionsOf, has } from './template';

// infra-cdk/lib/constructs/scheduler.ts: the reconciler's schedule and role.

describe('scheduler', () => {
  it('runs the reconciler through EventBridge Scheduler every 5 minutes without retries', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [id(stack.scheduler.reconciler), 'Arn'] }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }) }),
    });
  });

  it('gives the reconciler lifecycle control of managed instances, state read/write, PutEvents, read-only activity measurement and its idle policy parameter only', () => {
    const statements = roleStatements(json, id(stack.scheduler.reconciler.role!));
    const actions = new Set(statements.flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      [
        'ec2:CreateTags', 'ec2:DeleteTags', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstances', 'ec2:StartInstances', 'ec2:StopInstances',
        'ec2:TerminateInstances', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject',
        // X-Ray tracing of every function (lib/lambda-factory.ts); these actions have no resource.
        'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
        'ssm:DescribeSessions', 'cloudwatch:GetMetricData',
        // The admin's idle and stop rules: that one parameter (test/security/iam-idle-policy.test.ts).
        'ssm:GetParameter',
      ].sort(),
    );
    const getParameter = statements.find((st) => has(st, 'ssm:GetParameter'))!;
    expect(JSON.stringify(getParameter.Resource)).toContain(':parameter/dev-vm/idle-policy"');
    // Besides EC2's Describe* (no resource-level permissions either), only the two read-only
    // measurement actions and X-Ray's trace upload (lib/lambda-factory.ts) are on "*".
    const wildcard = statements.filter((st) => JSON.stringify(st.Resource) === '"*"').flatMap(actionsOf).sort();
    expect(wildcard).toEqual(['cloudwatch:GetMetricData', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstances', 'ssm:DescribeSessions', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    const put = statements.find((st) => has(st, 's3:PutObject'))!;
    expect(JSON.stringify(put.Resource)).toContain('/scheduler/*');
  });
});
