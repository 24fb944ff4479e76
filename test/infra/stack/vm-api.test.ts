import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAMBDA_DIR } from '../../../infra-cdk/lib/lambda-factory';
import { ReconcilerEnv, NotifierEnv, VmApiEnv, loadEnv } from '../../../infra-cdk/lambda/shared/env';
import { MANAGED_BY } from '../../../src/contract/tags';
import { asArray, logicalIdOf, resolveTokens, resourcesOfType, roleStatements, type Statement } from '../support';
import { decide, resolveDocument } from '../iam-sim';
import { s, stack, template, json, id, ref, actionsOf, has, resourcesText, apiSg } from './template';

// infra-cdk/lib/constructs/vm-api.ts: the Lambda functions (through the factory), their environments, the function URL and the VM API role.

describe('Lambda functions', () => {
  const ours = resourcesOfType(json, 'AWS::Lambda::Function').filter(([, r]) =>
    JSON.stringify(r.Properties!.Environment ?? {}).includes('POWERTOOLS_SERVICE_NAME'),
  );
  const fnProps = (fn: Parameters<typeof logicalIdOf>[1]) => json.Resources[id(fn)]!.Properties!;

  it('are the three handlers, created through the factory', () => {
    expect(ours).toHaveLength(3);
    expect(Object.values(s.lambdas.entries).sort()).toEqual(['notifier/handler.ts', 'reconciler/handler.ts', 'vm-api/handler.ts']);
    // The production factory bundles exactly these files; each must exist and export `handler`.
    for (const entry of Object.values(s.lambdas.entries)) {
      expect(fs.readFileSync(path.join(LAMBDA_DIR, entry), 'utf8')).toMatch(/export (const|async function|function) handler\b/);
    }
  });

  it.each(ours.map(([k]) => k))('%s runs nodejs22.x on arm64 with JSON logs into its own log group', (logicalId) => {
    const p = json.Resources[logicalId]!.Properties!;
    expect(p.Runtime).toBe('nodejs22.x');
    expect(p.Architectures).toEqual(['arm64']);
    expect(p.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO' });
    expect(JSON.stringify(p.LoggingConfig)).toContain('LogGroup');
  });

  it('puts only the VM API in the VPC (it must reach RDS); the notifier needs the internet', () => {
    expect(fnProps(stack.api.fn).VpcConfig).toMatchObject({ SecurityGroupIds: [{ 'Fn::GetAtt': [apiSg, 'GroupId'] }] });
    // Lambda checks the ENI permissions at creation: the function waits for that policy.
    const vpcAccess = id(stack.api.node.findChild('FunctionVpcAccess'));
    expect(template.toJSON().Resources[id(stack.api.fn)].DependsOn).toContain(vpcAccess);
    expect(fnProps(stack.events.notifier).VpcConfig).toBeUndefined();
    expect(fnProps(stack.scheduler.reconciler).VpcConfig).toBeUndefined();
  });
});

describe('environment contract (lambda/shared/env.ts)', () => {
  const envOf = (fn: Parameters<typeof logicalIdOf>[1]) => {
    const vars = (json.Resources[id(fn)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    const out: Record<string, string> = { AWS_REGION: 'eu-west-1' };
    for (const [k, v] of Object.entries(vars)) out[k] = resolveTokens(v, json);
    return out;
  };

  it('the VM API environment parses with VmApiEnv', () => {
    const env = loadEnv(VmApiEnv, envOf(stack.api.fn));
    expect(Object.keys(env.LAUNCH_TEMPLATES).sort()).toEqual(['al2023', 'ubuntu-24.04']);
    expect(env.VM_SUBNET_IDS).toHaveLength(2);
    expect(env.ALLOWED_OS).toEqual(['al2023', 'ubuntu-24.04']);
    expect(env.POSTGRES_PORT).toBe(5432);
    expect(env.MYSQL_PORT).toBe(3306);
    expect(env.POSTGRES_HOST).toMatch(/\.rds\.amazonaws\.com$/);
    expect(env.INSTANCE_ROLE_PATH).toBe('/dev-vm/');
    expect(env.MANAGED_BY).toBe(MANAGED_BY);
    // The only caller the handler serves is the stack's own Forge user.
    const raw = (json.Resources[id(stack.api.fn)]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(raw.FORGE_CALLER_ARN).toEqual({ 'Fn::GetAtt': [id(stack.api.forgeUser), 'Arn'] });
    expect(env.FORGE_CALLER_ARN).toBe('arn:aws:iam::111122223333:user/dev-vm/' + id(stack.api.forgeUser));
  });

  it('the reconciler environment parses with ReconcilerEnv', () => {
    const env = loadEnv(ReconcilerEnv, envOf(stack.scheduler.reconciler));
    expect(env).toMatchObject({ INTERVAL_MINUTES: 5, IDLE_DAYS: 30, IDLE_WARNING_DAYS: 3 });
  });

  it('the notifier environment parses with NotifierEnv', () => {
    const env = loadEnv(NotifierEnv, envOf(stack.events.notifier));
    expect(env.WEBTRIGGER_URL_PARAMETER).toBe('/dev-vm/webtrigger-url');
  });

  it('sets no variable the schemas do not declare (besides POWERTOOLS_SERVICE_NAME)', () => {
    const declared = new Set([...Object.keys(VmApiEnv.shape), ...Object.keys(ReconcilerEnv.shape), ...Object.keys(NotifierEnv.shape), 'POWERTOOLS_SERVICE_NAME']);
    for (const fn of [stack.api.fn, stack.scheduler.reconciler, stack.events.notifier]) {
      for (const k of Object.keys(envOf(fn))) expect(declared).toContain(k);
    }
  });

  it('a missing variable would fail the cold start, naming it (the test can fail)', () => {
    const env = envOf(stack.api.fn);
    delete env.EFS_FILE_SYSTEM_ID;
    expect(() => loadEnv(VmApiEnv, env)).toThrow(/EFS_FILE_SYSTEM_ID/);
  });
});

describe('VM API endpoint and the Forge principal', () => {
  const user = id(stack.api.forgeUser);
  const userPolicies = resourcesOfType(json, 'AWS::IAM::Policy').filter(([, r]) => JSON.stringify(r.Properties!.Users ?? []).includes(user));

  it('is a function URL with AWS_IAM auth', () => {
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [id(stack.api.fn), 'Arn'] } });
    // No resource policy opens it to anyone: the only Lambda permission is EventBridge → notifier.
    for (const [, p] of resourcesOfType(json, 'AWS::Lambda::Permission')) expect(p.Properties!.Principal).not.toBe('*');
  });

  it('lets the Forge principal only invoke that URL (InvokeFunctionUrl + InvokeFunction via the URL)', () => {
    expect(userPolicies).toHaveLength(1);
    const statements = (userPolicies[0]![1].Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
    const fnArn = { 'Fn::GetAtt': [id(stack.api.fn), 'Arn'] };
    expect(statements).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'lambda:InvokeFunctionUrl', Resource: fnArn, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }),
      expect.objectContaining({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fnArn, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } }),
    ]);
    const u = json.Resources[user]!.Properties ?? {};
    expect(u.ManagedPolicyArns).toBeUndefined();
    expect(u.Groups).toBeUndefined();
  });

  it('hands the access key over through a Secrets Manager secret, never an output', () => {
    const key = id(stack.api.node.findChild('ForgeKey'));
    const secret = json.Resources[id(stack.api.forgeKeySecret)]!.Properties!;
    expect(secret.Name).toBe('dev-vm/forge-access-key');
    expect(JSON.stringify(secret.SecretString)).toContain(`"${key}","SecretAccessKey"`);
    expect(JSON.stringify(json.Outputs)).not.toContain('SecretAccessKey');
    // forgeKeySerial (context) replaces the key when bumped.
    expect(json.Resources[key]!.Properties).toMatchObject({ Serial: 1, UserName: { Ref: user } });
  });
});

