import { token } from '@atlaskit/tokens';
import type { PanelView } from '../../../src/contract/resolvers';
import { formatInstant } from '../shared/format';
import { Message, PanelButton } from '../shared/light-controls';
import { mutedText, row } from '../shared/ui';
import { POLL_WINDOW_MS } from './poll';
import type { PollStop } from './use-panel';

/**
 * How current the panel is: a warning when the VM record shown is the stored one because the AWS
 * API did not answer, a note when automatic refreshing stopped, and a Refresh button. The button is
 * always rendered (disabled while a refresh runs), so keyboard focus stays on it across refreshes.
 */
export function Freshness(props: { view: PanelView; viewerZone: string; pollStopped: PollStop; refreshing: boolean; onRefresh: () => void }) {
  const { view, viewerZone } = props;
  const asOf = view.refreshedAt ? `${formatInstant(view.refreshedAt, viewerZone)} (${viewerZone})` : 'its last stored state';
  return (
    <div style={{ marginBlockStart: token('space.150') }}>
      {view.stale && (
        <div style={{ marginBlockEnd: token('space.100') }}>
          <Message tone="warning" title="This may be out of date" testId="stale-notice">
            <p>Shown as of {asOf}; the AWS API did not answer.</p>
            <p>Automatic refreshing is paused. Use Refresh to ask again; if it keeps failing, ask a Jira administrator to check the Dev VM connection.</p>
          </Message>
        </div>
      )}
      <div style={row}>
        <PanelButton onClick={props.onRefresh} isLoading={props.refreshing} testId="action-refresh">
          Refresh
        </PanelButton>
        <span aria-live="polite" data-testid="poll-status" style={mutedText}>
          {props.pollStopped === 'time-limit' && `Stopped checking automatically after ${Math.round(POLL_WINDOW_MS / 60_000)} minutes. Refresh to check again.`}
        </span>
      </div>
    </div>
  );
}
