import type { APIGatewayEventRequestContextIAMAuthorizer, APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { ApiError, validationError } from '../../../src/contract/errors';
import { matchRoute, VmApi, type VmApiOperation } from '../../../src/contract/vm-api';
import { toApiError } from '../shared/aws-errors';
import type { VmApiDeps } from './deps';
import * as ops from './operations';
import { provision } from './provision';

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

async function dispatch(deps: VmApiDeps, op: VmApiOperation, params: Record<string, string>, query: Record<string, string>, body: unknown): Promise<unknown> {
  const id = params.id as string;
  switch (op) {
    case 'health':
      return ops.health(deps);
    case 'provision':
      return provision(deps, body as z.infer<typeof VmApi.provision.body>);
    case 'listVms':
      return ops.listVms(deps, query.issueKey as string);
    case 'getVm':
      return ops.getVm(deps, id);
    case 'startVm':
      return ops.startVm(deps, id);
    case 'stopVm':
      return ops.stopVm(deps, id);
    case 'terminateVm':
      return ops.terminateVm(deps, id);
    case 'updateSchedule':
      return ops.updateSchedule(deps, id, body as z.infer<typeof VmApi.updateSchedule.body>);
    case 'keepRunning':
      return ops.keepRunning(deps, id, body as z.infer<typeof VmApi.keepRunning.body>);
    case 'updateLifecycle':
      return ops.updateLifecycle(deps, id, body as z.infer<typeof VmApi.updateLifecycle.body>);
    case 'revokeDeveloper':
      return ops.revokeDeveloper(deps, params.client as string, params.developer as string);
  }
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
      const def = VmApi[match.op];
      line.route = def.path;
      line.op = match.op;
      const params = parsePart(def.params, match.params, 'path') as Record<string, string>;
      if (params.id) line.instanceId = params.id;
      const query = parsePart(def.query, event.queryStringParameters ?? {}, 'query') as Record<string, string>;
      const body = def.body ? parsePart(def.body, bodyOf(event), 'body') : undefined;

      const result = await dispatch(deps, match.op, params, query, body);
      const checked = def.response.safeParse(result);
      if (!checked.success) {
        line.contractViolation = checked.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
        throw new ApiError('INTERNAL', 'the VM API produced a response outside its contract; see its logs');
      }
      if (!line.instanceId && typeof (checked.data as { id?: unknown }).id === 'string') line.instanceId = (checked.data as { id: string }).id;
      line.status = def.status;
      response = json(def.status, checked.data);
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
