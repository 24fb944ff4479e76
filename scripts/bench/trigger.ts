/**
 * What our Forge code adds between a transition and the VM API call: the real trigger handler
 * (real @forge/api, real aws4fetch signing) runs against the in-process Jira stand-in and the
 * SigV4-verifying VM API stand-in; we time from the event's arrival to the moment the signed
 * POST /vms leaves (global fetch), and count the Jira and API calls per transition.
 */
import { performance } from 'node:perf_hooks';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { STATUS, configure, goodIssue, site, statusChangedEvent } from '../../local/site-fixtures';
import { startVmApiStandIn } from '../../local/vm-api-server';

export interface TriggerBench {
  transitions: number;
  jiraCallsPerTransition: number;
  apiCallsPerTransition: number;
  medianMsToApiCall: number;
  p95MsToApiCall: number;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

export async function benchTrigger(transitions = 30): Promise<TriggerBench> {
  process.env.DEV_VM_SILENT_LOGS = '1';
  const api = await startVmApiStandIn();
  const issues = Array.from({ length: transitions }, (_, i) => goodIssue({ id: String(20000 + i), key: `OPS-${100 + i}` }));
  const forge = site(issues);
  configure(forge, api);
  const realFetch = globalThis.fetch;
  let sentAt = 0;
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    if (method === 'POST' && String(input instanceof Request ? input.url : input).endsWith('/vms') && sentAt === 0) sentAt = performance.now();
    return realFetch(input, init);
  }) as typeof fetch;
  const times: number[] = [];
  try {
    // One warm-up transition so module loading and the first KVS read are not counted.
    for (let i = 0; i < issues.length; i++) {
      const issue = issues[i]!;
      sentAt = 0;
      const t0 = performance.now();
      await handleIssueUpdated(statusChangedEvent({ id: issue.id, key: issue.key }, STATUS.inProgress, STATUS.ready, String(30000 + i)), new Date());
      if (sentAt === 0) throw new Error(`transition of ${issue.key} made no POST /vms`);
      if (i > 0) times.push(sentAt - t0);
    }
  } finally {
    globalThis.fetch = realFetch;
    forge.uninstall();
    await api.close();
  }
  const provisions = api.calls.filter((c) => c.op === 'provision').length;
  if (provisions !== transitions) throw new Error(`expected ${transitions} provisions, saw ${provisions}`);
  return {
    transitions,
    jiraCallsPerTransition: forge.jira.calls.length / transitions,
    apiCallsPerTransition: api.calls.length / transitions,
    medianMsToApiCall: quantile(times, 0.5),
    p95MsToApiCall: quantile(times, 0.95),
  };
}
