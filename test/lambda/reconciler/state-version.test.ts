import { MANAGED_BY } from '../../../src/contract/tags';
import { SchedulerState } from '../../../src/domain/scheduler-state';
import { EventPublisher } from '../../../infra-cdk/lambda/shared/events';
import { SchedulerStateStore, UnreadableStateError } from '../../../infra-cdk/lambda/shared/scheduler-state';
import { Ec2Gateway } from '../../../infra-cdk/lambda/shared/ec2';
import { runReconciler, type ReconcilerDeps } from '../../../infra-cdk/lambda/reconciler/run';
import { BUS, ReconcilerAws, STATE_BUCKET, STATE_KEY } from './stand-in';

/**
 * The scheduler's state object across versions (issue 15): a version 1 object is migrated on read
 * and written back as version 2 with its month totals; an object this release cannot read is left
 * as it is and the run does nothing (it fails, so the ReconcilerFailing alarm fires).
 */

const OFFICE = { AutoStart: '08:00', AutoStop: '18:00', Timezone: 'America/New_York', AutoDays: 'MON-FRI' };

let aws: ReconcilerAws;
let logs: { level: string; message: string; extra?: Record<string, unknown> }[];
let metrics: Map<string, number>;

beforeEach(async () => {
  aws = await ReconcilerAws.start();
  logs = [];
  metrics = new Map();
});
afterEach(() => aws.close());

function deps(): ReconcilerDeps {
  const push = (level: string) => (message: string, extra?: Record<string, unknown>) => logs.push({ level, message, ...(extra ? { extra } : {}) });
  return {
    fleet: new Ec2Gateway(aws.ec2Client(), MANAGED_BY),
    state: new SchedulerStateStore(aws.s3Client(), STATE_BUCKET, STATE_KEY),
    events: new EventPublisher(aws.eventsClient(), BUS),
    log: { info: push('info'), warn: push('warn'), error: push('error') },
    metrics: { count: (n, v) => metrics.set(n, v), milliseconds: (n, v) => metrics.set(n, v) },
    options: { intervalMinutes: 5, idleDays: 30, idleWarningDays: 3 },
  };
}

describe('scheduler state versions', () => {
  it('migrates a version 1 object: the month total is kept and the new span is added to it and to its UTC days', async () => {
    const vmId = aws.add(1, 'running', OFFICE);
    // Last run at 23:58Z on the 25th with 10 h accounted; this run at 00:03Z on the 26th.
    aws.stateBody = JSON.stringify({
      version: 1,
      lastRunAt: '2026-11-25T23:58:00Z',
      instances: { [vmId]: { firstSeenAt: '2026-11-01T00:00:00Z', lastObservedAt: '2026-11-25T23:58:00Z', lastState: 'running', usage: { month: '2026-11', seconds: 36_000 } } },
    });
    aws.at('2026-11-26T00:03:00Z');
    const summary = await runReconciler(deps(), new Date('2026-11-26T00:03:00Z'));
    expect(summary.committed).toBe(true);
    const state = SchedulerState.parse(JSON.parse(aws.stateBody ?? ''));
    expect(state.version).toBe(2);
    expect(state.instances[vmId]?.usage).toEqual({ month: '2026-11', seconds: 36_300, days: { '25': 120, '26': 180 } });
    expect(logs).toContainEqual({ level: 'info', message: 'scheduler state migrated', extra: { from: 1 } });
  });

  it('leaves an object of an unknown version untouched, and neither acts nor writes', async () => {
    aws.add(1, 'stopped', OFFICE);
    const body = JSON.stringify({ version: 3, lastRunAt: '2026-11-25T12:58:00Z', instances: {}, somethingNew: true });
    aws.stateBody = body;
    aws.at('2026-11-25T13:03:00Z'); // 08:03 in New York: a start is due
    await expect(runReconciler(deps(), new Date('2026-11-25T13:03:00Z'))).rejects.toBeInstanceOf(UnreadableStateError);
    expect(aws.stateBody).toBe(body);
    expect(aws.calls).toEqual([]); // not even listed: the state is read first
    expect(logs.find((l) => l.level === 'error')?.message).toBe('scheduler state unreadable; not overwriting it, not acting');
    expect(metrics.get('StateUnreadable')).toBe(1);
  });
});
