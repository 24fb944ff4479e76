import type { IncomingHttpHeaders } from 'node:http';
import { document, leaf, node } from './xml';

/** Services by their SigV4 signing name (the `<service>` in the credential scope). */
export type AwsService = 'ec2' | 'elasticfilesystem' | 'iam' | 'secretsmanager' | 's3' | 'events' | 'ssm' | 'monitoring';
export const AWS_SERVICES: readonly AwsService[] = ['ec2', 'elasticfilesystem', 'iam', 'secretsmanager', 's3', 'events', 'ssm', 'monitoring'];

/** The wire protocol each service speaks; it decides how errors are rendered. */
export type Protocol = 'ec2Query' | 'awsQuery' | 'awsJson1_0' | 'awsJson1_1' | 'restJson1' | 'restXml';
export const PROTOCOL_OF: Readonly<Record<AwsService, Protocol>> = {
  ec2: 'ec2Query',
  iam: 'awsQuery',
  secretsmanager: 'awsJson1_1',
  events: 'awsJson1_1',
  ssm: 'awsJson1_1',
  // CloudWatch (signing name `monitoring`): awsJson1_0, query-compatible errors.
  monitoring: 'awsJson1_0',
  elasticfilesystem: 'restJson1',
  s3: 'restXml',
};

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export interface StandInRequest {
  readonly method: string;
  /** Path without the query string, still percent-encoded (S3 keys are decoded by the S3 module). */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly requestId: string;
}

export interface StandInResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/**
 * A service error in the service's own vocabulary. `status` is the HTTP status AWS uses for that
 * code; `fields` are extra members some errors carry (EFS AccessPointAlreadyExists → AccessPointId,
 * S3 NoSuchKey → Key).
 */
/**
 * A response that is not the service's error shape at all, sent as is: how an emulator fails on
 * something it does not implement (moto answers an HTTP 500 with a plain-text Python error, which
 * the SDK cannot parse as XML).
 */
export class RawFailure extends Error {
  override readonly name = 'RawFailure';
  constructor(readonly response: StandInResponse) {
    super(typeof response.body === 'string' ? response.body : 'raw failure');
  }
}

export class AwsError extends Error {
  override readonly name = 'AwsError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function jsonBody(req: StandInRequest): Record<string, unknown> {
  const text = req.body.toString('utf8');
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new AwsError('SerializationException', 'Request body is not a JSON object', 400);
}

export function jsonResponse(requestId: string, contentType: string, body: unknown, status = 200): StandInResponse {
  return { status, headers: { 'content-type': contentType, 'x-amzn-requestid': requestId }, body: JSON.stringify(body) };
}

export function xmlResponse(requestId: string, xml: string, status = 200): StandInResponse {
  return { status, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId }, body: xml };
}

/** Renders an error exactly as the given protocol's real endpoint does, so the SDK maps it to the modeled exception. */
export function renderError(protocol: Protocol, err: AwsError, requestId: string, method: string): StandInResponse {
  switch (protocol) {
    case 'ec2Query':
      // EC2: <Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID></Response>, no namespace.
      return xmlResponse(
        requestId,
        document('Response', undefined, node('Errors', node('Error', leaf('Code', err.code), leaf('Message', err.message))), leaf('RequestID', requestId)),
        err.status,
      );
    case 'awsQuery':
      return xmlResponse(
        requestId,
        document(
          'ErrorResponse',
          IAM_XMLNS,
          node('Error', leaf('Type', err.status >= 500 ? 'Receiver' : 'Sender'), leaf('Code', err.code), leaf('Message', err.message)),
          leaf('RequestId', requestId),
        ),
        err.status,
      );
    case 'awsJson1_1':
      return {
        status: err.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code },
        body: JSON.stringify({ __type: err.code, message: err.message, ...err.fields }),
      };
    case 'awsJson1_0':
      // awsQueryCompatible services (CloudWatch) also name the query-protocol code and fault.
      return {
        status: err.status,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId, 'x-amzn-query-error': `${err.code};${err.status >= 500 ? 'Receiver' : 'Sender'}` },
        body: JSON.stringify({ __type: err.code, message: err.message, ...err.fields }),
      };
    case 'restJson1':
      // EFS puts the code in x-amzn-ErrorType and `ErrorCode` in the body, plus modeled members.
      return {
        status: err.status,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': `${err.code}:` },
        body: JSON.stringify({ ErrorCode: err.code, Message: err.message, ...err.fields }),
      };
    case 'restXml': {
      const headers = { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': hostId(requestId) };
      // HEAD responses never have a body; the SDK then names the error after the status (NotFound…).
      if (method === 'HEAD') return { status: err.status, headers, body: '' };
      const extra = Object.entries(err.fields).map(([k, v]) => leaf(k, v));
      return {
        status: err.status,
        headers,
        body: document('Error', undefined, leaf('Code', err.code), leaf('Message', err.message), ...extra, leaf('RequestId', requestId), leaf('HostId', hostId(requestId))),
      };
    }
  }
}

function hostId(requestId: string): string {
  return Buffer.from(`stand-in/${requestId}`).toString('base64');
}

/** Throttling error each protocol returns; all are in the SDK's list of retryable throttling codes. */
export function throttlingError(service: AwsService): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    case 'iam':
      return new AwsError('Throttling', 'Rate exceeded', 400);
    case 's3':
      return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
    case 'elasticfilesystem':
      return new AwsError('ThrottlingException', 'Rate exceeded', 429);
    default:
      return new AwsError('ThrottlingException', 'Rate exceeded', 400);
  }
}
