import { BUS, ReconcilerAws, STATE_BUCKET } from './stand-in';

/** The Lambda entry point, wired with its real clients (answered by the stand-ins) and env. */
describe('reconciler handler wiring', () => {
  const saved = { ...process.env };
  let aws: ReconcilerAws;
  beforeEach(async () => {
    aws = await ReconcilerAws.start();
    aws.at(new Date().toISOString());
    Object.assign(process.env, {
      ...aws.aws.env(),
      MANAGED_BY: 'dev-vm-for-jira',
      SECRET_PREFIX: 'dev-vm/',
      EVENT_BUS_NAME: BUS,
      STATE_BUCKET,
      IDLE_POLICY_PARAMETER: '/dev-vm/idle-policy',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  afterEach(async () => {
    process.env = { ...saved };
    await aws.close();
  });

  it('loads its environment, runs once with the current time and commits the state', async () => {
    aws.add(1, 'stopped', { AutoSchedule: 'off' });
    aws.add(2, 'running', { AutoStart: '8am' });
    const { handler } = await import('../../../infra-cdk/lambda/reconciler/handler');
    const before = Date.now();
    const summary = await handler({});
    expect(summary).toMatchObject({ committed: true, seen: 2, scheduleErrors: 1, failed: 0 });
    expect(summary).not.toHaveProperty('detail');
    const state = JSON.parse(aws.stateBody!);
    expect(Date.parse(state.lastRunAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Object.keys(state.instances)).toHaveLength(2);
  });
});
