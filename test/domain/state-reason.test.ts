import { describeStateReason } from '../../src/domain/state-reason';

describe('describeStateReason', () => {
  it.each([
    ['Client.UserInitiatedShutdown: User initiated shutdown', 'stopped by a user or the schedule'],
    ['Client.UserInitiatedShutdown', 'stopped by a user or the schedule'],
    ['Server.InsufficientInstanceCapacity: Insufficient capacity.', 'AWS had no capacity for this instance type in the zone; try again later or choose another type'],
    ['Client.InstanceInitiatedShutdown: Instance initiated shutdown', 'shut down from inside the VM (shutdown or poweroff)'],
    ['Server.ScheduledStop: Stopped due to scheduled retirement', 'AWS stopped it for a scheduled retirement of the underlying hardware'],
    ['User initiated (2026-11-30 10:00:00 GMT)', 'started or stopped by a user or the schedule'],
    ['Server.SomethingNew: Brand new reason', 'AWS reported: Brand new reason'],
    ['Client.Other', 'AWS reported Client.Other'],
    ['start at 08:00 did not reach running', 'start at 08:00 did not reach running'],
  ])('%s → %s', (raw, text) => {
    expect(describeStateReason(raw)).toBe(text);
  });

  it('says which way a bare "User initiated" transition went, from the VM\'s state', () => {
    const raw = 'User initiated (2026-11-30 10:00:00 GMT)';
    expect(describeStateReason(raw, 'stopping')).toBe('stopped by a user or the schedule');
    expect(describeStateReason(raw, 'stopped')).toBe('stopped by a user or the schedule');
    expect(describeStateReason(raw, 'terminated')).toBe('terminated by a user or the app');
    expect(describeStateReason(raw, 'running')).toBe('started or stopped by a user or the schedule');
    // EC2 gives a terminate the same code as a stop.
    expect(describeStateReason('Client.UserInitiatedShutdown: User initiated shutdown', 'shutting-down')).toBe('terminated by a user or the app');
    expect(describeStateReason('Client.UserInitiatedShutdown: User initiated shutdown', 'stopped')).toBe('stopped by a user or the schedule');
  });

  it('says nothing for an empty reason', () => {
    expect(describeStateReason(undefined)).toBeUndefined();
    expect(describeStateReason('  ')).toBeUndefined();
  });
});
