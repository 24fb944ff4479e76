import type { Filter } from '@aws-sdk/client-ec2';
import { ApiError } from '../../../src/contract/errors';
import { Tag } from '../../../src/contract/tags';
import type { FleetPage, FleetQuery, VmState } from '../../../src/contract/vm-api';
import { errorIs } from '../shared/clients';
import { toApiError } from '../shared/aws-errors';
import { vmState } from '../shared/vm-record';
import type { VmApiDeps } from './deps';
import { vmRecords } from './records';

/**
 * `GET /vms` without an issue key: the fleet, one page at a time, for the fleet page. A page costs
 * exactly ONE DescribeInstances (filters applied by EC2) and ONE read of the reconciler's state
 * object for the usage of the VMs on it (with hours per day, for the page's chart): never a call
 * per VM.
 *
 * Terminated instances are left out unless asked for (`state=terminated`): EC2 shows them for
 * about an hour only, so listing them would make the fleet flicker. `failed` is this API's own
 * state (a stopped or terminated instance whose state reason is a launch failure), so EC2 is asked
 * for those two states and the page keeps the failed ones; likewise `stopped` drops them.
 */

/** Every EC2 state but `terminated`: the default fleet. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

function ec2StateValues(state: VmState | undefined): string[] {
  if (state === undefined) return LIVE_STATES;
  if (state === 'failed') return ['stopped', 'terminated'];
  return [state];
}

export function fleetFilters(query: FleetQuery): Filter[] {
  const filters: Filter[] = [{ Name: 'instance-state-name', Values: ec2StateValues(query.state) }];
  if (query.client) filters.push({ Name: `tag:${Tag.ClientName}`, Values: [query.client] });
  if (query.developer) filters.push({ Name: `tag:${Tag.DeveloperName}`, Values: [query.developer] });
  // EC2 filter values take `*` wildcards; a project key has no `*` or `?` (contract), so this
  // matches exactly the issues of that project (`OPS-*` does not match `OPSX-1`).
  if (query.project) filters.push({ Name: `tag:${Tag.JiraIssue}`, Values: [`${query.project}-*`] });
  return filters;
}

export async function listFleet(deps: VmApiDeps, query: FleetQuery): Promise<FleetPage> {
  let page: Awaited<ReturnType<VmApiDeps['ec2']['describePage']>>;
  try {
    page = await deps.ec2.describePage(fleetFilters(query), query.pageSize, query.pageToken);
  } catch (e) {
    // A token from another query (or a forged one) is the caller's mistake: name the field.
    if (query.pageToken && errorIs(e, 'InvalidParameterValue', 'InvalidNextToken')) {
      throw new ApiError('VALIDATION_FAILED', 'pageToken: not a token of this query; start again without it', 'pageToken');
    }
    throw toApiError(e);
  }
  const wanted = query.state;
  const instances = wanted === undefined ? page.instances : page.instances.filter((i) => vmState(i) === wanted);
  deps.annotate?.({ fleetPage: { asked: query.pageSize, returned: instances.length, more: page.nextToken !== undefined } });
  return { vms: await vmRecords(deps, instances, { usage: 'daily' }), ...(page.nextToken ? { nextPageToken: page.nextToken } : {}) };
}
