import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LAMBDA_DIR } from '../../infra-cdk/lib/lambda-factory';
import { ReconcilerEnv, NotifierEnv, VmApiEnv, loadEnv } from '../../infra-cdk/lambda/shared/env';
import { EVENT_SOURCE } from '../../src/contract/events';
import { MANAGED_BY, Tag } from '../../src/contract/tags';
import {
  allStatements,
  asArray,
  describeViolations,
  logicalIdOf,
  resolveTokens,
  resourcesOfType,
  roleStatements,
  synth,
  type Statement,
} from './support';
import { decide, resolveDocument } from './iam-sim';

// Synthesized once for the file: the default context of cdk.json (NAT egress, both databases,
// CloudTrail and developer access on).
const s = synth();
const { stack, template, json } = s;
const id = (c: Parameters<typeof logicalIdOf>[1]) => logicalIdOf(stack, c);
const ref = (c: Parameters<typeof logicalIdOf>[1]) => ({ Ref: id(c) });
const actionsOf = (st: Statement) => asArray(st.Action);
const has = (st: Statement, action: string) => actionsOf(st).includes(action);
const resourcesText = (st: Statement) => JSON.stringify(st.Resource);

const vmSg = id(stack.network.vmSecurityGroup);
const apiSg = id(stack.network.apiSecurityGroup);
const dbSg = id(stack.network.dbSecurityGroup);

function ingressRulesOf(groupLogicalId: string) {
  return resourcesOfType(json, 'AWS::EC2::SecurityGroupIngress')
    .map(([, r]) => r.Properties!)
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [groupLogicalId, 'GroupId'] }))
    .map((p) => ({ port: p.FromPort, toPort: p.ToPort, from: (p.SourceSecurityGroupId as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0], cidr: p.CidrIp }));
}

describe('whole template', () => {
  it('matches the snapshot (asset hashes blanked): review any diff, then update with -u', () => {
    const text = JSON.stringify(json, null, 1).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset-hash>');
    expect(JSON.parse(text)).toMatchSnapshot();
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning on the default stack', () => {
    expect(describeViolations(s.violations)).toEqual([]);
  });

  it('would report a finding (the check is live): a bare bucket fails S1/S10', () => {
    const app = new App();
    new s3.Bucket(new Stack(app, 'Bare'), 'Bucket');
    const rules = new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });

  it('acknowledges only exact findings, next to the resource, each with a written reason', () => {
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => ({ path: c.node.path, data: m.data as Record<string, string> })));
    // (aws-cdk-lib acknowledges one CloudFormation-Validate rule of its own on every stack; only cdk-nag's are ours.)
    const nag = acks.flatMap(({ path: where, data }) =>
      Object.entries(data)
        .map(([ruleId, reason]) => ({ where, id: ruleId.replace(/^annotation::/i, ''), reason }))
        .filter((a) => a.id.startsWith('AwsSolutions-')),
    );
    expect(nag.length).toBeGreaterThan(10);
    for (const a of nag) {
      expect(a.where).not.toBe(stack.node.path); // never stack-wide
      if (a.id.startsWith('AwsSolutions-IAM5')) expect(a.id).toMatch(/^AwsSolutions-IAM5\[(Resource|Action)::.+\]$/);
      expect(a.reason.length).toBeGreaterThan(40);
    }
  });
});

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

