import { CreateTagsCommand, DeleteTagsCommand, DescribeInstancesCommand, RunInstancesCommand, StartInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateAccessPointCommand } from '@aws-sdk/client-efs';
import { CreateRoleCommand, IAMServiceException } from '@aws-sdk/client-iam';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { schedulerUsageReader } from '../../../infra-cdk/lambda/vm-api/usage';
import { ApiErrorBody } from '../../../src/contract/errors';
import { Health, Vm, VmList } from '../../../src/contract/vm-api';
import { createHandler } from '../../../infra-cdk/lambda/vm-api/router';
import { clientTokenFor } from '../../../infra-cdk/lambda/vm-api/provision';
import { captureOutput, ec2Error, ec2Mock, efsMock, event, FakeAws, FakeDatabases, iamMock, makeDeps, NOW, VM_TAGS } from './fake-aws';

const provisionBody = {
  issueKey: 'OPS-42',
  client: 'acme',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'al2023',
  schedule: { start: '08:00', stop: '18:00', timezone: 'Europe/London', days: 'MON-FRI' },
  idempotencyKey: 'issue-10001:changelog-7',
};

let aws: FakeAws;
let db: FakeDatabases;
let deps: ReturnType<typeof makeDeps>;
let handle: ReturnType<typeof createHandler>;

beforeEach(() => {
  aws = new FakeAws();
  aws.install();
  db = new FakeDatabases();
  deps = makeDeps(db);
  handle = createHandler(deps);
});

/** Instance operations name the issue of the seeded VMs (VM_TAGS.JiraIssue) unless a test says otherwise. */
async function call(method: string, path: string, opts: Parameters<typeof event>[2] = {}) {
  const instanceOp = /^\/vms\/i-/.test(path);
  const res = await handle(event(method, path, instanceOp && !opts.query ? { ...opts, query: { issueKey: VM_TAGS.JiraIssue } } : opts));
  return { status: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(res.body ?? 'null') as unknown };
}

function errorOf(body: unknown) {
  return ApiErrorBody.parse(body).error;
}

describe('GET /health', () => {
  it('reports the allow-lists, region and version', async () => {
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    expect(Health.parse(res.body)).toEqual({ ok: true, version: '1.2.3', region: 'eu-west-1', allowedInstanceTypes: ['t3.medium', 't3.large'], allowedOs: ['al2023', 'ubuntu-24.04'] });
  });
});

