import { BOOT_STEPS } from '../../src/contract/events';
import { BOOT_STEP_LABELS, parseBootStatus } from '../../src/domain/boot-status';

describe('parseBootStatus (the DevVmBootStatus tag the VM writes)', () => {
  it.each([
    ['ready', { kind: 'ready' }],
    ['step:packages', { kind: 'step', step: 'packages' }],
    ['failed:home', { kind: 'failed', step: 'home' }],
    ['failed:start', { kind: 'failed', step: 'start' }],
  ])('%s', (value, expected) => {
    expect(parseBootStatus(value)).toEqual(expected);
  });

  it.each([undefined, '', 'READY', 'failed:', 'failed:nope', 'step:home;reboot', 'done'])('%j is no status', (value) => {
    expect(parseBootStatus(value)).toBeUndefined();
  });

  it('has a label for every step', () => {
    expect(Object.keys(BOOT_STEP_LABELS).sort()).toEqual([...BOOT_STEPS].sort());
  });
});