describe('EFS homes', () => {
  const fs = json.Resources[id(stack.storage.fileSystem)]!.Properties!;
  const efsSg = id(stack.storage.fileSystem.connections.securityGroups[0]!);

  it('is encrypted, backed up and moves cold files to Infrequent Access', () => {
    expect(fs.Encrypted).toBe(true);
    expect(fs.BackupPolicy).toEqual({ Status: 'ENABLED' });
    expect(fs.LifecyclePolicies).toEqual(expect.arrayContaining([{ TransitionToIA: 'AFTER_30_DAYS' }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }]));
  });

  it('has one mount target per private subnet, behind the EFS security group', () => {
    const targets = resourcesOfType(json, 'AWS::EFS::MountTarget').map(([, r]) => r.Properties!);
    const subnets = stack.network.vpc.selectSubnets(stack.network.privateSubnets).subnets.map((sn) => id(sn));
    expect(targets.map((t) => (t.SubnetId as { Ref: string }).Ref).sort()).toEqual(subnets.sort());
    for (const t of targets) expect(t.SecurityGroups).toEqual([{ 'Fn::GetAtt': [efsSg, 'GroupId'] }]);
  });

  it('allows NFS only from the VM security group', () => {
    expect(ingressRulesOf(efsSg)).toEqual([{ port: 2049, toPort: 2049, from: vmSg, cidr: undefined }]);
    expect(json.Resources[efsSg]!.Properties!.SecurityGroupIngress).toBeUndefined();
  });

  it('requires TLS, an access point and a mount target, and never grants root or anonymous access', () => {
    const statements = (fs.FileSystemPolicy as { Statement: Statement[] }).Statement;
    const sid = (x: string) => statements.find((st) => st.Sid === x)!;
    expect(sid('DenyWithoutTls')).toMatchObject({ Effect: 'Deny', Action: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(sid('DenyMountsOutsideAccessPoints')).toMatchObject({ Effect: 'Deny', Condition: { Null: { 'elasticfilesystem:AccessPointArn': 'true' } } });
    expect(sid('DenyRootAccess')).toMatchObject({ Effect: 'Deny', Action: 'elasticfilesystem:ClientRootAccess' });
    const allows = statements.filter((st) => st.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0]!.Condition).toEqual({ Bool: { 'elasticfilesystem:AccessedViaMountTarget': 'true' } });
    expect(JSON.stringify(allows[0]!.Principal)).toContain(':root');
    expect(actionsOf(allows[0]!)).not.toContain('elasticfilesystem:ClientRootAccess');
  });
});

describe('RDS', () => {
  const dbs = resourcesOfType(json, 'AWS::RDS::DBInstance');
  const byEngine = (e: string) => dbs.find(([, r]) => r.Properties!.Engine === e)!;

  it('creates one PostgreSQL 17 and one MySQL 8.4 instance', () => {
    expect(dbs).toHaveLength(2);
    expect(byEngine('postgres')[1].Properties!.EngineVersion).toBe('17');
    expect(byEngine('mysql')[1].Properties!.EngineVersion).toBe('8.4');
  });

  it.each(['postgres', 'mysql'])('%s: t4g class, gp3, encrypted, 7-day backups, private, deletion-protected, generated master secret', (engine) => {
    const [logicalId, r] = byEngine(engine);
    const p = r.Properties!;
    expect(p.DBInstanceClass).toBe('db.t4g.micro');
    expect(p.StorageType).toBe('gp3');
    expect(p.StorageEncrypted).toBe(true);
    expect(p.BackupRetentionPeriod).toBe(7);
    expect(p.PubliclyAccessible).toBe(false);
    expect(p.DeletionProtection).toBe(true);
    expect(p.VPCSecurityGroups).toEqual([{ 'Fn::GetAtt': [dbSg, 'GroupId'] }]);
    expect(JSON.stringify(p.MasterUserPassword)).toContain('{{resolve:secretsmanager:');
    expect(template.toJSON().Resources[logicalId].DeletionPolicy).toBe('Snapshot');
    const secretName = engine === 'postgres' ? 'dev-vm/rds/postgres-master' : 'dev-vm/rds/mysql-master';
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: secretName, GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }) });
  });

  it('forces TLS on both engines', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres17', Parameters: { 'rds.force_ssl': '1', 'rds.restrict_password_commands': '1' } });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'mysql8.4', Parameters: { require_secure_transport: 'ON' } });
  });
});

