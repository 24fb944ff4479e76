import { useCallback, useEffect, useRef, useState } from 'react';
import Spinner from '@atlaskit/spinner';
import { showFlag } from '@forge/bridge';
import { token } from '@atlaskit/tokens';
import { R, type PanelView, type ResolverName, type ResolverPayload } from '../../../src/contract/resolvers';
import type { Schedule } from '../../../src/contract/schedule';
import { call, whatToDo, type Failure } from '../shared/api';
import { PanelButton } from '../shared/light-controls';
import { FailureMessage, row } from '../shared/ui';
import { useViewerZone } from '../shared/viewer-zone';
import { ActionsBar } from './actions-bar';
import { whyNot } from './availability';
import { ConnectSection } from './connect-section';
import { CostSection } from './cost-section';
import { EmptyState } from './empty-state';
import { Freshness } from './freshness';
import { QueuedProvision } from './queued-provision';
import { ScheduleSection } from './schedule-section';
import { usePanel } from './use-panel';
import { LifecycleSection } from './lifecycle-section';
import { VmFacts, VmSummary } from './vm-summary';

export const FIRST_CONTENT_MARK = 'dev-vm:first-content';

type PanelResolver = typeof R.panelProvision | typeof R.panelStart | typeof R.panelStop | typeof R.panelTerminate | typeof R.panelKeepRunning | typeof R.panelUpdateSchedule | typeof R.panelLifecycle;

export function App() {
  const { load, reload, show, refresh, refreshing, refreshError, nextPollMs, pollStopped } = usePanel();
  /** Set when a provision click failed: the request may now be queued, shown in the button's place. */
  const provisionFailed = useRef(false);
  const viewerZone = useViewerZone();
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ label: string; error: Failure } | null>(null);

  /** Runs one action: the answer replaces the view; a failure is flagged in Jira and kept in the panel. */
  const act = useCallback(
    async <N extends PanelResolver>(label: string, name: N, payload: ResolverPayload<N>): Promise<boolean> => {
      setBusy(label);
      setActionError(null);
      const r = await call(name as ResolverName, payload as ResolverPayload<ResolverName>);
      setBusy(null);
      if (r.ok) {
        show(r.data as PanelView);
        return true;
      }
      setActionError({ label, error: r.error });
      if (name === R.panelProvision) {
        // A request the app keeps for retry is on the issue now: read it, so the panel shows it.
        provisionFailed.current = true;
        void refresh();
      }
      try {
        showFlag({ id: `dev-vm-${Date.now()}`, type: 'error', title: `${label} failed`, description: `${r.error.message} ${whatToDo(r.error)}`, isAutoDismiss: false });
      } catch {
        // The inline message below already tells the user.
      }
      return false;
    },
    [show, refresh],
  );

  const ready = load.status !== 'loading';
  useEffect(() => {
    // User Timing mark read by the first-render benchmark (scripts/bench/ui-bundles.ts).
    if (ready && performance.getEntriesByName(FIRST_CONTENT_MARK).length === 0) performance.mark(FIRST_CONTENT_MARK);
  }, [ready]);

  if (load.status === 'loading') {
    return (
      <div style={{ ...row, padding: token('space.100') }} role="status">
        <Spinner size="medium" label="Loading the VM" />
        <span>Loading the VM…</span>
      </div>
    );
  }
  if (load.status === 'failed') {
    return (
      <main style={{ padding: token('space.100') }}>
        <FailureMessage title="Could not load the VM for this issue" error={load.error} testId="load-failure">
          <div style={{ marginBlockStart: token('space.100') }}>
            <PanelButton onClick={() => void reload()}>Try again</PanelButton>
          </div>
        </FailureMessage>
      </main>
    );
  }

  const v = load.view;
  const vm = v.vm;
  const freshness = <Freshness view={v} viewerZone={viewerZone} pollStopped={pollStopped} refreshing={refreshing} onRefresh={() => void refresh()} />;
  return (
    <main style={{ padding: token('space.100') }} data-testid="panel" data-vm-state={vm?.state ?? 'none'}>
      {actionError && (
        <div style={{ marginBlockEnd: token('space.150') }}>
          <FailureMessage title={`${actionError.label} failed`} error={actionError.error} testId="action-failure" />
        </div>
      )}
      {refreshError && (
        <div style={{ marginBlockEnd: token('space.150') }}>
          <FailureMessage title="Could not refresh the VM state; retrying" error={refreshError} testId="refresh-failure" />
        </div>
      )}
      {!vm ? (
        v.pendingProvision ? (
          <>
            <QueuedProvision pending={v.pendingProvision} viewerZone={viewerZone} nextPollMs={nextPollMs} takeFocus={provisionFailed.current} />
            {freshness}
          </>
        ) : (
          <EmptyState view={v} viewerZone={viewerZone} busy={busy !== null} onProvision={() => void act('Provision VM', R.panelProvision, {})} />
        )
      ) : (
        <>
          <VmSummary vm={vm} viewerZone={viewerZone} nextPollMs={nextPollMs} />
          {freshness}
          <ActionsBar
            view={v}
            viewerZone={viewerZone}
            busy={busy}
            onStart={() => void act('Start', R.panelStart, {})}
            onStop={() => void act('Stop', R.panelStop, {})}
            onTerminate={() => void act('Terminate', R.panelTerminate, {})}
            onKeepRunning={(until) => act('Keep running', R.panelKeepRunning, { until })}
          />
          {vm.state !== 'terminated' && (
            <LifecycleSection view={v} vm={vm} busy={busy !== null} now={Date.now()} onLifecycle={(change) => void act('Lifecycle', R.panelLifecycle, change)} />
          )}
          <VmFacts vm={vm} viewerZone={viewerZone} />
          {vm.state !== 'terminated' && <ConnectSection vm={vm} />}
          {vm.state !== 'terminated' && (
            <ScheduleSection
              view={v}
              viewerZone={viewerZone}
              busy={busy === 'Save schedule'}
              disabledReason={whyNot(v, 'editSchedule', busy)}
              onSave={(schedule: Schedule) => act('Save schedule', R.panelUpdateSchedule, { schedule })}
            />
          )}
          <CostSection cost={v.cost} instanceType={vm.instanceType} os={vm.os} />
          {vm.state === 'terminated' && v.pendingProvision && (
            <QueuedProvision pending={v.pendingProvision} viewerZone={viewerZone} nextPollMs={nextPollMs} takeFocus={provisionFailed.current} />
          )}
          {vm.state === 'terminated' && v.draft && !v.pendingProvision && (
            <EmptyState view={v} viewerZone={viewerZone} busy={busy !== null} onProvision={() => void act('Provision VM', R.panelProvision, {})} />
          )}
        </>
      )}
    </main>
  );
}
