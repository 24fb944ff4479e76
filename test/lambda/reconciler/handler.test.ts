import { FakeEc2, FakeEventBridge, FakeS3 } from './fake-aws';

/** The Lambda entry point, wired with its real clients (answered by the stand-ins) and env. */
describe('reconciler handler wiring', () => {
  const saved = { ...process.env };
  let ec2: FakeEc2;
  let s3: FakeS3;
  let bus: FakeEventBridge;
  beforeEach(() => {
    ec2 = new FakeEc2();
    s3 = new FakeS3();
    bus = new FakeEventBridge();
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'x',
      MANAGED_BY: 'dev-vm-for-jira',
      SECRET_PREFIX: 'dev-vm/',
      EVENT_BUS_NAME: 'dev-vm-bus',
      STATE_BUCKET: 'state-bucket',
      IDLE_POLICY_PARAMETER: '/dev-vm/idle-policy',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterEach(() => {
    process.env = { ...saved };
    ec2.mock.restore();
    s3.mock.restore();
    bus.mock.restore();
  });

  it('loads its environment, runs once with the current time and commits the state', async () => {
    ec2.add(1, 'stopped', { AutoSchedule: 'off' });
    ec2.add(2, 'running', { AutoStart: '8am' });
    const { handler } = await import('../../../infra-cdk/lambda/reconciler/handler');
    const before = Date.now();
    const summary = await handler({});
    expect(summary).toMatchObject({ committed: true, seen: 2, scheduleErrors: 1, failed: 0 });
    expect(summary).not.toHaveProperty('detail');
    const state = JSON.parse(s3.body!);
    expect(Date.parse(state.lastRunAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Object.keys(state.instances)).toHaveLength(2);
  });
});