describe('launch templates', () => {
  const templates = resourcesOfType(json, 'AWS::EC2::LaunchTemplate').map(([, r]) => r.Properties!.LaunchTemplateData as Record<string, unknown>);

  it('exist for Amazon Linux 2023 and Ubuntu 24.04 with AMIs resolved from public SSM parameters at launch', () => {
    expect(templates.map((t) => t.ImageId).sort()).toEqual([
      'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
      'resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
    ]);
  });

  it.each([0, 1])('template %i requires IMDSv2, encrypts a gp3 root, uses the VM security group, no key pair, no public IP', (i) => {
    const t = templates[i]!;
    expect(t.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    expect((t.MetadataOptions as { HttpPutResponseHopLimit: number }).HttpPutResponseHopLimit).toBeLessThanOrEqual(2);
    const [bdm] = t.BlockDeviceMappings as { DeviceName: string; Ebs: Record<string, unknown> }[];
    expect(bdm!.Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true });
    expect(t.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [vmSg, 'GroupId'] }]);
    expect(t.KeyName).toBeUndefined();
    expect(t.IamInstanceProfile).toBeUndefined();
    expect(JSON.stringify(t.NetworkInterfaces ?? [])).not.toContain('"AssociatePublicIpAddress":true');
  });

  it('tags instances and volumes ManagedBy at launch', () => {
    for (const t of templates) {
      const specs = t.TagSpecifications as { ResourceType: string; Tags: { Key: string; Value: string }[] }[];
      for (const type of ['instance', 'volume']) {
        expect(specs.find((x) => x.ResourceType === type)!.Tags).toContainEqual({ Key: 'ManagedBy', Value: MANAGED_BY });
      }
    }
  });
});

