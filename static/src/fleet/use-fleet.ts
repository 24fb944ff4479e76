import { useCallback, useEffect, useRef, useState } from 'react';
import { R, type FleetRow, type FleetView } from '../../../src/contract/resolvers';
import { call, type Failure } from '../shared/api';

/**
 * Loads the fleet a page (100 VMs) at a time: the table renders as soon as the first page is in,
 * the rest follow in the background. Filters and sorting then work on what is loaded, instantly.
 */
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
    do {
      const res = await call(R.fleetList, { pageSize: 100, ...(token ? { pageToken: token } : {}) });
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