describe('VM API role: IAM, secrets, EFS, state, events', () => {
  const statements = roleStatements(json, id(stack.api.fn.role!));
  const find = (action: string) => statements.filter((st) => has(st, action));
  const rolePath = ':role/dev-vm/*';

  it('creates roles only under the path with the stack\'s permissions boundary, and attaches only the instance policy', () => {
    const [create] = find('iam:CreateRole');
    expect(resourcesText(create!)).toContain(rolePath);
    expect(create!.Condition).toMatchObject({ StringEquals: { 'iam:PermissionsBoundary': ref(stack.launch.boundary.policy), 'aws:RequestTag/ManagedBy': MANAGED_BY } });
    const [attach] = find('iam:AttachRolePolicy');
    expect(attach!.Condition).toEqual({
      StringEquals: { 'iam:PermissionsBoundary': ref(stack.launch.boundary.policy), 'iam:PolicyARN': ref(stack.launch.instancePolicy.policy) },
    });
    for (const a of ['iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:GetInstanceProfile']) {
      expect(resourcesText(find(a)[0]!)).toContain(':instance-profile/dev-vm/*');
    }
    for (const st of statements.filter((x) => actionsOf(x).some((a) => a.startsWith('iam:')))) expect(st.Resource).not.toBe('*');
  });

  it('may read the SSM parameters its launch templates resolve the AMI from (RunInstances with resolve:ssm needs ssm:GetParameters)', () => {
    const params = resourcesOfType(json, 'AWS::EC2::LaunchTemplate').map(([, r]) => {
      const imageId = (r.Properties!.LaunchTemplateData as { ImageId: string }).ImageId;
      return imageId.replace(/^resolve:ssm:/, '');
    });
    expect(params.length).toBeGreaterThan(0);
    const reads = find('ssm:GetParameters');
    for (const name of params) {
      // Public parameters (/aws/service/...) have no account in their ARN.
      const arn = `arn:aws:ssm:eu-west-1:${name.startsWith('/aws/service/') ? '' : '111122223333'}:parameter${name}`;
      expect(reads.flatMap((st) => asArray(st.Resource as unknown[]).map((r) => resolveTokens(r, json)))).toContain(arn);
    }
    for (const st of reads) expect(st.Resource).not.toBe('*');
  });

  it('passes roles only under the path, only to EC2', () => {
    const [pass] = find('iam:PassRole');
    expect(resourcesText(pass!)).toContain(rolePath);
    expect(pass!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });

  it('creates and reads secrets only under the prefix, and reads the master secrets', () => {
    for (const st of find('secretsmanager:CreateSecret')) expect(resourcesText(st)).toContain(':secret:dev-vm/db/developer/*');
    const master = find('secretsmanager:GetSecretValue').flatMap((st) => asArray(st.Resource as unknown[]));
    expect(master).toEqual(expect.arrayContaining([ref(stack.databases.postgres!.secret!), ref(stack.databases.mysql!.secret!)]));
  });

  it('writes and reads only developers\' DB secrets (and reads the masters): never the Lifecycle events signing secret or the Forge access key', async () => {
    const apiRole = { identity: [resolveDocument({ Version: '2012-10-17' as const, Statement: statements }, json)] };
    const secret = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:dev-vm/${name}-AbCdEf`;
    const decideOn = (action: string, name: string) => decide(apiRole, { action, resource: secret(name) });
    for (const action of ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue', 'secretsmanager:GetSecretValue', 'secretsmanager:RestoreSecret']) {
      expect(await decideOn(action, 'db/developer/alice')).toBe('Allowed');
      expect(await decideOn(action, 'webtrigger-hmac')).toBe('ImplicitlyDenied');
      expect(await decideOn(action, 'forge-access-key')).toBe('ImplicitlyDenied');
    }
    expect(await decideOn('secretsmanager:PutSecretValue', 'rds/postgres-master')).toBe('ImplicitlyDenied');
  });

  it('creates EFS access points only on this file system with the ManagedBy and DeveloperName tags', () => {
    const [create] = find('elasticfilesystem:CreateAccessPoint');
    expect(create!.Resource).toEqual({ 'Fn::GetAtt': [id(stack.storage.fileSystem), 'Arn'] });
    // Only the access point's own tag keys (CostCenter included, issue 13).
    const apKeys = { 'aws:TagKeys': ['Name', 'DeveloperName', 'ManagedBy', 'CostCenter'] };
    expect(create!.Condition).toEqual({ StringEquals: { 'aws:RequestTag/ManagedBy': MANAGED_BY }, Null: { 'aws:RequestTag/DeveloperName': 'false' }, 'ForAllValues:StringEquals': apKeys });
    expect(find('elasticfilesystem:TagResource').map((st) => st.Condition)).toEqual([
      { StringEquals: { 'elasticfilesystem:CreateAction': 'CreateAccessPoint' }, 'ForAllValues:StringEquals': apKeys },
      // An existing home of this stack gets the CostCenter key, and nothing else.
      { StringEquals: { 'aws:ResourceTag/ManagedBy': MANAGED_BY }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['CostCenter'] }, Null: { 'aws:TagKeys': 'false' } },
    ]);
  });

  it('lets the cost center follow the issue with the CostCenter key only: on this stack\'s volumes and homes (issue 13)', () => {
    const only = { StringEquals: { 'aws:ResourceTag/ManagedBy': MANAGED_BY }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['CostCenter'] }, Null: { 'aws:TagKeys': 'false' } };
    expect(find('elasticfilesystem:UntagResource').map((st) => st.Condition)).toEqual([only]);
    const volumeRetag = find('ec2:DeleteTags').filter((st) => JSON.stringify(st.Resource).includes(':volume/'));
    expect(volumeRetag.map((st) => [st.Action, st.Condition])).toEqual([
      [['ec2:CreateTags', 'ec2:DeleteTags'], { StringEquals: { 'ec2:ResourceTag/ManagedBy': MANAGED_BY }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['CostCenter'] }, Null: { 'aws:TagKeys': 'false' } }],
    ]);
  });

  it('reads (not writes) the scheduler state and puts events on the bus', () => {
    // The scheduler's state, and the connection test's reports (POST /test-event).
    expect(find('s3:GetObject').map((st) => JSON.stringify(st.Resource).match(/\/(\w[\w-]*)\/\*/)?.[1])).toEqual(['scheduler', 'connection-tests']);
    expect(find('s3:PutObject')).toHaveLength(0);
    expect(find('events:PutEvents')[0]!.Resource).toEqual({ 'Fn::GetAtt': [id(stack.events.bus), 'Arn'] });
  });
});