describe('instance identity (per-developer roles created by the API)', () => {
  const policy = json.Resources[id(stack.launch.instancePolicy.policy)]!.Properties!.PolicyDocument as { Statement: Statement[] };
  const boundary = json.Resources[id(stack.launch.boundary.policy)]!.Properties!.PolicyDocument as { Statement: Statement[] };

  it('reads only secrets whose DeveloperName tag equals the role\'s DeveloperName tag', () => {
    const st = policy.Statement.find((x) => has(x, 'secretsmanager:GetSecretValue'))!;
    expect(st.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/DeveloperName': '${aws:PrincipalTag/DeveloperName}' }, Null: { 'ec2:SourceInstanceARN': 'false' } });
    expect(resourcesText(st)).toContain(':secret:dev-vm/*');
  });

  it('mounts EFS only through an access point of this file system', () => {
    const st = policy.Statement.find((x) => has(x, 'elasticfilesystem:ClientMount'))!;
    expect(st.Resource).toEqual({ 'Fn::GetAtt': [id(stack.storage.fileSystem), 'Arn'] });
    expect(JSON.stringify(st.Condition)).toContain('access-point/${aws:PrincipalTag/DevVmHomeAccessPoint}');
    expect(actionsOf(st)).not.toContain('elasticfilesystem:ClientRootAccess');
  });

  it('mounts only the developer\'s own home access point (role tag DevVmHomeAccessPoint), never a colleague\'s', async () => {
    const vmRole = { identity: [resolveDocument({ Version: '2012-10-17' as const, Statement: policy.Statement }, json)] };
    const fsArn = resolveTokens({ 'Fn::GetAtt': [id(stack.storage.fileSystem), 'Arn'] }, json);
    const mount = (ap: string) =>
      decide(vmRole, {
        principal: 'arn:aws:sts::111122223333:assumed-role/dev-vm-jdoe/i-0aaa',
        action: 'elasticfilesystem:ClientMount',
        resource: fsArn,
        context: {
          'aws:PrincipalTag/DevVmHomeAccessPoint': 'fsap-0aaaaaaaaaaaaaaaa',
          'ec2:SourceInstanceARN': 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0aaa',
          'elasticfilesystem:AccessPointArn': `arn:aws:elasticfilesystem:eu-west-1:111122223333:access-point/${ap}`,
        },
      });
    expect(await mount('fsap-0aaaaaaaaaaaaaaaa')).toBe('Allowed');
    expect(await mount('fsap-0bbbbbbbbbbbbbbbb')).toBe('ImplicitlyDenied');
  });

  it('has a boundary that allows no more actions than the policy, and neither grants IAM or EC2 control', () => {
    const acts = (d: { Statement: Statement[] }) => new Set(d.Statement.flatMap(actionsOf));
    expect([...acts(policy)].sort()).toEqual([...acts(boundary)].sort());
    for (const a of acts(boundary)) expect(a).toMatch(/^(ssm|ssmmessages|ec2messages|secretsmanager|elasticfilesystem):|^ec2:CreateTags$/);
    // The one EC2 action: the first-boot signal, its own DevVmBootStatus tag and no other key (issue 13, item 5).
    for (const d of [policy, boundary]) {
      for (const st of d.Statement.filter((x) => actionsOf(x).includes('ec2:CreateTags'))) {
        expect(actionsOf(st)).toEqual(['ec2:CreateTags']);
        expect(st.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']).toEqual([Tag.BootStatus]);
        expect(st.Condition?.Null).toEqual({ 'ec2:SourceInstanceARN': 'false', 'aws:TagKeys': 'false' });
      }
    }
  });
});

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

describe('tag conditions on every EC2 write', () => {
  const statements = allStatements(json).map((x) => x.statement).filter((st) => st.Effect === 'Allow');

  it('every Start/Stop/Terminate is conditioned on ec2:ResourceTag/ManagedBy', () => {
    const lifecycle = statements.filter((st) => ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:TerminateInstances'].some((a) => has(st, a)));
    expect(lifecycle.length).toBeGreaterThanOrEqual(2); // the API and the reconciler
    for (const st of lifecycle) {
      expect(st.Condition?.StringEquals?.['ec2:ResourceTag/ManagedBy']).toBe(MANAGED_BY);
      expect(resourcesText(st)).toContain(':instance/*');
    }
  });

  it('every CreateTags/DeleteTags is tag-on-launch or on managed instances, never rewriting the identity tags', () => {
    const tagging = statements.filter((st) => has(st, 'ec2:CreateTags') || has(st, 'ec2:DeleteTags'));
    expect(tagging.length).toBeGreaterThanOrEqual(3);
    for (const st of tagging) {
      const onLaunch = st.Condition?.StringEquals?.['ec2:CreateAction'] === 'RunInstances';
      const managed = st.Condition?.StringEquals?.['ec2:ResourceTag/ManagedBy'] === MANAGED_BY;
      expect(onLaunch || managed).toBe(true);
      // Either never an identity key, or only the VM's boot-status key (the instance role's signal),
      // or only the reconciler's own two keys (a schedule error, a deferred stop).
      const allowList = JSON.stringify(st.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']);
      const onlyOwnKeys = allowList === JSON.stringify([Tag.BootStatus]) || allowList === JSON.stringify([Tag.ScheduleError, Tag.StopDeferredUntil]);
      if (managed && !onlyOwnKeys) expect(st.Condition?.['ForAllValues:StringNotEquals']?.['aws:TagKeys']).toEqual(['ManagedBy', 'DeveloperName', 'ClientName']);
    }
  });

  it('RunInstances on instance/* requires the ManagedBy, Environment and identity request tags, an allowed instance type and this stack\'s launch templates', () => {
    const runs = statements.filter((st) => has(st, 'ec2:RunInstances'));
    const onInstances = runs.filter((st) => resourcesText(st).includes(':instance/*'));
    expect(onInstances).toHaveLength(1);
    const c = onInstances[0]!.Condition!;
    expect(c.StringEquals).toEqual({
      'aws:RequestTag/ManagedBy': MANAGED_BY,
      'aws:RequestTag/Environment': 'dev',
      'ec2:InstanceType': stack.node.tryGetContext('allowedInstanceTypes'),
    });
    expect(c.Null).toEqual({ 'aws:RequestTag/ClientName': 'false', 'aws:RequestTag/DeveloperName': 'false', 'aws:RequestTag/JiraIssue': 'false' });
    const lts = Object.values(stack.launch.templates).map((lt) => id(lt!));
    for (const st of runs) {
      const arns = JSON.stringify(st.Condition?.ArnEquals?.['ec2:LaunchTemplate']);
      for (const lt of lts) expect(arns).toContain(lt);
    }
  });

  it('denies RunInstances with a public IP, and without IMDSv2 required in the request', () => {
    const denies = allStatements(json).map((x) => x.statement).filter((st) => st.Effect === 'Deny' && has(st, 'ec2:RunInstances'));
    expect(denies.map((d) => d.Condition)).toEqual([
      { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
      { Bool: { 'ec2:AssociatePublicIpAddress': 'true' } },
    ]);
  });

  it('DescribeInstances is the only unscoped EC2 call', () => {
    for (const st of statements.filter((x) => JSON.stringify(x.Resource) === '"*"')) {
      for (const a of actionsOf(st).filter((x) => x.startsWith('ec2:'))) {
        expect(a).toMatch(/^ec2:(Describe[A-Za-z]+|CreateNetworkInterface|DeleteNetworkInterface|AssignPrivateIpAddresses|UnassignPrivateIpAddresses)$/);
      }
    }
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

  it('reads (not writes) the scheduler state and puts events on the bus', () => {
    // The scheduler's state, and the connection test's reports (POST /test-event).
    expect(find('s3:GetObject').map((st) => JSON.stringify(st.Resource).match(/\/(\w[\w-]*)\/\*/)?.[1])).toEqual(['scheduler', 'connection-tests']);
    expect(find('s3:PutObject')).toHaveLength(0);
    expect(find('events:PutEvents')[0]!.Resource).toEqual({ 'Fn::GetAtt': [id(stack.events.bus), 'Arn'] });
  });
});

describe('scheduler', () => {
  it('runs the reconciler through EventBridge Scheduler every 5 minutes without retries', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [id(stack.scheduler.reconciler), 'Arn'] }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }) }),
    });
  });

  it('gives the reconciler lifecycle control of managed instances, state read/write, PutEvents, read-only activity measurement and its idle policy parameter only', () => {
    const statements = roleStatements(json, id(stack.scheduler.reconciler.role!));
    const actions = new Set(statements.flatMap(actionsOf));
    expect([...actions].sort()).toEqual(
      [
        'ec2:CreateTags', 'ec2:DeleteTags', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstances', 'ec2:StartInstances', 'ec2:StopInstances',
        'ec2:TerminateInstances', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:GetObject', 's3:ListBucket', 's3:PutObject',
        // X-Ray tracing of every function (lib/lambda-factory.ts); these actions have no resource.
        'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
        'ssm:DescribeSessions', 'cloudwatch:GetMetricData',
        // The admin's idle and stop rules: that one parameter (test/security/iam-idle-policy.test.ts).
        'ssm:GetParameter',
      ].sort(),
    );
    const getParameter = statements.find((st) => has(st, 'ssm:GetParameter'))!;
    expect(JSON.stringify(getParameter.Resource)).toContain(':parameter/dev-vm/idle-policy"');
    // Besides EC2's Describe* (no resource-level permissions either), only the two read-only
    // measurement actions and X-Ray's trace upload (lib/lambda-factory.ts) are on "*".
    const wildcard = statements.filter((st) => JSON.stringify(st.Resource) === '"*"').flatMap(actionsOf).sort();
    expect(wildcard).toEqual(['cloudwatch:GetMetricData', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstances', 'ssm:DescribeSessions', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    const put = statements.find((st) => has(st, 's3:PutObject'))!;
    expect(JSON.stringify(put.Resource)).toContain('/scheduler/*');
  });
});

describe('state bucket', () => {
  const bucket = json.Resources[id(stack.storage.stateBucket)]!.Properties!;
  it('is encrypted, private, versioned, with a lifecycle rule and TLS enforced', () => {
    expect(bucket.BucketEncryption).toBeDefined();
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect((bucket.LifecycleConfiguration as { Rules: unknown[] }).Rules.length).toBeGreaterThan(0);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(stack.storage.stateBucket),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('lifecycle events and the notifier', () => {
  it('routes events of source dev-vm-for-jira on the custom bus to the notifier, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(stack.events.bus),
      EventPattern: { source: [EVENT_SOURCE] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id(stack.events.notifier), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(stack.events.deadLetters), 'Arn'] } },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [id(stack.events.deadLetters), 'Arn'] } } },
    });
  });

  it('generates an HMAC secret of at least 32 characters and a web trigger parameter that starts "not configured"', () => {
    const secret = json.Resources[id(stack.events.hmacSecret)]!.Properties!;
    expect((secret.GenerateSecretString as { PasswordLength: number }).PasswordLength).toBeGreaterThanOrEqual(32);
    expect(secret.Name).toBe('dev-vm/webtrigger-hmac');
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/dev-vm/webtrigger-url', Value: 'not-configured' });
  });

  it('lets the notifier read exactly that secret and parameter', () => {
    const statements = roleStatements(json, id(stack.events.notifier.role!));
    expect(statements.find((st) => has(st, 'secretsmanager:GetSecretValue'))!.Resource).toEqual(ref(stack.events.hmacSecret));
    expect(JSON.stringify(statements.find((st) => has(st, 'ssm:GetParameter'))!.Resource)).toContain(id(stack.events.webtriggerUrlParameter));
  });

  it('connection test: the notifier may only write reports under connection-tests/, the VM API only read them there', () => {
    const bucket = id(stack.storage.stateBucket);
    const prefix = JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/connection-tests/*']] });
    const notifier = roleStatements(json, id(stack.events.notifier.role!)).filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
    expect(notifier.map((st) => [actionsOf(st), resourcesText(st)])).toEqual([[['s3:PutObject'], prefix]]);
    const api = roleStatements(json, id(stack.api.fn.role!)).filter((st) => String(st.Sid ?? '').endsWith('TestDeliveries'));
    expect(api.map((st) => actionsOf(st)).sort()).toEqual([['s3:GetObject'], ['s3:ListBucket']]);
    expect(api.find((st) => has(st, 's3:GetObject'))!.Resource).toEqual(JSON.parse(prefix));
    expect(api.find((st) => has(st, 's3:ListBucket'))!.Condition).toEqual({ StringLike: { 's3:prefix': 'connection-tests/*' } });
    // The reports live a day at most.
    const rules = (json.Resources[bucket]!.Properties!.LifecycleConfiguration as { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number }[] }).Rules;
    expect(rules.find((r) => r.Id === 'expire-connection-tests')).toMatchObject({ Prefix: 'connection-tests/', ExpirationInDays: 1 });
  });
});

describe('CloudTrail (issue 7)', () => {
  it('logs all regions with file validation into the audit bucket', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      IncludeGlobalServiceEvents: true,
      IsLogging: true,
      S3BucketName: ref(stack.audit!.bucket),
    });
  });

  it('keeps the logs encrypted, private, TLS-only, with a lifecycle rule', () => {
    const b = json.Resources[id(stack.audit!.bucket)]!.Properties!;
    expect(b.BucketEncryption).toBeDefined();
    expect(b.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    expect(JSON.stringify(b.LifecycleConfiguration)).toContain('GLACIER_IR');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(stack.audit!.bucket),
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });
});

describe('developer access (issue 7)', () => {
  const doc = json.Resources[id(stack.developerAccess!.policy)]!.Properties!.PolicyDocument as { Statement: Statement[] };
  it('is attached to a developers group', () => {
    template.hasResourceProperties('AWS::IAM::Group', { ManagedPolicyArns: [ref(stack.developerAccess!.policy)] });
  });
  it('starts sessions only on this stack\'s instances tagged with the caller\'s DeveloperName, with the shell document only', () => {
    const start = doc.Statement.filter((st) => has(st, 'ssm:StartSession'));
    expect(start).toHaveLength(2);
    const onInstance = start.find((st) => resourcesText(st).includes(':instance/*'))!;
    expect(onInstance.Condition!.StringEquals).toEqual({ 'ssm:resourceTag/DeveloperName': '${aws:PrincipalTag/DeveloperName}', 'ssm:resourceTag/ManagedBy': MANAGED_BY });
    expect(resourcesText(start.find((st) => st !== onInstance)!)).toContain(':document/SSM-SessionManagerRunShell');
  });
  it('allows no launch, stop, terminate or IAM action', () => {
    const actions = doc.Statement.flatMap(actionsOf);
    for (const a of actions) expect(a).toMatch(/^(ec2:Describe|ssm:(Describe|Get|StartSession|TerminateSession|ResumeSession))/);
  });
});

describe('operational alarms', () => {
  it('watch the dead-letter queue, a reconciler failing run after run, and VM API errors; no topic without alarmEmail', () => {
    const alarms = resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!);
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['ApproximateNumberOfMessagesVisible', 'Errors', 'Errors']);
    const reconciler = alarms.find((a) => JSON.stringify(a.Dimensions).includes(id(stack.scheduler.reconciler)))!;
    expect(reconciler).toMatchObject({ Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 3, TreatMissingData: 'breaching' });
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('outputs', () => {
  it('names everything the admin needs for the Dev VM settings page and the README', () => {
    expect(Object.keys(json.Outputs ?? {}).sort()).toEqual(
      [
        'ApiUrl', 'DeveloperGroupName', 'EfsFileSystemId', 'EventBusName', 'ForgeAccessKeySecretName', 'HmacSecretName', 'MysqlEndpoint',
        'PostgresEndpoint', 'Region', 'StateBucketName', 'WebtriggerUrlParameterName',
      ].sort(),
    );
  });
});
