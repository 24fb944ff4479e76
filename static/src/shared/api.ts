import { invoke } from '@forge/bridge';
import { Resolvers, resultOf, type ResolverData, type ResolverName, type ResolverPayload, type ResolverResult } from '../../../src/contract/resolvers';

/**
 * The only place the pages talk to the backend. Every call names its resolver from the contract's
 * `R` table, sends a payload typed by the contract, and gets the `{ok, data} | {ok: false, error}`
 * envelope back, validated against the contract, so a page never renders an unchecked shape.
 * Transport failures (the bridge throwing, a malformed answer) become the same failure envelope,
 * so every caller has exactly one error path to render.
 */
export type Failure = Extract<ResolverResult<ResolverName>, { ok: false }>['error'];
export type Outcome<N extends ResolverName> = { ok: true; data: ResolverData<N> } | { ok: false; error: Failure };

export async function call<N extends ResolverName>(name: N, payload: ResolverPayload<N>): Promise<Outcome<N>> {
  let raw: unknown;
  try {
    raw = await invoke(name, payload as Record<string, never>);
  } catch (err) {
    return {
      ok: false,
      error: { code: 'UPSTREAM_FAILED', message: `The app's backend could not be reached (${err instanceof Error ? err.message : String(err)}).` },
    };
  }
  const parsed = resultOf(Resolvers[name].result).safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: { code: 'INTERNAL', message: `The backend sent an answer this page does not understand (${name}).` } };
  }
  return parsed.data as Outcome<N>;
}

/**
 * What the user can do about a failure, by error code: every failure shown says what to do next.
 * A failed VM API call carries its user code (src/domain/user-errors.ts) and a cause that already
 * says what to do per cause (not reachable, refused, failed inside AWS, failed in the database),
 * so nothing generic is added to it.
 */
export function whatToDo(error: Failure): string {
  if (error.userCode) return `Error code ${error.userCode}.`;
  switch (error.code) {
    case 'NOT_CONFIGURED':
      return 'Ask a Jira administrator to finish the Dev VM settings (Jira settings → Apps → Dev VM settings).';
    case 'FORBIDDEN':
    case 'NOT_ALLOWED':
      // A refusal by the status (identity.ts NOT_PROVISION_STATUS) is not about who acts:
      // the assignee gets it too, so "ask the assignee" would send them in a circle.
      if (error.field === 'status') return 'Use the issue’s workflow instead: moving the issue to the status your Jira administrator chose to provision VMs creates it.';
      return 'Only the assignee, the reporter or a Jira administrator can do this. Ask one of them.';
    case 'VALIDATION_FAILED':
      return error.field ? `Correct “${error.field}” and try again.` : 'Correct the values and try again.';
    case 'CONFLICT':
      return 'The VM changed state in the meantime. The panel shows its current state; try again if still needed.';
    case 'METHOD_NOT_ALLOWED':
      return 'The app and its AWS stack disagree about the API. Ask an administrator to deploy the same version of both.';
    case 'NOT_FOUND':
      return 'The VM no longer exists. Reload the panel to see the current state.';
    case 'INSUFFICIENT_CAPACITY':
      return 'AWS has no capacity for this instance type right now. Try again in a few minutes or pick another instance type.';
    case 'THROTTLED':
      return 'Too many requests at once. Wait a minute and try again.';
    case 'UNAUTHORIZED':
      return 'The app’s AWS credentials were rejected. Ask a Jira administrator to run Test connection in Jira settings → Apps → Dev VM settings.';
    case 'UPSTREAM_FAILED':
      return 'Try again; if it keeps failing, ask a Jira administrator to run Test connection in Jira settings → Apps → Dev VM settings.';
    case 'RECORD_UNREADABLE':
      return 'Error code RECORD_UNREADABLE. The app does nothing for this issue’s VM until its record is repaired, so it cannot launch a second one. Ask a Jira administrator.';
    case 'INTERNAL':
      return 'Something unexpected went wrong. Try again; if it keeps failing, report it with the issue key.';
  }
}
