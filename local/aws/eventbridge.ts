import { randomUUID } from 'node:crypto';
import { eventBusExists, handleEventBus } from './account-resources';
import type { ServiceContext } from './context';
import { optObjects, optString, type JsonObject } from './json-input';
import { AwsError, jsonBody, jsonResponse, type StandInRequest, type StandInResponse } from './protocol';
import type { RecordedEvent } from './state';
import { targetOperation } from './secrets-manager';

/**
 * EventBridge PutEvents over awsJson1_1 (`X-Amz-Target: AWSEvents.PutEvents`). Entries are
 * validated one by one: a bad entry is reported in `Entries[i].ErrorCode` and counted in
 * FailedEntryCount while the others are recorded, exactly the partial-failure shape callers must handle.
 */

export function handleEventBridge(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const op = targetOperation(req);
  if (op === 'CreateEventBus' || op === 'DescribeEventBus') return handleEventBus(op, req, jsonBody(req), ctx);
  if (op !== 'PutEvents') throw new AwsError('UnknownOperationException', `Unknown operation ${op}`);
  const input = jsonBody(req);
  const entries = optObjects(input, 'Entries');
  if (entries.length < 1 || entries.length > 10) {
    throw new AwsError('ValidationException', "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1");
  }
  const size = Buffer.byteLength(JSON.stringify(entries));
  if (size > 256 * 1024) throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');
  const now = ctx.clock.now();
  const results = entries.map((e) => putOne(e, now, ctx));
  const failed = results.filter((r) => 'ErrorCode' in r).length;
  return jsonResponse(req.requestId, 'application/x-amz-json-1.1', { FailedEntryCount: failed, Entries: results });
}

function putOne(e: JsonObject, now: number, ctx: ServiceContext): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
  const source = optString(e, 'Source');
  const detailType = optString(e, 'DetailType');
  const detailText = optString(e, 'Detail');
  if (!source) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' };
  if (!detailType) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' };
  if (!detailText) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' };
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    detail = undefined;
  }
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  const resources = Array.isArray(e.Resources) ? e.Resources.filter((r): r is string => typeof r === 'string') : [];
  const event: RecordedEvent = {
    eventId: randomUUID(),
    time: typeof e.Time === 'number' ? e.Time * 1000 : now,
    eventBusName: optString(e, 'EventBusName') ?? 'default',
    source,
    detailType,
    detail: detail as Record<string, unknown>,
    resources,
  };
  // EventBridge accepts an entry for a bus that does not exist and drops it: an EventId, no error
  // (https://github.com/aws/aws-cli/issues/9186). In strict mode such events are not recorded,
  // which is why the preview's bootstrap checks the bus itself (DescribeEventBus).
  if (!ctx.strictResources || eventBusExists(ctx.state, event.eventBusName)) ctx.state.events.push(event);
  return { EventId: event.eventId };
}
