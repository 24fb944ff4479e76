import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type PolicyViolation, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { readConfig } from '../../infra-cdk/lib/config';
import { DevVmStack } from '../../infra-cdk/lib/dev-vm-stack';
import { acknowledgeRuntime, commonFunctionProps, type LambdaFactory, type LambdaSpec } from '../../infra-cdk/lib/lambda-factory';

/** The context of infra-cdk/cdk.json: tests synthesize with the same defaults and feature flags as `cdk synth`. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'infra-cdk', 'cdk.json'), 'utf8'),
).context;

/** Same defaults as the production factory, inline code instead of an esbuild bundle. */
export class InlineLambdaFactory implements LambdaFactory {
  readonly entries: Record<string, string> = {};
  create(scope: Construct, id: string, spec: LambdaSpec): lambda.Function {
    const fn = new lambda.Function(scope, id, {
      ...commonFunctionProps(scope, id, spec),
      code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("test stub"); };'),
    });
    acknowledgeRuntime(fn);
    this.entries[fn.node.path] = spec.entry;
    return fn;
  }
}

export interface Synthesized {
  stack: DevVmStack;
  template: Template;
  json: TemplateJson;
  violations: PolicyViolation[];
  lambdas: InlineLambdaFactory;
}

export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Condition?: string; DependsOn?: unknown }>;
  Outputs?: Record<string, { Value: unknown }>;
  Conditions?: Record<string, unknown>;
}

/** Synthesize the stack with extra context over cdk.json's, and run the AwsSolutions pack over it. */
export function synth(extraContext: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...extraContext } });
  const lambdas = new InlineLambdaFactory();
  const stack = new DevVmStack(app, 'TestStack', { config: readConfig(app.node), lambdas });
  const template = Template.fromStack(stack);
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return { stack, template, json: template.toJSON() as TemplateJson, violations: [...report.violations], lambdas };
}

export const resourcesOfType = (json: TemplateJson, type: string) =>
  Object.entries(json.Resources).filter(([, r]) => r.Type === type);

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every statement of every identity policy (inline and managed) in the template, with where it came from. */
export function allStatements(json: TemplateJson): { logicalId: string; type: string; statement: Statement }[] {
  const out: { logicalId: string; type: string; statement: Statement }[] = [];
  for (const [logicalId, r] of Object.entries(json.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const doc = r.Properties?.PolicyDocument as { Statement: Statement[] };
    for (const statement of doc.Statement) out.push({ logicalId, type: r.Type, statement });
  }
  return out;
}

/** Statements of the policies attached (inline) to the role with the given logical id. */
export function roleStatements(json: TemplateJson, roleLogicalId: string): Statement[] {
  const out: Statement[] = [];
  for (const r of Object.values(json.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = asArray(r.Properties?.Roles as unknown[]);
    if (!roles.some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleLogicalId }))) continue;
    out.push(...(r.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  return out;
}

export function logicalIdOf(stack: Stack, construct: Construct): string {
  const child = construct.node.defaultChild ?? construct;
  return stack.getLogicalId(child as never);
}

/** A readable one-line form of nag findings for failure messages. */
export const describeViolations = (vs: PolicyViolation[]): string[] =>
  vs.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`));
