import type { DescribeInstancesRequest, RunInstancesRequest } from '@aws-sdk/client-ec2';
import type { CreateAccessPointRequest } from '@aws-sdk/client-efs';
import type { CreateRoleRequest } from '@aws-sdk/client-iam';
import { Vm } from '../../../../src/contract/vm-api';
import { clientTokenFor } from '../../../../infra-cdk/lambda/vm-api/provision';
import { RETRY_CONFIG } from '../../../../infra-cdk/lambda/shared/clients';
import { captureOutput, NOW, VM_TAGS } from '../support';
import { errorOf, provisionBody, useVmApi } from './api';

// POST /vms: provisioning, idempotency, failures half-way and their resumption.

const api = useVmApi();

describe('POST /vms (provision)', () => {
  it('answers 202 with the pending VM at once, after DB, EFS home and instance profile, with every tag on instance and volume', async () => {
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(202);
    const vm = Vm.parse(res.body);
    expect(vm).toMatchObject({ issueKey: 'OPS-42', client: 'acme', developer: 'jdoe', state: 'pending', os: 'al2023', instanceType: 't3.large' });
    // One secret per (developer, client): the VM of an issue is for one client and gets only that one.
    expect(vm.connection.databases.map((d) => d.secretName)).toEqual(['dev-vm/db/developer/jdoe/acme', 'dev-vm/db/developer/jdoe/acme']);

    expect(api.db.calls).toEqual([{ op: 'provision', client: 'acme', developer: 'jdoe' }]);
    const ap = api.aws.inputs<CreateAccessPointRequest>('CreateAccessPoint')[0];
    expect(ap).toMatchObject({
      FileSystemId: 'fs-0123456789abcdef0',
      PosixUser: { Uid: 20000, Gid: 20000 },
      RootDirectory: { Path: '/home/jdoe', CreationInfo: { OwnerUid: 20000, OwnerGid: 20000, Permissions: '0750' } },
    });
    expect(api.aws.inputs<CreateRoleRequest>('CreateRole')[0]).toMatchObject({
      RoleName: 'dev-vm-jdoe',
      Path: '/dev-vm/',
      PermissionsBoundary: 'arn:aws:iam::123456789012:policy/dev-vm-boundary',
      // The home access point just created: the instance policy lets the VM mount only that one.
      Tags: [{ Key: 'DeveloperName', Value: 'jdoe' }, { Key: 'ManagedBy', Value: 'dev-vm-for-jira' }, { Key: 'DevVmHomeAccessPoint', Value: api.aws.accessPoints()[0]!.accessPointId }],
    });
    expect(api.aws.roles().get('dev-vm-jdoe')?.attachedPolicyArns).toEqual(['arn:aws:iam::123456789012:policy/dev-vm-instance']);

    const runs = api.aws.inputs<RunInstancesRequest>('RunInstances');
    expect(runs).toHaveLength(1);
    const input = runs[0]!;
    expect(input.ClientToken).toBe(clientTokenFor(provisionBody.idempotencyKey));
    expect(input.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', Version: '$Default' });
    expect(['subnet-0aaaabbbbccccdddd', 'subnet-0bbbbccccddddeeee']).toContain(input.SubnetId);
    expect(input.IamInstanceProfile?.Arn).toBe('arn:aws:iam::123456789012:instance-profile/dev-vm/dev-vm-jdoe');
    // IMDSv2 in the request itself: the role's policy denies a launch without it.
    expect(input.MetadataOptions).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 });
    const script = Buffer.from(input.UserData ?? '', 'base64').toString('utf8');
    expect(script).toContain(`EFS_AP_ID='${api.aws.accessPoints()[0]?.accessPointId}'`);
    expect(script).toContain("DB_SECRET_NAME='dev-vm/db/developer/jdoe/acme'");
    for (const spec of ['instance', 'volume']) {
      const tags = Object.fromEntries((input.TagSpecifications?.find((t) => t.ResourceType === spec)?.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags).toEqual({
        Name: 'dev-acme-jdoe',
        ClientName: 'acme',
        DeveloperName: 'jdoe',
        Environment: 'dev',
        AutoStart: '08:00',
        AutoStop: '18:00',
        Timezone: 'Europe/London',
        AutoDays: 'MON-FRI',
        AutoSchedule: 'on',
        JiraIssue: 'OPS-42',
        ManagedBy: 'dev-vm-for-jira',
        CreatedAt: NOW.toISOString(),
        DevVmIdempotencyKey: 'issue-10001:changelog-7',
        DevVmOs: 'al2023',
      });
    }
  });

  it('tags the instance, its root volume and the developer\'s home access point with the request\'s cost center, and shows it on the VM', async () => {
    const res = await api.call('POST', '/vms', { body: { ...provisionBody, costCenter: 'CC-1234' } });
    expect(res.status).toBe(202);
    expect((res.body as Vm).costCenter).toBe('CC-1234');
    const input = api.aws.inputs<RunInstancesRequest>('RunInstances')[0]!;
    for (const spec of ['instance', 'volume']) {
      expect(input.TagSpecifications?.find((t) => t.ResourceType === spec)?.Tags).toContainEqual({ Key: 'CostCenter', Value: 'CC-1234' });
    }
    expect(api.aws.inputs<CreateAccessPointRequest>('CreateAccessPoint')[0]?.Tags).toContainEqual({ Key: 'CostCenter', Value: 'CC-1234' });
  });

  it('refuses a cost center that is not a valid tag value, naming the field, before creating anything', async () => {
    const res = await api.call('POST', '/vms', { body: { ...provisionBody, costCenter: 'CC#1;' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/costCenter/);
    expect(api.aws.inputs('RunInstances')).toHaveLength(0);
    expect(api.aws.inputs('CreateAccessPoint')).toHaveLength(0);
  });

  it('returns the same VM for the same idempotency key and launches only once', async () => {
    const first = await api.call('POST', '/vms', { body: provisionBody });
    const second = await api.call('POST', '/vms', { body: provisionBody });
    expect(second.status).toBe(202);
    expect((second.body as Vm).id).toBe((first.body as Vm).id);
    expect(api.aws.inputs('RunInstances')).toHaveLength(1);
    expect(api.db.calls).toHaveLength(1);
  });

  it('finds a VM launched minutes ago by its idempotency tag and creates nothing', async () => {
    const earlier = api.aws.seedInstance({ ...VM_TAGS, DevVmIdempotencyKey: provisionBody.idempotencyKey }, { state: 'running' });
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(202);
    expect((res.body as Vm).id).toBe(earlier);
    expect((res.body as Vm).state).toBe('running');
    expect(api.db.calls).toHaveLength(0);
    expect(api.aws.inputs('CreateAccessPoint')).toHaveLength(0);
    expect(api.aws.inputs('RunInstances')).toHaveLength(0);
  });

  it('refuses an idempotency key already used for another developer (409, field idempotencyKey)', async () => {
    api.aws.seedInstance({ ...VM_TAGS, DeveloperName: 'other', DevVmIdempotencyKey: provisionBody.idempotencyKey });
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(409);
    expect(errorOf(res.body)).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
  });

  it('answers with the instance of an earlier lost RunInstances answer when EC2 reports the client token as used', async () => {
    // The tag lookup misses (tags not yet visible); the earlier launch used this client token with
    // other parameters (another subnet), so the model answers RunInstances with IdempotentParameterMismatch.
    const earlier = api.aws.seedInstance({ ...VM_TAGS, DevVmIdempotencyKey: 'not-visible-yet' }, { clientToken: clientTokenFor(provisionBody.idempotencyKey) });
    // Only the tag identifies it (DescribeInstances' client-token filter is not portable to
    // emulators): until its tag is visible the answer is a retryable 502, then the same VM.
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(502);
    expect(errorOf(res.body).message).toMatch(/not visible yet.*Retry with the same idempotency key/);
    expect(api.aws.inputs('RunInstances')).toHaveLength(1);
    // EC2's eventual consistency: the launch's tags become visible a little later.
    api.aws.instance(earlier)!.tags.set('DevVmIdempotencyKey', provisionBody.idempotencyKey);
    const again = await api.call('POST', '/vms', { body: provisionBody });
    expect(again.status).toBe(202);
    expect((again.body as Vm).id).toBe(earlier);
    const filters = api.aws.inputs<DescribeInstancesRequest>('DescribeInstances').flatMap((c) => (c.Filters ?? []).map((f) => f.Name));
    expect(filters).not.toContain('client-token');
  });

  it.each([
    ['instanceType', { instanceType: 'm7i.2xlarge' }, /not allowed here; allowed: t3.medium, t3.large/],
    ['os', { os: 'rhel-9' }, /not offered here; allowed: al2023, ubuntu-24.04/],
  ])('rejects a %s outside the allow-list with 400 naming the field, creating nothing', async (field, change, message) => {
    const res = await api.call('POST', '/vms', { body: { ...provisionBody, ...change } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(errorOf(res.body).message).toMatch(message);
    expect(api.db.calls).toHaveLength(0);
    expect(api.aws.inputs('RunInstances')).toHaveLength(0);
  });

  it.each([
    ['issueKey', { issueKey: 'ops 42' }],
    ['client', { client: 'Acme Corp' }],
    ['client', { client: "x'; DROP DATABASE y; --" }],
    ['developer', { developer: '$(reboot)' }],
    ['instanceType', { instanceType: 'huge' }],
    ['os', { os: 'windows' }],
    ['schedule.start', { schedule: { ...provisionBody.schedule, start: '25:00' } }],
    ['schedule.timezone', { schedule: { ...provisionBody.schedule, timezone: 'Mars/Olympus' } }],
    ['schedule.days', { schedule: { ...provisionBody.schedule, days: 'MONDAY' } }],
    ['schedule.stop', { schedule: { ...provisionBody.schedule, stop: '08:00' } }],
    ['idempotencyKey', { idempotencyKey: 'short' }],
  ])('rejects a bad %s with 400 naming it', async (field, change) => {
    const res = await api.call('POST', '/vms', { body: { ...provisionBody, ...change } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(api.aws.inputs('RunInstances')).toHaveLength(0);
  });

  it.each([
    ['a missing body', {}],
    ['a body that is not JSON', { rawBody: '{"issueKey":' }],
    ['an unknown field', { body: { ...provisionBody, ami: 'ami-123' } }],
  ])('rejects %s with 400 naming the body', async (_label, opts) => {
    const res = await api.call('POST', '/vms', opts);
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
  });

  it('turns InsufficientInstanceCapacity at launch into 503 with a clear message', async () => {
    api.aws.injectFault({ kind: 'error', service: 'ec2', operation: 'RunInstances', code: 'InsufficientInstanceCapacity', status: 500, message: 'We currently do not have sufficient t3.large capacity' });
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(503);
    expect(errorOf(res.body).code).toBe('INSUFFICIENT_CAPACITY');
    expect(errorOf(res.body).message).toMatch(/no t3\.large capacity.*try again in a few minutes or choose another instance type/i);
  });

  it('retries RunInstances while a new instance profile propagates, with short bounded waits', async () => {
    // A profile created seconds ago is not yet known to EC2 (IAM eventual consistency).
    api.aws.injectFault({ kind: 'error', service: 'ec2', operation: 'RunInstances', code: 'InvalidParameterValue', status: 400, times: 1, message: 'Value (dev-vm-jdoe) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name' });
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(202);
    expect(api.deps.sleeps).toEqual([1500]);
    expect(api.aws.inputs('RunInstances')).toHaveLength(2);
    expect(api.aws.instances()).toHaveLength(1);
  });

  it('gives up on a profile that never becomes usable after the bounded retries (502, resumable)', async () => {
    api.aws.injectFault({ kind: 'error', service: 'ec2', operation: 'RunInstances', code: 'InvalidParameterValue', status: 400, message: 'Invalid IAM Instance Profile name' });
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(502);
    expect(errorOf(res.body).message).toMatch(/launching the instance failed.*Retry with the same idempotency key/);
    expect(api.deps.sleeps).toEqual([1500, 3000, 4500]);
  });

  it('fails clearly in the middle (IAM down) and a retry with the same key resumes with nothing duplicated', async () => {
    // Down for every attempt the SDK makes, then back.
    const down = api.aws.injectFault({ kind: 'error', service: 'iam', operation: 'CreateRole', code: 'ServiceFailure', status: 500, times: RETRY_CONFIG.maxAttempts, message: 'Service failure' });
    const failed = await api.call('POST', '/vms', { body: provisionBody });
    expect(failed.status).toBe(502);
    expect(errorOf(failed.body)).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(errorOf(failed.body).message).toMatch(/^instance role and profile failed: .*Retry with the same idempotency key to resume\.$/);
    expect(api.aws.inputs('RunInstances')).toHaveLength(0);
    expect(api.aws.accessPoints()).toHaveLength(1);
    expect(down.remaining()).toBe(0);

    api.aws.forget(); // count the retry's calls only; the model keeps the first attempt's leftovers
    const retried = await api.call('POST', '/vms', { body: provisionBody });
    expect(retried.status).toBe(202);
    expect(api.aws.accessPoints()).toHaveLength(1);
    expect(api.aws.count('CreateAccessPoint')).toBe(0);
    expect(api.aws.roles().size).toBe(1);
    expect(api.aws.instanceProfiles().size).toBe(1);
    expect(api.aws.inputs('RunInstances')).toHaveLength(1);
    expect(api.aws.instances()).toHaveLength(1);
    expect(api.db.calls.map((c) => c.op)).toEqual(['provision', 'provision']);
  });

  it('fails clearly when the database step fails, creating nothing after it', async () => {
    api.db.failNext = new Error('connect ECONNREFUSED 10.0.0.5:5432');
    const res = await api.call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(500);
    expect(errorOf(res.body).message).toMatch(/^database provisioning failed/);
    expect(api.aws.inputs('CreateAccessPoint')).toHaveLength(0);
    expect(api.aws.inputs('RunInstances')).toHaveLength(0);
  });

  it('gives the next developer the next uid and keeps the first developer\'s uid on later VMs', async () => {
    await api.call('POST', '/vms', { body: provisionBody });
    await api.call('POST', '/vms', { body: { ...provisionBody, developer: 'asmith', idempotencyKey: 'issue-10002:changelog-1' } });
    await api.call('POST', '/vms', { body: { ...provisionBody, client: 'globex', idempotencyKey: 'issue-10003:changelog-1' } });
    const uids = Object.fromEntries(api.aws.accessPoints().map((ap) => [ap.tags.get('DeveloperName'), ap.posixUser?.Uid]));
    expect(uids).toEqual({ jdoe: 20000, asmith: 20001 });
    expect(api.aws.accessPoints()).toHaveLength(2);
  });

  it('never puts a secret in a response, a log line or the user data', async () => {
    const password = 'pw-Sup3rS3cret-4711';
    api.db.failNext = new Error(`password authentication failed for "dev_jdoe" using ${password}`);
    const { output } = await captureOutput(async () => {
      const failed = await api.call('POST', '/vms', { body: provisionBody });
      expect(JSON.stringify(failed.body)).not.toContain(password);
      const ok = await api.call('POST', '/vms', { body: provisionBody });
      expect(JSON.stringify(ok.body)).not.toContain(password);
      expect(JSON.stringify(ok.body)).not.toMatch(/password/i);
    });
    expect(output).not.toContain(password);
    const userData = Buffer.from(api.aws.inputs<RunInstancesRequest>('RunInstances')[0]!.UserData ?? '', 'base64').toString();
    expect(userData).not.toContain(password);
    expect(output.length).toBeGreaterThan(0);
  });
});