describe('POST /vms (provision)', () => {
  it('answers 202 with the pending VM at once, after DB, EFS home and instance profile, with every tag on instance and volume', async () => {
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(202);
    const vm = Vm.parse(res.body);
    expect(vm).toMatchObject({ issueKey: 'OPS-42', client: 'acme', developer: 'jdoe', state: 'pending', os: 'al2023', instanceType: 't3.large' });
    // One secret per (developer, client): the VM of an issue is for one client and gets only that one.
    expect(vm.connection.databases.map((d) => d.secretName)).toEqual(['dev-vm/db/developer/jdoe/acme', 'dev-vm/db/developer/jdoe/acme']);

    expect(db.calls).toEqual([{ op: 'provision', client: 'acme', developer: 'jdoe' }]);
    const ap = efsMock.commandCalls(CreateAccessPointCommand)[0]?.args[0].input;
    expect(ap).toMatchObject({
      FileSystemId: 'fs-0123456789abcdef0',
      PosixUser: { Uid: 20000, Gid: 20000 },
      RootDirectory: { Path: '/home/jdoe', CreationInfo: { OwnerUid: 20000, OwnerGid: 20000, Permissions: '0750' } },
    });
    expect(iamMock.commandCalls(CreateRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleName: 'dev-vm-jdoe',
      Path: '/dev-vm/',
      PermissionsBoundary: 'arn:aws:iam::123456789012:policy/dev-vm-boundary',
      // The home access point just created: the instance policy lets the VM mount only that one.
      Tags: [{ Key: 'DeveloperName', Value: 'jdoe' }, { Key: 'ManagedBy', Value: 'dev-vm-for-jira' }, { Key: 'DevVmHomeAccessPoint', Value: aws.accessPoints[0]!.AccessPointId }],
    });
    expect(aws.roles.get('dev-vm-jdoe')?.policies).toEqual(['arn:aws:iam::123456789012:policy/dev-vm-instance']);

    const runs = ec2Mock.commandCalls(RunInstancesCommand);
    expect(runs).toHaveLength(1);
    const input = runs[0]!.args[0].input;
    expect(input.ClientToken).toBe(clientTokenFor(provisionBody.idempotencyKey));
    expect(input.LaunchTemplate).toEqual({ LaunchTemplateId: 'lt-0aaaaaaaaaaaaaaa1', Version: '$Default' });
    expect(['subnet-0aaaabbbbccccdddd', 'subnet-0bbbbccccddddeeee']).toContain(input.SubnetId);
    expect(input.IamInstanceProfile?.Arn).toBe('arn:aws:iam::123456789012:instance-profile/dev-vm/dev-vm-jdoe');
    // IMDSv2 in the request itself: the role's policy denies a launch without it.
    expect(input.MetadataOptions).toEqual({ HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 });
    const script = Buffer.from(input.UserData ?? '', 'base64').toString('utf8');
    expect(script).toContain(`EFS_AP_ID='${aws.accessPoints[0]?.AccessPointId}'`);
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
    const res = await call('POST', '/vms', { body: { ...provisionBody, costCenter: 'CC-1234' } });
    expect(res.status).toBe(202);
    expect((res.body as Vm).costCenter).toBe('CC-1234');
    const input = ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input;
    for (const spec of ['instance', 'volume']) {
      expect(input.TagSpecifications?.find((t) => t.ResourceType === spec)?.Tags).toContainEqual({ Key: 'CostCenter', Value: 'CC-1234' });
    }
    expect(efsMock.commandCalls(CreateAccessPointCommand)[0]?.args[0].input.Tags).toContainEqual({ Key: 'CostCenter', Value: 'CC-1234' });
  });

  it('refuses a cost center that is not a valid tag value, naming the field, before creating anything', async () => {
    const res = await call('POST', '/vms', { body: { ...provisionBody, costCenter: 'CC#1;' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/costCenter/);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(efsMock.commandCalls(CreateAccessPointCommand)).toHaveLength(0);
  });

  it('returns the same VM for the same idempotency key and launches only once', async () => {
    const first = await call('POST', '/vms', { body: provisionBody });
    const second = await call('POST', '/vms', { body: provisionBody });
    expect(second.status).toBe(202);
    expect((second.body as Vm).id).toBe((first.body as Vm).id);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(db.calls).toHaveLength(1);
  });

  it('finds a VM launched minutes ago by its idempotency tag and creates nothing', async () => {
    const earlier = aws.seedInstance({ ...VM_TAGS, DevVmIdempotencyKey: provisionBody.idempotencyKey }, { State: { Name: 'running', Code: 16 } });
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(202);
    expect((res.body as Vm).id).toBe(earlier.InstanceId);
    expect((res.body as Vm).state).toBe('running');
    expect(db.calls).toHaveLength(0);
    expect(efsMock.commandCalls(CreateAccessPointCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('refuses an idempotency key already used for another developer (409, field idempotencyKey)', async () => {
    aws.seedInstance({ ...VM_TAGS, DeveloperName: 'other', DevVmIdempotencyKey: provisionBody.idempotencyKey });
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(409);
    expect(errorOf(res.body)).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
  });

  it('answers with the instance of an earlier lost RunInstances answer when EC2 reports the client token as used', async () => {
    // The tag lookup misses (tags not yet visible); RunInstances says the token was used with other parameters.
    const earlier = aws.seedInstance({ ...VM_TAGS, DevVmIdempotencyKey: 'not-visible-yet' });
    aws.clientTokens.set(earlier.InstanceId!, 'someone-else');
    ec2Mock.on(RunInstancesCommand).callsFakeOnce(() => {
      aws.clientTokens.set(earlier.InstanceId!, clientTokenFor(provisionBody.idempotencyKey));
      throw ec2Error('IdempotentParameterMismatch', 'The client token has already been used with different parameters');
    });
    // Only the tag identifies it (DescribeInstances' client-token filter is not portable to
    // emulators): until its tag is visible the answer is a retryable 502, then the same VM.
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(502);
    expect(errorOf(res.body).message).toMatch(/not visible yet.*Retry with the same idempotency key/);
    earlier.Tags = earlier.Tags!.map((t) => (t.Key === 'DevVmIdempotencyKey' ? { ...t, Value: provisionBody.idempotencyKey } : t));
    const again = await call('POST', '/vms', { body: provisionBody });
    expect(again.status).toBe(202);
    expect((again.body as Vm).id).toBe(earlier.InstanceId);
    const filters = ec2Mock.commandCalls(DescribeInstancesCommand).flatMap((c) => (c.args[0].input.Filters ?? []).map((f) => f.Name));
    expect(filters).not.toContain('client-token');
  });

  it.each([
    ['instanceType', { instanceType: 'm7i.2xlarge' }, /not allowed here; allowed: t3.medium, t3.large/],
    ['os', { os: 'rhel-9' }, /not offered here; allowed: al2023, ubuntu-24.04/],
  ])('rejects a %s outside the allow-list with 400 naming the field, creating nothing', async (field, change, message) => {
    const res = await call('POST', '/vms', { body: { ...provisionBody, ...change } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(errorOf(res.body).message).toMatch(message);
    expect(db.calls).toHaveLength(0);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
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
    const res = await call('POST', '/vms', { body: { ...provisionBody, ...change } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', field });
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it.each([
    ['a missing body', {}],
    ['a body that is not JSON', { rawBody: '{"issueKey":' }],
    ['an unknown field', { body: { ...provisionBody, ami: 'ami-123' } }],
  ])('rejects %s with 400 naming the body', async (_label, opts) => {
    const res = await call('POST', '/vms', opts);
    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body' });
  });

  it('turns InsufficientInstanceCapacity at launch into 503 with a clear message', async () => {
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('InsufficientInstanceCapacity', 'We currently do not have sufficient t3.large capacity', 500));
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(503);
    expect(errorOf(res.body).code).toBe('INSUFFICIENT_CAPACITY');
    expect(errorOf(res.body).message).toMatch(/no t3\.large capacity.*try again in a few minutes or choose another instance type/i);
  });

  it('retries RunInstances while a new instance profile propagates, with short bounded waits', async () => {
    aws.runFailures.push(ec2Error('InvalidParameterValue', 'Value (dev-vm-jdoe) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name'));
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(202);
    expect(deps.sleeps).toEqual([1500]);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(2);
    expect(aws.instances).toHaveLength(1);
  });

  it('gives up on a profile that never becomes usable after the bounded retries (502, resumable)', async () => {
    ec2Mock.on(RunInstancesCommand).rejects(ec2Error('InvalidParameterValue', 'Invalid IAM Instance Profile name'));
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(502);
    expect(errorOf(res.body).message).toMatch(/launching the instance failed.*Retry with the same idempotency key/);
    expect(deps.sleeps).toEqual([1500, 3000, 4500]);
  });

  it('fails clearly in the middle (IAM down) and a retry with the same key resumes with nothing duplicated', async () => {
    iamMock.on(CreateRoleCommand).rejectsOnce(new IAMServiceException({ name: 'ServiceFailureException', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'Service failure' }));
    const failed = await call('POST', '/vms', { body: provisionBody });
    expect(failed.status).toBe(502);
    expect(errorOf(failed.body)).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(errorOf(failed.body).message).toMatch(/^instance role and profile failed: .*Retry with the same idempotency key to resume\.$/);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
    expect(aws.accessPoints).toHaveLength(1);

    aws.install(); // the original fakes again, with the state of the first attempt
    const retried = await call('POST', '/vms', { body: provisionBody });
    expect(retried.status).toBe(202);
    expect(aws.accessPoints).toHaveLength(1);
    expect(efsMock.commandCalls(CreateAccessPointCommand)).toHaveLength(0);
    expect(aws.roles.size).toBe(1);
    expect(aws.profiles.size).toBe(1);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(aws.instances).toHaveLength(1);
    expect(db.calls.map((c) => c.op)).toEqual(['provision', 'provision']);
  });

  it('fails clearly when the database step fails, creating nothing after it', async () => {
    db.failNext = new Error('connect ECONNREFUSED 10.0.0.5:5432');
    const res = await call('POST', '/vms', { body: provisionBody });
    expect(res.status).toBe(500);
    expect(errorOf(res.body).message).toMatch(/^database provisioning failed/);
    expect(efsMock.commandCalls(CreateAccessPointCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it('gives the next developer the next uid and keeps the first developer\'s uid on later VMs', async () => {
    await call('POST', '/vms', { body: provisionBody });
    await call('POST', '/vms', { body: { ...provisionBody, developer: 'asmith', idempotencyKey: 'issue-10002:changelog-1' } });
    await call('POST', '/vms', { body: { ...provisionBody, client: 'globex', idempotencyKey: 'issue-10003:changelog-1' } });
    const uids = Object.fromEntries(aws.accessPoints.map((ap) => [ap.Tags?.find((t) => t.Key === 'DeveloperName')?.Value, ap.PosixUser?.Uid]));
    expect(uids).toEqual({ jdoe: 20000, asmith: 20001 });
    expect(aws.accessPoints).toHaveLength(2);
  });

  it('never puts a secret in a response, a log line or the user data', async () => {
    const password = 'pw-Sup3rS3cret-4711';
    db.failNext = new Error(`password authentication failed for "dev_jdoe" using ${password}`);
    const { output } = await captureOutput(async () => {
      const failed = await call('POST', '/vms', { body: provisionBody });
      expect(JSON.stringify(failed.body)).not.toContain(password);
      const ok = await call('POST', '/vms', { body: provisionBody });
      expect(JSON.stringify(ok.body)).not.toContain(password);
      expect(JSON.stringify(ok.body)).not.toMatch(/password/i);
    });
    expect(output).not.toContain(password);
    const userData = Buffer.from(ec2Mock.commandCalls(RunInstancesCommand)[0]!.args[0].input.UserData ?? '', 'base64').toString();
    expect(userData).not.toContain(password);
    expect(output.length).toBeGreaterThan(0);
  });
});

describe('reading VMs', () => {
  it('lists the VMs of an issue', async () => {
    const a = aws.seedInstance(VM_TAGS);
    aws.seedInstance({ ...VM_TAGS, JiraIssue: 'OPS-43' });
    const res = await call('GET', '/vms', { query: { issueKey: 'OPS-42' } });
    expect(res.status).toBe(200);
    expect(VmList.parse(res.body).vms.map((v) => v.id)).toEqual([a.InstanceId]);
  });

  it('rejects a list without a valid issueKey, naming it', async () => {
    const res = await call('GET', '/vms', { query: { issueKey: 'nope' } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('issueKey');
    // Without issueKey, GET /vms is the fleet list (test/lambda/vm-api/fleet.test.ts).
    expect(errorOf((await call('GET', '/vms', { query: { issueKey: '' } })).body).field).toBe('issueKey');
  });

  it('gets one VM with connection info', async () => {
    const a = aws.seedInstance(VM_TAGS);
    const res = await call('GET', `/vms/${a.InstanceId}`);
    expect(res.status).toBe(200);
    expect(Vm.parse(res.body).connection.ssmCommand).toBe(`aws ssm start-session --target ${a.InstanceId} --region eu-west-1`);
  });

  it('answers 404 for an unknown instance and for one this stack does not manage', async () => {
    expect((await call('GET', '/vms/i-0fffffffffffffff0')).status).toBe(404);
    const foreign = aws.seedInstance({ ...VM_TAGS, ManagedBy: 'someone-else' });
    const res = await call('GET', `/vms/${foreign.InstanceId}`);
    expect(res.status).toBe(404);
    expect(errorOf(res.body).code).toBe('NOT_FOUND');
    expect((await call('POST', `/vms/${foreign.InstanceId}/terminate`)).status).toBe(404);
  });

  it('rejects a malformed instance id naming the field', async () => {
    const res = await call('GET', '/vms/not-an-id');
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('id');
  });
});

describe('lifecycle actions', () => {
  it('starts, stops and terminates with 202 and the new state', async () => {
    const a = aws.seedInstance(VM_TAGS, { State: { Name: 'stopped', Code: 80 } });
    const started = await call('POST', `/vms/${a.InstanceId}/start`);
    expect([started.status, (started.body as Vm).state]).toEqual([202, 'pending']);
    const stopped = await call('POST', `/vms/${a.InstanceId}/stop`);
    expect([stopped.status, (stopped.body as Vm).state]).toEqual([202, 'stopping']);
    const terminated = await call('POST', `/vms/${a.InstanceId}/terminate`);
    expect([terminated.status, (terminated.body as Vm).state]).toEqual([202, 'shutting-down']);
  });

  it('turns InsufficientInstanceCapacity on start into 503 with a clear message', async () => {
    const a = aws.seedInstance(VM_TAGS, { State: { Name: 'stopped', Code: 80 } });
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('InsufficientInstanceCapacity', 'Insufficient capacity.', 500));
    const res = await call('POST', `/vms/${a.InstanceId}/start`);
    expect(res.status).toBe(503);
    expect(errorOf(res.body)).toMatchObject({ code: 'INSUFFICIENT_CAPACITY' });
    expect(errorOf(res.body).message).toMatch(/t3\.large capacity/);
  });

  it('turns IncorrectInstanceState into 409', async () => {
    const a = aws.seedInstance(VM_TAGS, { State: { Name: 'terminated', Code: 48 } });
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('IncorrectInstanceState', `The instance '${a.InstanceId}' is not in a state from which it can be started.`));
    const res = await call('POST', `/vms/${a.InstanceId}/start`);
    expect(res.status).toBe(409);
    expect(errorOf(res.body).code).toBe('CONFLICT');
  });

  it('answers 429 when AWS still throttles after the SDK\'s own retries', async () => {
    ec2Mock.on(DescribeInstancesCommand).rejects(ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503));
    const res = await call('GET', '/vms', { query: { issueKey: 'OPS-42' } });
    expect(res.status).toBe(429);
    expect(errorOf(res.body).code).toBe('THROTTLED');
  });

  it('answers 502 naming the AWS error when the API role is refused', async () => {
    const a = aws.seedInstance(VM_TAGS);
    ec2Mock.on(StartInstancesCommand).rejects(ec2Error('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403));
    const res = await call('POST', `/vms/${a.InstanceId}/start`);
    expect(res.status).toBe(502);
    expect(errorOf(res.body)).toMatchObject({ code: 'UPSTREAM_FAILED' });
    expect(errorOf(res.body).message).toMatch(/UnauthorizedOperation.*IAM policy/);
  });

  it('answers 405 with Allow for a wrong method and 404 for an unknown route', async () => {
    const res = await call('DELETE', '/vms');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST, GET');
    expect((await call('GET', '/nowhere')).status).toBe(404);
  });
});

describe('PUT /vms/{id}/schedule', () => {
  it('rewrites the schedule tags, deletes a dropped stop time and the ScheduleError', async () => {
    const a = aws.seedInstance({ ...VM_TAGS, ScheduleError: 'AutoStop=25:00 must be a 24-hour time' });
    const res = await call('PUT', `/vms/${a.InstanceId}/schedule`, { body: { start: '07:30', timezone: 'America/New_York', days: 'MON,WED,FRI', enabled: false } });
    expect(res.status).toBe(200);
    const vm = Vm.parse(res.body);
    expect(vm.schedule).toEqual({ start: '07:30', timezone: 'America/New_York', days: 'MON,WED,FRI', enabled: false });
    expect(vm.scheduleError).toBeUndefined();
    const set = ec2Mock.commandCalls(CreateTagsCommand)[0]!.args[0].input.Tags;
    expect(Object.fromEntries((set ?? []).map((t) => [t.Key, t.Value]))).toEqual({ AutoStart: '07:30', Timezone: 'America/New_York', AutoDays: 'MON,WED,FRI', AutoSchedule: 'off' });
    const removed = ec2Mock.commandCalls(DeleteTagsCommand)[0]!.args[0].input.Tags?.map((t) => t.Key);
    expect(removed?.sort()).toEqual(['AutoStop', 'ScheduleError']);
    expect(aws.instances[0]?.Tags?.find((t) => t.Key === 'AutoStop')).toBeUndefined();
  });

  it('rejects a bad schedule naming the field', async () => {
    const a = aws.seedInstance(VM_TAGS);
    const res = await call('PUT', `/vms/${a.InstanceId}/schedule`, { body: { start: '8am', timezone: 'UTC' } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('start');
  });
});

describe('POST /vms/{id}/keep-running', () => {
  it('sets KeepRunningUntil on a running VM', async () => {
    const a = aws.seedInstance(VM_TAGS);
    const until = '2026-11-26T20:00:00.000Z';
    const res = await call('POST', `/vms/${a.InstanceId}/keep-running`, { body: { until } });
    expect(res.status).toBe(200);
    expect((res.body as Vm).keepRunningUntil).toBe(until);
    expect(ec2Mock.commandCalls(StartInstancesCommand)).toHaveLength(0);
  });

  it('also starts a stopped VM', async () => {
    const a = aws.seedInstance(VM_TAGS, { State: { Name: 'stopped', Code: 80 } });
    const res = await call('POST', `/vms/${a.InstanceId}/keep-running`, { body: { until: '2026-11-26T20:00:00Z' } });
    expect(res.status).toBe(200);
    expect((res.body as Vm).state).toBe('pending');
    expect(ec2Mock.commandCalls(StartInstancesCommand)).toHaveLength(1);
  });

  it.each([
    ['in the past', '2026-11-26T09:59:00Z', /in the future/],
    ['more than 24 hours ahead', '2026-11-27T10:00:01Z', /at most 24 hours/],
    ['not a time', 'tonight', /./],
  ])('rejects an until %s naming the field', async (_label, until, message) => {
    const a = aws.seedInstance(VM_TAGS);
    const res = await call('POST', `/vms/${a.InstanceId}/keep-running`, { body: { until } });
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('until');
    expect(errorOf(res.body).message).toMatch(message);
  });

  it('answers 409 for a VM that is being terminated', async () => {
    const a = aws.seedInstance(VM_TAGS, { State: { Name: 'shutting-down', Code: 32 } });
    expect((await call('POST', `/vms/${a.InstanceId}/keep-running`, { body: { until: '2026-11-26T20:00:00Z' } })).status).toBe(409);
  });
});

describe('DELETE /clients/{client}/developers/{developer}', () => {
  it('revokes the developer through the database module', async () => {
    const res = await call('DELETE', '/clients/acme/developers/jdoe');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ client: 'acme', developer: 'jdoe', revoked: true });
    expect(db.calls).toEqual([{ op: 'revoke', client: 'acme', developer: 'jdoe' }]);
  });

  it('rejects an unsafe client name before calling the database module', async () => {
    const res = await call('DELETE', `/clients/${encodeURIComponent('a;b')}/developers/jdoe`);
    expect(res.status).toBe(400);
    expect(errorOf(res.body).field).toBe('client');
    expect(db.calls).toHaveLength(0);
  });
});

describe('request logging', () => {
  it('writes one structured line per request with method, route, status, duration and instance id', async () => {
    const a = aws.seedInstance(VM_TAGS);
    const { output } = await captureOutput(() => call('POST', `/vms/${a.InstanceId}/stop`));
    const lines = output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ message: 'request', method: 'POST', route: '/vms/{id}/stop', status: 202, instanceId: a.InstanceId });
    expect(typeof lines[0]?.durationMs).toBe('number');
  });

  it('folds the provision decisions into that one line (launch, profile retries, replay)', async () => {
    aws.runFailures.push(ec2Error('InvalidParameterValue', 'Invalid IAM Instance Profile name'));
    const first = await captureOutput(() => call('POST', '/vms', { body: provisionBody }));
    const lines = first.output.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ route: '/vms', status: 202, launched: true, profileRetries: 1, developer: 'jdoe', instanceId: (first.result.body as Vm).id });
    const again = await captureOutput(() => call('POST', '/vms', { body: provisionBody }));
    expect(again.output.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(again.output)).toMatchObject({ status: 202, idempotentReplay: true });
  });

  it('logs failures with their code and field but no body', async () => {
    const { output } = await captureOutput(() => call('POST', '/vms', { body: { ...provisionBody, developer: 'Bad Name' } }));
    const line = JSON.parse(output.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'WARN', status: 400, errorCode: 'VALIDATION_FAILED', errorField: 'developer', route: '/vms' });
    expect(output).not.toContain('Bad Name');
  });
});

describe('usage from the scheduler state', () => {
  const s3Mock = mockClient(S3Client);
  afterAll(() => s3Mock.restore());

  /** GetObject's body as the SDK hands it over: a stream with transformToString. */
  function withState(state: unknown) {
    s3Mock.reset();
    const body = { transformToString: async () => JSON.stringify(state) };
    s3Mock.on(GetObjectCommand).resolves({ Body: body as never, ETag: '"e1"' });
    deps = makeDeps(db, { usage: schedulerUsageReader('dev-vm-state', 'scheduler/state.json', async () => new S3Client({ region: 'eu-west-1' })) });
    handle = createHandler(deps);
  }

  it('adds this month\'s run hours to GET /vms/{id} and the list, not to actions', async () => {
    const a = aws.seedInstance(VM_TAGS);
    withState({
      version: 1,
      lastRunAt: '2026-11-26T09:55:00.000Z',
      instances: {
        [a.InstanceId!]: { firstSeenAt: '2026-11-01T08:00:00.000Z', lastObservedAt: '2026-11-26T09:55:00.000Z', lastState: 'running', usage: { month: '2026-11', seconds: 45000 } },
      },
    });
    const res = await call('GET', `/vms/${a.InstanceId}`);
    expect(res.status).toBe(200);
    expect((res.body as Vm).usage).toEqual({ month: '2026-11', hoursRun: 12.5, asOf: '2026-11-26T09:55:00.000Z' });
    expect(VmList.parse((await call('GET', '/vms', { query: { issueKey: 'OPS-42' } })).body).vms[0]?.usage?.hoursRun).toBe(12.5);
    const reads = s3Mock.commandCalls(GetObjectCommand).length;
    expect((await call('POST', `/vms/${a.InstanceId}/stop`)).body).not.toHaveProperty('usage');
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(reads);
  });

  it('leaves usage out, without failing the request, when the state cannot be read', async () => {
    const a = aws.seedInstance(VM_TAGS);
    withState({});
    s3Mock.on(GetObjectCommand).rejects(new Error('AccessDenied'));
    const res = await call('GET', `/vms/${a.InstanceId}`);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('usage');
  });
});

describe('PUT /vms/{id}/lifecycle (issue 13)', () => {
  it('parks a VM keeping its working hours, and unparks it', async () => {
    const a = aws.seedInstance(VM_TAGS, { State: { Name: 'stopped', Code: 80 } });
    const parked = await call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { parked: true } });
    expect(parked.status).toBe(200);
    expect((parked.body as Vm).parkedAt).toBe(NOW.toISOString());
    expect(ec2Mock.commandCalls(DeleteTagsCommand)).toHaveLength(0); // the working-hours tags stay
    expect(ec2Mock.commandCalls(CreateTagsCommand).at(-1)!.args[0].input.Tags).toEqual([{ Key: 'DevVmParkedAt', Value: NOW.toISOString() }]);
    const unparked = await call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { parked: false } });
    expect(unparked.status).toBe(200);
    expect((unparked.body as Vm).parkedAt).toBeUndefined();
    expect(ec2Mock.commandCalls(DeleteTagsCommand).at(-1)!.args[0].input.Tags).toEqual([{ Key: 'DevVmParkedAt' }]);
  });

  it('"Keep this VM" stamps KeptAt; the idle-stop override is set, turned off and reset to the default', async () => {
    const a = aws.seedInstance(VM_TAGS);
    const kept = await call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { keep: true, idleStopMinutes: 90 } });
    expect(kept.body as Vm).toMatchObject({ keptAt: NOW.toISOString(), idleStopMinutes: 90 });
    expect((await call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { idleStopMinutes: 'off' } })).body as Vm).toMatchObject({ idleStopMinutes: 'off' });
    expect(((await call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body: { idleStopMinutes: null } })).body as Vm).idleStopMinutes).toBeUndefined();
  });

  it.each([
    ['an idle-stop below 15 minutes', { idleStopMinutes: 5 }, 'idleStopMinutes'],
    ['an unknown field', { parked: true, stop: true }, undefined],
    ['an empty update', {}, undefined],
  ])('rejects %s with 400', async (_label, body, field) => {
    const a = aws.seedInstance(VM_TAGS);
    const res = await call('PUT', `/vms/${a.InstanceId}/lifecycle`, { body });
    expect(res.status).toBe(400);
    if (field) expect(errorOf(res.body).field).toBe(field);
  });
});
