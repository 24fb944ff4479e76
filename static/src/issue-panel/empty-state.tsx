import { token } from '@atlaskit/tokens';
import type { PanelView } from '../../../src/contract/resolvers';
import { FIELD_ROLE_LABELS, FIELD_ROLES, type FieldRole } from '../../../src/contract/settings';
import { OS_LABELS } from '../../../src/contract/vm-api';
import { describeDays } from '../shared/days';
import { Message, PanelButton } from '../shared/light-controls';
import { formatInstant } from '../shared/format';
import { Facts, mutedText, Section } from '../shared/ui';

/**
 * A draft value in the words the rest of the panel uses once the VM exists ("Mon–Fri", "Ubuntu 24.04
 * LTS"), not the field's raw spelling; a value the contract does not know stays as typed.
 */
function draftValueText(role: FieldRole, value: string): string {
  if (role === 'days') return describeDays(value) || value;
  if (role === 'os') return (OS_LABELS as Record<string, string | undefined>)[value] ?? value;
  return value;
}

/** No VM yet: what provisioning would send (read from the issue's fields) or what is wrong with them. */
export function EmptyState(props: { view: PanelView; busy: boolean; onProvision: () => void; viewerZone: string }) {
  const { view } = props;
  if (!view.configured) {
    return (
      <div data-testid="not-configured">
        <Message tone="warning" title="Dev VM is not set up yet">
          <p>The app has no connection to its AWS stack, so it cannot create VMs.</p>
          <p>Ask a Jira administrator to open Jira settings → Apps → Dev VM settings and finish the checklist there.</p>
        </Message>
      </div>
    );
  }
  const draft = view.draft;
  const problems = draft?.problems ?? [];
  const reason = !view.canAct
    ? view.cannotActReason ?? 'Only the assignee, the reporter or a Jira administrator can provision a VM.'
    : view.provisionBlocked
      ? view.provisionBlocked
      : problems.length > 0
        ? 'Fix the issue fields listed above first.'
        : undefined;
  const known = FIELD_ROLES.filter((r) => draft?.values[r] !== undefined);
  const gaveUp = view.provisionFailure;
  return (
    <div data-testid="empty-state">
      {gaveUp ? (
        <div style={{ marginBlockEnd: token('space.150') }}>
          <Message role="alert" tone="error" title="The VM was not created" testId="provision-gave-up">
            <p>
              The last request was tried {gaveUp.attempts} times, the last at {formatInstant(gaveUp.at, props.viewerZone)} ({props.viewerZone}), and then given up. {gaveUp.cause}
            </p>
            <p>
              Error code {gaveUp.code}, reference {gaveUp.ref}.
            </p>
            <PanelButton appearance="primary" disabledReason={props.busy ? undefined : reason} isLoading={props.busy} onClick={props.onProvision} testId="action-retry-provision">
              Retry
            </PanelButton>
          </Message>
        </div>
      ) : (
        !view.vm && <p style={{ marginBlockStart: 0 }}>There is no VM for this issue yet.</p>
      )}
      <Section title={view.vm ? 'Provision a new VM' : 'Provision a VM'} id="provision-heading">
        {known.length > 0 ? (
          <>
            <p style={{ ...mutedText, marginBlockStart: 0 }}>Read from this issue’s fields:</p>
            <Facts testId="draft-values" rows={known.map((r) => [FIELD_ROLE_LABELS[r], draftValueText(r, draft?.values[r] ?? '')])} />
            {draft?.scheduleFromPanel && (
              <p style={mutedText} data-testid="draft-schedule-kept">
                Working hours: the ones last saved in this panel, not the issue’s fields.
              </p>
            )}
          </>
        ) : (
          <p style={mutedText}>No field of this issue is mapped yet.</p>
        )}
        {problems.length > 0 && (
          <div style={{ marginBlockStart: token('space.150') }} data-testid="draft-problems">
            <Message tone="error" title="These fields need fixing before a VM can be provisioned">
              <ul style={{ margin: 0, paddingInlineStart: token('space.250') }}>
                {problems.map((p) => (
                  <li key={p.field + p.message}>
                    <strong>{p.label}</strong>: {p.message}
                  </li>
                ))}
              </ul>
              <p>Edit the issue, then reload this panel.</p>
            </Message>
          </div>
        )}
        {!gaveUp && (
          <div style={{ marginBlockStart: token('space.150') }}>
            <PanelButton appearance="primary" disabledReason={props.busy ? undefined : reason} isLoading={props.busy} onClick={props.onProvision} testId="action-provision">
              Provision VM
            </PanelButton>
          </div>
        )}
      </Section>
    </div>
  );
}
