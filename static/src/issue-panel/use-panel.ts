import { useCallback, useEffect, useRef, useState } from 'react';
import { R, type PanelView } from '../../../src/contract/resolvers';
import { TRANSITIONAL_STATES } from '../../../src/contract/vm-api';
import { call, type Failure, type Outcome } from '../shared/api';
import { nextPollDelay } from './poll';

/**
 * The panel's view of the VM: loaded once, replaced by each action's answer, and refreshed by
 * polling only while a change is under way (a transitional state), with the backoff of poll.ts;
 * polling stops as soon as the state settles.
 */

export type PanelLoad = { status: 'loading' } | { status: 'failed'; error: Failure } | { status: 'ready'; view: PanelView };


let firstLoad: Promise<Outcome<typeof R.panelGet>> | undefined;

/**
 * Ask for the panel's data as soon as the script has run, before React's first render, so the
 * request and the render overlap (the panel's first content waits on this answer).
 */
export function startFirstLoad(): void {
  firstLoad ??= call(R.panelGet, {});
}

export function usePanel() {
  const [load, setLoad] = useState<PanelLoad>({ status: 'loading' });
  /** A failed background refresh: shown, and polling carries on with a longer delay. */
  const [refreshError, setRefreshError] = useState<Failure | null>(null);
  const [pollTick, setPollTick] = useState(0);
  const [nextPollMs, setNextPollMs] = useState<number | null>(null);
  const attempt = useRef(0);

  const reload = useCallback(async () => {
    setLoad({ status: 'loading' });
    const pending = firstLoad;
    firstLoad = undefined;
    const r = await (pending ?? call(R.panelGet, {}));
    setLoad(r.ok ? { status: 'ready', view: r.data } : { status: 'failed', error: r.error });
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  const show = useCallback((view: PanelView) => {
    attempt.current = 0;
    setRefreshError(null);
    setLoad({ status: 'ready', view });
  }, []);

  const vmState = load.status === 'ready' ? load.view.vm?.state : undefined;
  const transitional = vmState !== undefined && TRANSITIONAL_STATES.includes(vmState);

  useEffect(() => {
    if (!transitional) {
      attempt.current = 0;
      setNextPollMs(null);
      return;
    }
    const delay = nextPollDelay(attempt.current);
    setNextPollMs(delay);
    let cancelled = false;
    const timer = setTimeout(async () => {
      const r = await call(R.panelGet, {});
      if (cancelled) return;
      attempt.current += 1;
      if (r.ok) {
        setRefreshError(null);
        setLoad({ status: 'ready', view: r.data });
      } else {
        setRefreshError(r.error);
      }
      setPollTick((t) => t + 1);
    }, delay);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [transitional, pollTick, vmState]);

  return { load, reload, show, transitional, refreshError, nextPollMs };
}
