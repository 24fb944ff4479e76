import { ON_CLOSE_ACTIONS, SCHEDULED_START_STOP_MODES } from '../../../src/contract/settings';

/** The settings page's words for its choices; the settings' own labels are in src/domain/setting-labels.ts. */

export const ON_CLOSE_LABELS: Record<(typeof ON_CLOSE_ACTIONS)[number], string> = {
  nothing: 'Do nothing (the VM keeps its schedule)',
  stop: 'Stop the VM (home and databases kept)',
  terminate: 'Terminate the VM (home and databases kept)',
};
export const SCHEDULED_START_STOP_LABELS: Record<(typeof SCHEDULED_START_STOP_MODES)[number], string> = {
  comment: 'Comment on the issue',
  silent: 'Update the panel only (no comment)',
};
