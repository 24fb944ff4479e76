import { logicalIdOf, resourcesOfType, synth, asArray, type Statement } from '../support';

/**
 * The default stack, synthesized once per test file that imports this (STYLE practice 9): the
 * context of cdk.json (NAT egress, both databases, CloudTrail and developer access on). Each
 * test file of this folder covers one construct of infra-cdk/lib/constructs.
 */
export const s = synth();
export const { stack, template, json } = s;
export const id = (c: Parameters<typeof logicalIdOf>[1]) => logicalIdOf(stack, c);
export const ref = (c: Parameters<typeof logicalIdOf>[1]) => ({ Ref: id(c) });
export const actionsOf = (st: Statement) => asArray(st.Action);
export const has = (st: Statement, action: string) => actionsOf(st).includes(action);
export const resourcesText = (st: Statement) => JSON.stringify(st.Resource);

export const vmSg = id(stack.network.vmSecurityGroup);
export const apiSg = id(stack.network.apiSecurityGroup);
export const dbSg = id(stack.network.dbSecurityGroup);

/** Ingress rules attached to a security group as separate resources: port range and source. */
export function ingressRulesOf(groupLogicalId: string) {
  return resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')
    .map(([, r]) => r.Properties!)
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupLogicalId, 'GroupId'] }))
    .map((p) => ({ port: p.FromPort, toPort: p.ToPort, from: (p.SourceSecurityGroupId as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0], cidr: p.CidrIp }));
}
