import { MANAGED_BY, Tag } from '../../../src/contract/tags';
import { allStatements, resolveTokens, resourcesOfType, type Statement } from '../support';
import { decide, resolveDocument } from '../iam-sim';
import { stack, json, id, actionsOf, has, resourcesText, vmSg } from './template';

// infra-cdk/lib/constructs/vm-launch.ts and lib/iam: launch templates, the instance identity, and the tag conditions on every EC2 write.

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
    // 2: containers on the VM may reach IMDS, nothing a hop further.
    expect((t.MetadataOptions as { HttpPutResponseHopLimit: number }).HttpPutResponseHopLimit).toBe(2);
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
      // or only the reconciler's own two keys (a schedule error, a deferred stop), or only the
      // CostCenter of the VM API's volumes (the cost center following the issue, issue 13), with the key required.
      const allowList = JSON.stringify(st.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']);
      const costCenterOfVolumes = allowList === JSON.stringify([Tag.CostCenter]);
      if (costCenterOfVolumes) {
        expect(resourcesText(st)).toMatch(/:volume\/\*/);
        expect(resourcesText(st)).not.toMatch(/:instance\//);
        expect(st.Condition?.Null).toEqual({ 'aws:TagKeys': 'false' });
      }
      const onlyOwnKeys = allowList === JSON.stringify([Tag.BootStatus]) || allowList === JSON.stringify([Tag.ScheduleError, Tag.StopDeferredUntil]) || costCenterOfVolumes;
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
