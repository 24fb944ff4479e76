/**
 * The principals of the synthesized stack (cdk.json's default context), as the IAM simulator sees
 * them: each one's identity policies (and boundary), tokens resolved to account 111122223333 in
 * eu-west-1. The security tests replay attacks against exactly what `cdk deploy` would create.
 */
import { HOME_ACCESS_POINT_ROLE_TAG } from '../../infra-cdk/lambda/shared/resource-names';
import { MANAGED_BY } from '../../src/contract/tags';
import { ACCOUNT, REGION, policyDocument, type Principal, rolePolicies } from '../infra/iam-sim';
import { logicalIdOf, resolveTokens, synth, type Synthesized } from '../infra/support';

export interface StackPrincipals {
  s: Synthesized;
  /** The VM API Lambda's role (every inline policy attached to it). */
  vmApi: Principal;
  /** A per-developer instance role as the VM API creates it: the instance policy, capped by the boundary. */
  instanceRole: Principal;
  /** A member of the developers' group. */
  developer: Principal;
  fileSystemArn: string;
}

export function stackPrincipals(): StackPrincipals {
  const s = synth();
  const { stack, json } = s;
  const id = (c: Parameters<typeof logicalIdOf>[1]) => logicalIdOf(stack, c);
  return {
    s,
    vmApi: { identity: rolePolicies(json, id(stack.api.fn.role!)) },
    instanceRole: {
      identity: [policyDocument(json, id(stack.launch.instancePolicy.policy))],
      boundary: [policyDocument(json, id(stack.launch.boundary.policy))],
    },
    developer: { identity: [policyDocument(json, id(stack.developerAccess!.policy))] },
    fileSystemArn: resolveTokens({ 'Fn::GetAtt': [id(stack.storage.fileSystem), 'Arn'] }, json),
  };
}

export const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/dev-vm/${name}`;
export const instanceProfileArn = (name: string) => `arn:aws:iam::${ACCOUNT}:instance-profile/dev-vm/${name}`;
export const instanceArn = (id: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`;
export const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dev-vm/${name}-AbCdEf`;

/** What a developer's instance-role session carries: the role's tags as principal tags. */
export const roleTags = (developer: string, accessPoint: string) => ({
  'aws:PrincipalTag/DeveloperName': developer,
  'aws:PrincipalTag/ManagedBy': MANAGED_BY,
  [`aws:PrincipalTag/${HOME_ACCESS_POINT_ROLE_TAG}`]: accessPoint,
});
