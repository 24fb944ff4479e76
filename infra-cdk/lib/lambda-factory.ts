import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { LAMBDA_DIR, lambdaBuildOptions } from './bundling';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations, type ILocalBundling } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Lambda sources live in infra-cdk/lambda; entries are given relative to it. */
export { LAMBDA_DIR };

export interface LambdaSpec {
  /** Handler file relative to infra-cdk/lambda, exporting `handler` (e.g. `vm-api/handler.ts`). */
  readonly entry: string;
  /** POWERTOOLS_SERVICE_NAME and the log group name suffix. */
  readonly serviceName: string;
  readonly description: string;
  /** Exactly the variables of the function's env schema (lambda/shared/env.ts), AWS_REGION excluded. */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** Set only for functions that must reach something inside the VPC (the VM API → RDS). */
  readonly vpc?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection; readonly securityGroups: ec2.ISecurityGroup[] };
}

/** The only way the stack creates Lambda functions; tests pass one that skips bundling. */
export interface LambdaFactory {
  create(scope: Construct, id: string, spec: LambdaSpec): lambda.Function;
}

export interface FunctionBase {
  readonly props: lambda.FunctionProps & { role: iam.Role };
  /** Created with the function and needed before it exists (VPC ENI permissions). */
  readonly dependsOn: readonly Construct[];
}

/**
 * Everything but the code, shared by every factory so defaults cannot drift: Node 22 on arm64
 * (cheaper per GB-second than x86, and the handlers are pure JS), JSON logs at INFO into a log
 * group with a retention, a role of its own that may write to that log group only.
 */
export function functionBase(scope: Construct, id: string, spec: LambdaSpec): FunctionBase {
  const dependsOn: Construct[] = [];
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of ${spec.serviceName}`,
  });
  // Written out instead of AWSLambdaBasicExecutionRole, which allows every log group in the account.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
  );
  if (spec.vpc) {
    // The ENI actions Lambda needs to attach to the VPC (same as AWSLambdaVPCAccessExecutionRole).
    const eni = new iam.Policy(scope, `${id}VpcAccess`, {
      statements: [
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      ],
    });
    role.attachInlinePolicy(eni);
    // Lambda checks these permissions when the function is created, so it must wait for them.
    dependsOn.push(eni);
    Validations.of(eni).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Lambda creates and deletes its VPC ENIs before their ids exist; EC2 accepts no narrower resource for these calls.',
    });
  }
  // X-Ray active tracing (set on the function in finishFunction): Lambda records each invocation,
  // the Powertools tracer (lambda/shared/powertools.ts) adds the handler and AWS-call subsegments.
  // The permission is a policy of its own, not `tracing: ACTIVE`'s addition to the default policy,
  // so the wildcard acknowledgement below covers these two actions and nothing added later.
  const xray = new iam.Policy(scope, `${id}Tracing`, {
    statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
  });
  role.attachInlinePolicy(xray);
  dependsOn.push(xray);
  Validations.of(xray).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray trace segments and telemetry have no resource type; IAM accepts only * for these two actions.',
  });
  const props = {
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromInline('throw new Error("replaced by the factory")'),
    description: spec.description,
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
    timeout: spec.timeout ?? Duration.seconds(30),
    memorySize: spec.memorySize ?? 512,
    environment: { ...spec.environment, POWERTOOLS_SERVICE_NAME: spec.serviceName },
    ...(spec.vpc ? { vpc: spec.vpc.vpc, vpcSubnets: spec.vpc.subnets, securityGroups: spec.vpc.securityGroups } : {}),
  };
  return { props, dependsOn };
}

/** What every factory does to the function it made: dependencies, and the acknowledgement of the runtime choice. */
export function finishFunction(fn: lambda.Function, base: FunctionBase): void {
  for (const d of base.dependsOn) fn.node.addDependency(d);
  (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Pinned to nodejs22.x on purpose: the Forge app runs nodejs22.x and both import src/contract; 22 is supported until 2027-04.',
  });
}

/**
 * Bundles one handler with the local esbuild into the asset directory (bundling.ts has the
 * options). A class with the entry as a field, not a bare object: CDK keys its per-process
 * asset cache on the JSON of the bundling options, where a function alone would vanish and two
 * handlers would share one bundle.
 */
class EsbuildBundling implements ILocalBundling {
  constructor(readonly entry: string) {}

  tryBundle(outputDir: string): boolean {
    buildSync(lambdaBuildOptions(path.join(LAMBDA_DIR, this.entry), outputDir));
    return true;
  }
}

/**
 * Production factory: each handler is bundled by the local esbuild (no Docker) into an ES module
 * with its lazily loaded chunks beside it, all in the function's one asset. NodejsFunction cannot
 * do this: it passes esbuild an `--outfile`, and code splitting needs an output directory.
 */
export class BundlingLambdaFactory implements LambdaFactory {
  create(scope: Construct, id: string, spec: LambdaSpec): lambda.Function {
    const base = functionBase(scope, id, spec);
    const fn = new lambda.Function(scope, id, {
      ...base.props,
      code: lambda.Code.fromAsset(LAMBDA_DIR, {
        // The hash of the bundle itself: it changes exactly when the deployed code does.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: new EsbuildBundling(spec.entry),
          // Required by the API, never pulled: local bundling either succeeds or throws.
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
        },
      }),
    });
    finishFunction(fn, base);
    return fn;
  }
}
