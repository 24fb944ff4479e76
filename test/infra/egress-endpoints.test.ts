import { INTERFACE_ENDPOINTS } from '../../infra-cdk/lib/constructs/network';
import { describeViolations, resolveTokens, resourcesOfType, synth } from './support';

const s = synth({ egress: 'endpoints', mysql: false });
const { template, json } = s;

describe('egress=endpoints', () => {
  it('stays cdk-nag clean', () => {
    expect(describeViolations(s.violations)).toEqual([]);
  });

  it('creates no NAT gateway, internet gateway or public subnet', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    for (const [, r] of resourcesOfType(json, 'AWS::EC2::Subnet')) expect(r.Properties!.MapPublicIpOnLaunch).toBe(false);
  });

  it('creates the interface endpoints SSM, EC2 messages, SSM messages, Secrets Manager, EC2, EFS, EventBridge and Logs, plus the S3 gateway', () => {
    const endpoints = resourcesOfType(json, 'AWS::EC2::VPCEndpoint').map(([, r]) => r);
    const interfaces = endpoints.filter((r) => r.Properties!.VpcEndpointType === 'Interface');
    const names = interfaces.map((r) => resolveTokens(r.Properties!.ServiceName, json)).sort();
    expect(names).toEqual(
      ['ssm', 'ssmmessages', 'ec2messages', 'secretsmanager', 'ec2', 'elasticfilesystem', 'events', 'logs']
        .map((x) => `com.amazonaws.eu-west-1.${x}`)
        .concat('com.amazonaws.iam')
        .sort(),
    );
    expect(interfaces.filter((r) => r.Condition === undefined)).toHaveLength(INTERFACE_ENDPOINTS.length);
    for (const r of interfaces) expect(r.Properties!.PrivateDnsEnabled).toBe(true);
    expect(endpoints.filter((r) => r.Properties!.VpcEndpointType === 'Gateway')).toHaveLength(1);
  });

  it('admits HTTPS to the endpoints only from the VMs and the VM API', () => {
    const endpointSgs = new Set(
      resourcesOfType(json, 'AWS::EC2::VPCEndpoint')
        .filter(([, r]) => r.Properties!.VpcEndpointType === 'Interface')
        .flatMap(([, r]) => (r.Properties!.SecurityGroupIds as { 'Fn::GetAtt': [string] }[]).map((g) => g['Fn::GetAtt'][0])),
    );
    expect(endpointSgs.size).toBe(1);
    const [sg] = [...endpointSgs];
    const rules = resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties!)
      .filter((p) => JSON.stringify(p.GroupId).includes(sg!));
    expect(rules).toHaveLength(2);
    for (const r of rules) expect(r).toMatchObject({ FromPort: 443, ToPort: 443 });
    expect(json.Resources[sg!]!.Properties!.SecurityGroupIngress).toBeUndefined();
  });

  it('adds the IAM endpoint only where it exists (us-east-1), by a template condition', () => {
    const iam = resourcesOfType(json, 'AWS::EC2::VPCEndpoint').find(([, r]) => r.Properties!.ServiceName === 'com.amazonaws.iam')!;
    expect(iam[1].Condition).toBeDefined();
    expect(JSON.stringify(json.Conditions![iam[1].Condition!])).toContain('us-east-1');
  });
});
