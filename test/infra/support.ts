import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type PolicyViolation, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { readConfig } from '../../infra-cdk/lib/config';
import { loadStageSettings } from '../../infra-cdk/lib/deploy-settings';
import { DevVmStack } from '../../infra-cdk/lib/dev-vm-stack';
import { finishFunction, functionBase, type LambdaFactory, type LambdaSpec } from '../../infra-cdk/lib/lambda-factory';

/**
 * What `cdk synth` of the default stage sees: the feature flags of infra-cdk/cdk.json and the
 * settings of infra-cdk/config/default.json, so tests synthesize with the same values.
 */
export const CDK_JSON_CONTEXT: Record<string, unknown> = {
  ...JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'infra-cdk', 'cdk.json'), 'utf8')).context,
  ...loadStageSettings('default').values,
};

/** Same defaults as the production factory, inline code instead of an esbuild bundle. */
export class InlineLambdaFactory implements LambdaFactory {
  readonly entries: Record<string, string> = {};
  create(scope: Construct, id: string, spec: LambdaSpec): lambda.Function {
    const base = functionBase(scope, id, spec);
    const fn = new lambda.Function(scope, id, {
      ...base.props,
      code: lambda.Code.fromInline('exports.handler = async () => { throw new Error("test stub"); };'),
    });
    finishFunction(fn, base);
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

/** Plausible deploy-time values of the template's tokens, so synthesized strings can be checked like real ones. */
export const PSEUDO: Record<string, string> = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111122223333',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'DevVmForJira',
};

const hex = (s: string, n: number): string => {
  let h = 2166136261;
  let out = '';
  for (let i = 0; out.length < n; i++) {
    h = Math.imul(h ^ s.charCodeAt(i % s.length) ^ i, 16777619) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, n);
};

/** Resolve Ref / Fn::GetAtt / Fn::Join the way CloudFormation would, with made-up but well-formed ids. Unknown tokens throw. */
export function resolveTokens(value: unknown, json: TemplateJson): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if ('Ref' in o) {
      const id = o.Ref as string;
      if (id in PSEUDO) return PSEUDO[id]!;
      const r = json.Resources[id];
      if (!r) throw new Error(`Ref to unknown ${id}`);
      switch (r.Type) {
        case 'AWS::EC2::Subnet':
          return `subnet-0${hex(id, 16)}`;
        case 'AWS::EC2::LaunchTemplate':
          return `lt-0${hex(id, 16)}`;
        case 'AWS::EFS::FileSystem':
          return `fs-0${hex(id, 16)}`;
        case 'AWS::SecretsManager::Secret':
        case 'AWS::SecretsManager::SecretTargetAttachment':
          return `arn:aws:secretsmanager:eu-west-1:111122223333:secret:dev-vm/${id.toLowerCase()}-AbCdEf`;
        case 'AWS::S3::Bucket':
          return `devvm-${id.toLowerCase()}-${hex(id, 8)}`;
        case 'AWS::Events::EventBus':
          return `DevVmForJira${id}`;
        case 'AWS::IAM::ManagedPolicy':
          return `arn:aws:iam::111122223333:policy/${id}`;
        case 'AWS::SSM::Parameter':
          return r.Properties!.Name as string;
        default:
          throw new Error(`no plausible value for Ref to ${r.Type}`);
      }
    }
    if ('Fn::GetAtt' in o) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      const r = json.Resources[id];
      if (r?.Type === 'AWS::RDS::DBInstance' && attr === 'Endpoint.Address') return `${id.toLowerCase()}.c${hex(id, 11)}.eu-west-1.rds.amazonaws.com`;
      if (r?.Type === 'AWS::RDS::DBInstance' && attr === 'Endpoint.Port') return String(r.Properties!.Port);
      if (attr === 'Arn') {
        // The ARN shapes of AWS's Service Authorization Reference, so policies can be checked against it.
        switch (r?.Type) {
          case 'AWS::Logs::LogGroup':
            return `arn:aws:logs:eu-west-1:111122223333:log-group:${id}:*`;
          case 'AWS::Events::EventBus':
            return `arn:aws:events:eu-west-1:111122223333:event-bus/DevVmForJira${id}`;
          case 'AWS::S3::Bucket':
            return `arn:aws:s3:::devvm-${id.toLowerCase()}-${hex(id, 8)}`;
          case 'AWS::Lambda::Function':
            return `arn:aws:lambda:eu-west-1:111122223333:function:${id}`;
          case 'AWS::SQS::Queue':
            return `arn:aws:sqs:eu-west-1:111122223333:${id}`;
          case 'AWS::IAM::Role':
            return `arn:aws:iam::111122223333:role/${id}`;
          case 'AWS::KMS::Key':
            return `arn:aws:kms:eu-west-1:111122223333:key/${hex(id, 8)}-${hex(id + 'a', 4)}-${hex(id + 'b', 4)}-${hex(id + 'c', 4)}-${hex(id + 'd', 12)}`;
        }
      }
      if (r?.Type === 'AWS::IAM::User' && attr === 'Arn') return `arn:aws:iam::111122223333:user${(r.Properties?.Path as string | undefined) ?? '/'}${id}`;
      if (r?.Type === 'AWS::EFS::FileSystem' && attr === 'Arn') return `arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0${hex(id, 16)}`;
      if (r?.Type === 'AWS::EC2::SecurityGroup' && attr === 'GroupId') return `sg-0${hex(id, 16)}`;
      if (attr === 'Arn') return `arn:aws:${r?.Type.split('::')[1]!.toLowerCase()}:eu-west-1:111122223333:${id}`;
      throw new Error(`no plausible value for ${r?.Type}.${attr}`);
    }
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => resolveTokens(p, json)).join(sep);
    }
  }
  throw new Error(`unresolvable token ${JSON.stringify(value)}`);
}
