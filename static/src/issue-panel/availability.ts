import type { PanelView } from '../../../src/contract/resolvers';
import type { VmState } from '../../../src/contract/vm-api';

/** Which panel action is possible now, and if not, the reason the button's tooltip gives. */
export type PanelAction = 'start' | 'stop' | 'keepRunning' | 'terminate' | 'editSchedule';

const STATE_WORDS: Record<VmState, string> = {
  pending: 'is starting',
  running: 'is running',
  stopping: 'is stopping',
  stopped: 'is stopped',
  'shutting-down': 'is being terminated',
  terminated: 'has been terminated',
  failed: 'failed to launch',
};

const ALLOWED_IN: Record<PanelAction, readonly VmState[]> = {
  start: ['stopped'],
  stop: ['running', 'pending'],
  keepRunning: ['running', 'pending', 'stopped'],
  terminate: ['pending', 'running', 'stopping', 'stopped', 'failed'],
  editSchedule: ['pending', 'running', 'stopping', 'stopped'],
};

const NEEDS: Record<PanelAction, string> = {
  start: 'Start needs a stopped VM',
  stop: 'Stop needs a running VM',
  keepRunning: 'Keep running needs a VM that is not being terminated',
  terminate: 'There is nothing left to terminate',
  editSchedule: 'The schedule can only change while the VM exists',
};

/** `undefined` = allowed; otherwise why not. Permission comes first: it is the reason that matters to a viewer. */
export function whyNot(view: PanelView, action: PanelAction, busy: string | null): string | undefined {
  if (!view.canAct) return view.cannotActReason ?? 'Only the assignee, the reporter or a Jira administrator can change this VM.';
  const vm = view.vm;
  if (!vm) return 'There is no VM for this issue yet.';
  if (busy) return `Wait until “${busy}” has finished.`;
  if (!ALLOWED_IN[action].includes(vm.state)) return `${NEEDS[action]}; this VM ${STATE_WORDS[vm.state]}.`;
  return undefined;
}
