import { useCallback, useEffect, useRef, useState } from 'react';
import { R, type PanelView } from '../../../src/contract/resolvers';
import { TRANSITIONAL_STATES } from '../../../src/contract/vm-api';
import { call, type Failure, type Outcome } from '../shared/api';
import { pollDecision } from './poll';

/**
 * The panel's view of the VM: loaded once, replaced by each action's answer, and refreshed by
 * polling only while a change is under way (a transitional state) or a provision request is
 * queued, with the backoff and bounds of poll.ts: polling stops when the state settles, when the
 * answer is stale (the VM API did not answer) or after POLL_WINDOW_MS; `refresh` resumes it.
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

export type PollStop = 'stale' | 'time-limit' | null;

export function usePanel(now: () => number = Date.now) {
  const [load, setLoad] = useState<PanelLoad>({ status: 'loading' });
  /** A failed background refresh: shown, and polling carries on with a longer delay. */
  const [refreshError, setRefreshError] = useState<Failure | null>(null);
  const [pollTick, setPollTick] = useState(0);
  const [nextPollMs, setNextPollMs] = useState<number | null>(null);
  /** Why automatic refreshing stopped while the VM is not settled (null: it did not). */
  const [pollStopped, setPollStopped] = useState<PollStop>(null);
  const [refreshing, setRefreshing] = useState(false);
  const attempt = useRef(0);
  const windowStart = useRef<number | null>(null);

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
    windowStart.current = null;
    setRefreshError(null);
    setLoad({ status: 'ready', view });
  }, []);

  /**
   * A background read (Refresh or a poll): a good answer replaces the view, a failure keeps the
   * view and shows the reason; either way the polling effect decides what comes next.
   */
  const applyRead = useCallback((r: Outcome<typeof R.panelGet>) => {
    if (r.ok) {
      setRefreshError(null);
      setLoad({ status: 'ready', view: r.data });
    } else {
      setRefreshError(r.error);
    }
    setPollTick((t) => t + 1);
  }, []);

  /** "Refresh": read now, in place (the panel keeps its content and focus), and start a new polling window. */
  const refresh = useCallback(async () => {
    setRefreshing(true);
    const r = await call(R.panelGet, {});
    setRefreshing(false);
    attempt.current = 0;
    windowStart.current = null;
    applyRead(r);
  }, [applyRead]);

  const view = load.status === 'ready' ? load.view : undefined;
  const vmState = view?.vm?.state;
  const transitional = vmState !== undefined && TRANSITIONAL_STATES.includes(vmState);
  const queued = view?.pendingProvision !== undefined;
  const stale = view?.stale === true;

  useEffect(() => {
    const decision = pollDecision({ transitional, queued, stale, windowStartMs: windowStart.current, nowMs: now(), attempt: attempt.current });
    if (!decision.poll) {
      attempt.current = 0;
      if (decision.why === 'settled') windowStart.current = null;
      setNextPollMs(null);
      setPollStopped(decision.why === 'settled' ? null : decision.why);
      return;
    }
    windowStart.current ??= now();
    setPollStopped(null);
    setNextPollMs(decision.delayMs);
    let cancelled = false;
    const timer = setTimeout(async () => {
      const r = await call(R.panelGet, {});
      if (cancelled) return;
      attempt.current += 1;
      applyRead(r);
    }, decision.delayMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [transitional, queued, stale, pollTick, vmState, now, applyRead]);

  return { load, reload, show, refresh, refreshing, transitional, refreshError, nextPollMs, pollStopped };
}
