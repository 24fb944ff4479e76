import type { APIGatewayEventRequestContextIAMAuthorizer, APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { ApiError, validationError } from '../../../src/contract/errors';
import { matchRoute, selectOperation, VmApi, type VmApiOperation, type VmApiResponse } from '../../../src/contract/vm-api';
import { toApiError } from '../shared/aws-errors';
import { recordOutcome, type Outcome } from '../shared/powertools';
import type { VmApiDeps } from './deps';
import { listFleet } from './fleet';
import * as ops from './operations';
import { provision } from './provision';
import { sendTestEvent } from './test-event';

/**
 * The function URL's event (payload v2) → operation → response. Every request and response is
 * validated against src/contract/vm-api.ts; every failure leaves as `{error:{code,message,field?}}`
 * with its status. One structured log line per request: method, route, status, duration and the
 * instance id; never bodies, headers or secrets.
 */

export type VmApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Validate one part of the request; the error names the field (or the part, for unknown keys). */
function parsePart<S extends z.ZodType>(schema: S, value: unknown, part: 'path' | 'query' | 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const err = validationError(r.error.issues);
  if (err.field) throw err;
  throw new ApiError('VALIDATION_FAILED', `${part}: ${err.message}`, part);
}

/**
 * Who signed the request, as the function URL's AWS_IAM auth puts it in the event
 * (`requestContext.authorizer.iam.userArn`; AWS Lambda Developer Guide, "Invoking Lambda function
 * URLs", request payload: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads).
 */
function callerArn(event: APIGatewayProxyEventV2): string | undefined {
  const context = event.requestContext as { authorizer?: Partial<APIGatewayEventRequestContextIAMAuthorizer> } | undefined;
  return context?.authorizer?.iam?.userArn;
}

/** Path parameters are percent-decoded; a malformed escape (`%E0%A4%A`) is the caller's error, not ours. */
function routeOf(method: string, path: string): ReturnType<typeof matchRoute> {
  try {
    return matchRoute(method, path);
  } catch (e) {
    if (e instanceof URIError) throw new ApiError('VALIDATION_FAILED', 'path: malformed percent-encoding', 'path');
    throw e;
  }
}

function bodyOf(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new ApiError('VALIDATION_FAILED', 'body: a JSON body is required', 'body');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('VALIDATION_FAILED', 'body: not valid JSON', 'body');
  }
}

type Def<Op extends VmApiOperation> = (typeof VmApi)[Op];
/** An operation's validated input, typed from its schemas in the contract. */
export interface RouteInput<Op extends VmApiOperation> {
  params: z.infer<Def<Op>['params']>;
  query: z.infer<Def<Op>['query']>;
  body: Def<Op>['body'] extends z.ZodType ? z.infer<Def<Op>['body']> : undefined;
}
type Route<Op extends VmApiOperation> = (deps: VmApiDeps, input: RouteInput<Op>) => Promise<VmApiResponse<Op>> | VmApiResponse<Op>;

/**
 * The route table: one entry per operation of the contract (a missing or extra one does not
 * compile), each receiving exactly the input its schemas produce; no casts, no switch.
 */
export const ROUTES: { readonly [Op in VmApiOperation]: Route<Op> } = {
  health: (deps) => ops.health(deps),
  provision: (deps, { body }) => provision(deps, body),
  listVms: (deps, { query }) => ops.listVms(deps, query.issueKey),
  listFleet: (deps, { query }) => listFleet(deps, query),
  // Every instance operation carries the issue key (InstanceQuery): refused unless the JiraIssue tag matches.
  getVm: (deps, { params, query }) => ops.getVm(deps, params.id, query.issueKey),
  startVm: (deps, { params, query }) => ops.startVm(deps, params.id, query.issueKey),
  stopVm: (deps, { params, query }) => ops.stopVm(deps, params.id, query.issueKey),
  terminateVm: (deps, { params, query }) => ops.terminateVm(deps, params.id, query.issueKey),
  updateSchedule: (deps, { params, query, body }) => ops.updateSchedule(deps, params.id, query.issueKey, body),
  keepRunning: (deps, { params, query, body }) => ops.keepRunning(deps, params.id, query.issueKey, body),
  updateLifecycle: (deps, { params, query, body }) => ops.updateLifecycle(deps, params.id, query.issueKey, body),
  updateCostCenter: (deps, { params, query, body }) => ops.updateCostCenter(deps, params.id, query.issueKey, body.costCenter),
  updatePolicy: (deps, { body }) => ops.updatePolicy(deps, body),
  revokeDeveloper: (deps, { params }) => ops.revokeDeveloper(deps, params.client, params.developer),
  sendTestEvent: (deps, { body }) => sendTestEvent(deps, body.nonce),
};

