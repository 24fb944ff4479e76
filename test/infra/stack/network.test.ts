import { resourcesOfType } from '../support';
import { stack, template, json, vmSg, apiSg, dbSg, ingressRulesOf } from './template';

// infra-cdk/lib/constructs/network.ts: subnets, NAT egress, flow logs and the security groups.

describe('network', () => {
  it('puts VMs in private subnets that never map public IPs', () => {
    const subnets = resourcesOfType(json, 'AWS::EC2::Subnet').map(([, r]) => r.Properties!);
    expect(subnets.length).toBeGreaterThanOrEqual(4);
    for (const p of subnets) expect(p.MapPublicIpOnLaunch).toBe(false);
    const vmSubnets = stack.network.vpc.selectSubnets(stack.network.privateSubnets).subnets;
    expect(vmSubnets).toHaveLength(2);
    for (const sn of vmSubnets) expect(stack.network.vpc.privateSubnets).toContain(sn);
  });

  it('gives egress through exactly one NAT gateway by default, with VPC flow logs', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
  });

  it('lets nothing into the VMs', () => {
    const sg = json.Resources[vmSg]!.Properties!;
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect(ingressRulesOf(vmSg)).toEqual([]);
  });

  it('opens the database ports only to the VMs and the VM API', () => {
    const rules = ingressRulesOf(dbSg).map((r) => `${r.port}-${r.toPort}<${r.from}`).sort();
    expect(rules).toEqual([`3306-3306<${apiSg}`, `3306-3306<${vmSg}`, `5432-5432<${apiSg}`, `5432-5432<${vmSg}`].sort());
    expect(json.Resources[dbSg]!.Properties!.SecurityGroupIngress).toBeUndefined();
  });
});
