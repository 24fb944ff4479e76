import { useCallback, useEffect, useRef, useState } from 'react';
import { R, type FleetRow, type FleetView } from '../../../src/contract/resolvers';
import { call, type Failure } from '../shared/api';

/**
 * Loads the fleet a page (100 VMs) at a time: the table renders as soon as the first page is in,
 * the rest follow in the background. Filters and sorting then work on what is loaded, instantly.
 */
/** Every page the same size: EC2's page token is only valid with the query it came from. */
const PAGE = 100;

type PageOutcome = Awaited<ReturnType<typeof call<typeof R.fleetList>>>;
let firstLoad: Promise<PageOutcome> | undefined;

/** Ask for the first page at module load, before React and view.getContext() have run. */
export function startFirstLoad(): void {
  firstLoad ??= call(R.fleetList, { pageSize: PAGE });
}

export interface FleetState {
  meta: Omit<FleetView, 'rows' | 'nextPageToken'> | undefined;
  rows: FleetRow[];
  loading: boolean;
  /** True until every page is in. */
  more: boolean;
  error: Failure | undefined;
}

export function useFleet(): FleetState & { reload: () => void; patchRows: (update: (rows: FleetRow[]) => FleetRow[]) => void } {
  const [state, setState] = useState<FleetState>({ meta: undefined, rows: [], loading: true, more: true, error: undefined });
  const generation = useRef(0);

  const load = useCallback(async () => {
    const gen = ++generation.current;
    setState({ meta: undefined, rows: [], loading: true, more: true, error: undefined });
    let token: string | undefined;
    let first = true;
    do {
      const early = first ? firstLoad : undefined;
      firstLoad = undefined; // used once; a reload asks again
      const res = early ? await early : await call(R.fleetList, { pageSize: PAGE, ...(token ? { pageToken: token } : {}) });
      first = false;
      if (gen !== generation.current) return;
      if (!res.ok) {
        const error = res.error;
        setState((s) => ({ ...s, loading: false, more: false, error }));
        return;
      }
      const { rows, nextPageToken, ...meta } = res.data;
      token = nextPageToken;
      const more = token !== undefined;
      setState((s) => ({ meta, rows: [...s.rows, ...rows], loading: false, more, error: undefined }));
    } while (token);
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const patchRows = useCallback((update: (rows: FleetRow[]) => FleetRow[]) => setState((s) => ({ ...s, rows: update(s.rows) })), []);
  return { ...state, reload: () => void load(), patchRows };
}