/** The outcome metric a successful operation records (shared/powertools.ts); the others record none. */
const OUTCOMES: Partial<Record<VmApiOperation, Outcome>> = { provision: 'provisioned', startVm: 'started', stopVm: 'stopped' };

/** Validate the request's parts against the operation's schemas, run it, check the response. */
async function run<Op extends VmApiOperation>(
  op: Op,
  deps: VmApiDeps,
  raw: { params: Record<string, string>; query: Record<string, string | undefined>; body: () => unknown },
  line: Record<string, unknown>,
): Promise<unknown> {
  const def: Def<Op> = VmApi[op];
  // TypeScript resolves `VmApi[op]`'s schemas to the union over all operations, so their parsed
  // values are asserted back to this operation's types: the schemas ARE this operation's, the
  // assertions only restore what the generic lookup forgot.
  const params = parsePart(def.params, raw.params, 'path') as RouteInput<Op>['params'];
  if (typeof (params as { id?: unknown }).id === 'string') line.instanceId = (params as { id: string }).id;
  const query = parsePart(def.query, raw.query, 'query') as RouteInput<Op>['query'];
  const body = (def.body ? parsePart(def.body, raw.body(), 'body') : undefined) as RouteInput<Op>['body'];
  const route: Route<Op> = ROUTES[op];
  const result = await route(deps, { params, query, body });
  const checked = def.response.safeParse(result);
  if (!checked.success) {
    line.contractViolation = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ApiError('INTERNAL', 'the VM API produced a response outside its contract; see its logs');
  }
  return checked.data;
}

export function createHandler(baseDeps: VmApiDeps): VmApiHandler {
  return async (event) => {
    const started = performance.now();
    const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
    const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
    const line: Record<string, unknown> = { method, route: 'unmatched' };
    const deps: VmApiDeps = { ...baseDeps, annotate: (fields) => void Object.assign(line, fields) };
    let response: APIGatewayProxyStructuredResultV2;
    try {
      // Any principal of the account with lambda:InvokeFunctionUrl passes the URL's IAM auth;
      // only the stack's Forge app user may drive the API.
      if (callerArn(event) !== deps.env.FORGE_CALLER_ARN) {
        throw new ApiError('NOT_ALLOWED', 'caller: only the Forge app principal of this stack may call the VM API', 'caller');
      }
      const match = routeOf(method, path);
      if (match.op === null) {
        if (match.allowed.length > 0) {
          const allow = [...new Set(match.allowed)].join(', ');
          line.status = 405;
          response = json(405, new ApiError('METHOD_NOT_ALLOWED', `method ${method} is not allowed here; allowed: ${allow}`).toBody(), { allow });
          return response;
        }
        throw new ApiError('NOT_FOUND', `no route ${method} ${path}`);
      }
      const op = selectOperation(match.op, event.queryStringParameters ?? {});
      const def = VmApi[op];
      line.route = def.path;
      line.op = op;
      const data = await run(op, deps, { params: match.params, query: event.queryStringParameters ?? {}, body: () => bodyOf(event) }, line);
      if (!line.instanceId && typeof (data as { id?: unknown }).id === 'string') line.instanceId = (data as { id: string }).id;
      const outcome = OUTCOMES[op];
      if (outcome) recordOutcome(outcome);
      line.status = def.status;
      response = json(def.status, data);
      return response;
    } catch (e) {
      const err = toApiError(e);
      line.status = err.status;
      line.errorCode = err.code;
      if (err.field) line.errorField = err.field;
      const cause = err.cause ?? (e === err ? undefined : e);
      if (err.status >= 500 && cause instanceof Error) {
        // The name and where it was thrown, never the message: an unexpected error's text may
        // carry anything (a driver may quote a connection string), a stack frame only code.
        line.cause = cause.name;
        const frame = cause.stack?.split('\n').find((l) => l.trim().startsWith('at '));
        if (frame) line.causeAt = frame.trim().slice(3, 200);
      }
      // A request the API could not carry out on its side (AWS, a database, a bug); a refused
      // request (4xx) is the caller's outcome, not a failure of the service.
      if (err.status >= 500) recordOutcome('failed');
      response = json(err.status, err.toBody());
      return response;
    } finally {
      line.durationMs = Math.round((performance.now() - started) * 10) / 10;
      const status = line.status as number;
      if (status >= 500) deps.logger.error('request', line);
      else if (status >= 400) deps.logger.warn('request', line);
      else deps.logger.info('request', line);
    }
  };
}
