import { useEffect, useRef } from 'react';
import Spinner from '@atlaskit/spinner';
import type { PendingProvisionView } from '../../../src/contract/resolvers';
import { formatInstant } from '../shared/format';
import { Message } from '../shared/light-controls';
import { mutedText, row } from '../shared/ui';

/**
 * A provision request the app is retrying (the VM API did not answer or failed). Shown in place of the
 * Provision button, so nobody sends a second request; the panel polls until the VM appears.
 */
export function QueuedProvision(props: { pending: PendingProvisionView; viewerZone: string; nextPollMs: number | null; takeFocus?: boolean }) {
  const { pending, viewerZone } = props;
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // It replaces the Provision button that had focus: keyboard users land on what happened.
    if (props.takeFocus) box.current?.focus();
  }, [props.takeFocus]);
  const at = (iso: string) => `${formatInstant(iso, viewerZone)} (${viewerZone})`;
  return (
    <div data-testid="queued-provision" ref={box} tabIndex={-1}>
      <Message tone="information" title="VM requested; waiting for AWS">
        <p data-testid="queued-provision-text">
          Provision requested at {at(pending.requestedAt)}; it has not gone through yet, the app retries automatically
          {pending.nextAttemptAt ? ` at ${at(pending.nextAttemptAt)}` : ''} (attempt {pending.attempts + 1} of {pending.maxAttempts}). A retry never launches a second VM.
        </p>
        {pending.lastError && <p style={mutedText} data-testid="queued-provision-cause">Last attempt: {pending.lastError}</p>}
        <div aria-live="polite" style={row}>
          {props.nextPollMs !== null && (
            <>
              <Spinner size="small" label="Waiting for the VM" />
              <span style={mutedText}>Checking again in {Math.round(props.nextPollMs / 1000)} s.</span>
            </>
          )}
        </div>
      </Message>
    </div>
  );
}
