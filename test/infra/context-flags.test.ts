import { Match } from 'aws-cdk-lib/assertions';
import { describeViolations, logicalIdOf, resourcesOfType, synth } from './support';

// One synthesis with every optional part switched off and an existing VPC imported.
const s = synth({
  vpcId: 'vpc-0abc1234def567890',
  vpcPrivateSubnetIds: 'subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f',
  vpcAvailabilityZones: 'eu-west-1a,eu-west-1b',
  postgres: 'false',
  cloudTrail: 'false',
  developerAccess: 'false',
  scheduleIntervalMinutes: '15',
  allowedOs: 'al2023',
  alarmEmail: 'ops@example.com',
});
const { stack, template, json } = s;

describe('context flags switch parts of the stack', () => {
  it('stays cdk-nag clean', () => {
    expect(describeViolations(s.violations)).toEqual([]);
  });

  it('imports the VPC instead of creating one, with no NAT or endpoints of its own', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::NatGateway', 'AWS::EC2::VPCEndpoint', 'AWS::EC2::InternetGateway']) {
      template.resourceCountIs(type, 0);
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0abc1234def567890' });
  });

  it('uses the given subnets for EFS mount targets, RDS and the VM API', () => {
    const mountSubnets = resourcesOfType(json, 'AWS::EFS::MountTarget').map(([, r]) => r.Properties!.SubnetId).sort();
    expect(mountSubnets).toEqual(['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f']);
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'] });
    const vars = (json.Resources[logicalIdOf(stack, stack.api.fn)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.VM_SUBNET_IDS).toBe('subnet-0aaa1111bbbb2222c,subnet-0ddd3333eeee4444f');
  });

  it('creates no PostgreSQL, leaves its variables unset and its port closed', () => {
    const engines = resourcesOfType(json, 'AWS::RDS::DBInstance').map(([, r]) => r.Properties!.Engine);
    expect(engines).toEqual(['mysql']);
    const vars = (json.Resources[logicalIdOf(stack, stack.api.fn)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(vars).filter((k) => k.startsWith('POSTGRES_'))).toEqual([]);
    expect(Object.keys(vars).filter((k) => k.startsWith('MYSQL_')).sort()).toEqual(['MYSQL_HOST', 'MYSQL_PORT', 'MYSQL_SECRET_ARN']);
    const ports = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties!.FromPort);
    expect(ports).not.toContain(5432);
    expect(ports).toContain(3306);
    expect(Object.keys(json.Outputs ?? {})).not.toContain('PostgresEndpoint');
  });

  it('mails the alarms through an encrypted, TLS-only SNS topic when alarmEmail is set', () => {
    const topics = resourcesOfType(json, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    expect(JSON.stringify(topics[0]![1].Properties!.KmsMasterKeyId)).toContain('alias/aws/sns');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    const topic = logicalIdOf(stack, stack.alarms.topic!);
    for (const [, alarm] of resourcesOfType(json, 'AWS::CloudWatch::Alarm')) expect(alarm.Properties!.AlarmActions).toEqual([{ Ref: topic }]);
    // 15 minutes of failed runs at a 15-minute interval is one run.
    const reconciler = resourcesOfType(json, 'AWS::CloudWatch::Alarm').find(([, r]) => r.Properties!.Period === 900)!;
    expect(reconciler[1].Properties).toMatchObject({ EvaluationPeriods: 1 });
  });

  it('drops the CloudTrail trail and the developers\' group', () => {
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.resourceCountIs('AWS::IAM::Group', 0);
  });

  it('applies the interval to the schedule and the reconciler, and makes one launch template per allowed OS', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(15 minutes)' });
    const vars = (json.Resources[logicalIdOf(stack, stack.scheduler.reconciler)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.INTERVAL_MINUTES).toBe('15');
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
  });
});
