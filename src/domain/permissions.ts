/**
 * Who may act on an issue's VM from the panel: the assignee, the reporter, or a Jira
 * administrator. Decided on the server from the caller's account id (never from the page).
 */
export interface IssuePeople {
  assigneeAccountId?: string | undefined;
  reporterAccountId?: string | undefined;
}

export type ActDecision = { canAct: true } | { canAct: false; reason: string };

export function decideCanAct(callerAccountId: string | undefined, people: IssuePeople, callerIsAdmin: boolean): ActDecision {
  if (!callerAccountId) return { canAct: false, reason: 'You are not signed in to Jira.' };
  if (callerIsAdmin) return { canAct: true };
  if (callerAccountId === people.assigneeAccountId) return { canAct: true };
  if (callerAccountId === people.reporterAccountId) return { canAct: true };
  return { canAct: false, reason: "Only the issue's assignee, its reporter or a Jira administrator can change this VM." };
}
