import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { ApiErrorBody } from '../contract/errors';
import { VmApi, fillPath, type VmApiOperation, type VmApiResponse } from '../contract/vm-api';
import { egressAddressFor } from '../domain/egress';

/**
 * Signed calls to the VM API (a Lambda function URL with AWS_IAM auth). Requests and responses
 * are validated against src/contract/vm-api.ts on this side too, so a drift between the two
 * ends shows up as a named error instead of a half-read record. No retries here: the callers
 * decide (the trigger re-queues with the same idempotency key), and every call is bounded by a
 * timeout so a handler stays inside Forge's 25 s.
 */

export interface VmApiConfig {
  apiUrl: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export type VmApiFailureKind = 'dns' | 'timeout' | 'network' | 'egress' | 'signature' | 'not-found' | 'http' | 'bad-response' | 'rejected';

/** A failed call, with what the caller needs to decide between retrying and telling a person. */
export class VmApiError extends Error {
  override readonly name = 'VmApiError';
  constructor(
    readonly kind: VmApiFailureKind,
    message: string,
    readonly status?: number,
    readonly apiCode?: string,
    options?: { cause?: unknown; field?: string | undefined },
  ) {
    super(message, options);
    this.field = options?.field;
  }
  /** The field the API's error names, if any (e.g. "databases" for its database step). */
  readonly field: string | undefined;
  /** Worth retrying later with the same idempotency key: the API was unreachable or failing. */
  get retryable(): boolean {
    return this.kind === 'dns' || this.kind === 'timeout' || this.kind === 'network' || (this.status !== undefined && (this.status >= 500 || this.status === 429));
  }
}

type FetchLike = (input: Request) => Promise<Response>;

export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

export const DEFAULT_TIMEOUT_MS = 8000;

export class VmApiClient {
  private readonly aws: AwsClient;
  private readonly base: URL;
  private readonly region: string;

  constructor(
    config: VmApiConfig,
    private readonly fetchImpl: FetchLike = (r) => fetch(r),
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {
    this.base = new URL(config.apiUrl);
    this.region = config.region;
    this.aws = new AwsClient({ accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, service: 'lambda', region: config.region, retries: 0 });
  }

  /** `timeoutMs` overrides the client's bound for one call (e.g. a quick refresh the page can skip). */
  async call<Op extends VmApiOperation>(op: Op, input: CallInput = {}, opts: { timeoutMs?: number } = {}): Promise<VmApiResponse<Op>> {
    const def = VmApi[op];
    const params = def.params.safeParse(input.params ?? {});
    const query = def.query.safeParse(input.query ?? {});
    if (!params.success || !query.success) throw new VmApiError('rejected', `invalid ${op} parameters: ${(params.error ?? query.error)?.message ?? ''}`);
    let body: string | undefined;
    if (def.body !== null) {
      const parsed = def.body.safeParse(input.body);
      if (!parsed.success) throw new VmApiError('rejected', `invalid ${op} request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      body = JSON.stringify(parsed.data);
    }
    const url = new URL(this.base.pathname.replace(/\/$/, '') + fillPath(def.path, params.data as Record<string, string>), this.base);
    for (const [k, v] of Object.entries(query.data as Record<string, string>)) url.searchParams.set(k, v);

    const signal = AbortSignal.timeout(opts.timeoutMs ?? this.timeoutMs);
    const request = await this.aws.sign(url.toString(), {
      method: def.method,
      // The payload hash travels as a signed header so the receiver can check the body it got.
      headers: {
        accept: 'application/json',
        'x-amz-content-sha256': createHash('sha256').update(body ?? '', 'utf8').digest('hex'),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      signal,
    });
    let res: Response;
    try {
      res = await this.fetchImpl(request);
    } catch (e) {
      throw classifyNetworkError(e);
    }
    const text = await res.text().catch(() => '');
    if (res.status !== def.status) throw httpError(res.status, text, res.headers, this.region);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new VmApiError('bad-response', `${op} answered HTTP ${res.status} with a body that is not JSON`, res.status, undefined, { cause: e });
    }
    const parsed = def.response.safeParse(json);
    if (!parsed.success) throw new VmApiError('bad-response', `${op} answered with an unexpected body: ${parsed.error.issues[0]?.message ?? ''}`, res.status);
    return parsed.data as VmApiResponse<Op>;
  }
}

/**
 * A 403 that AWS did not send: Forge's egress proxy refused the URL (it is not in the manifest's
 * `permissions.external.fetch.backend`). The proxy marks its answers with `forge-proxy-error`;
 * AWS's own 403 (the function URL refusing a signature) always carries `x-amzn-RequestId`.
 */
function isEgressRefusal(headers: Headers): boolean {
  if (headers.get('forge-proxy-error')) return true;
  return !headers.get('x-amzn-requestid') && !headers.get('x-amzn-errortype');
}

function httpError(status: number, text: string, headers: Headers, region: string): VmApiError {
  let apiCode: string | undefined;
  let message = `HTTP ${status}`;
  let field: string | undefined;
  try {
    const body = ApiErrorBody.safeParse(JSON.parse(text));
    if (body.success) {
      apiCode = body.data.error.code;
      message = body.data.error.message;
      field = body.data.error.field;
    }
  } catch {
    // Not our error shape (e.g. the function URL's own 403); keep the status only.
  }
  if (status === 403 && apiCode === undefined && isEgressRefusal(headers)) {
    return new VmApiError('egress', `the app's egress does not allow this URL: add the region (${egressAddressFor(region)}) to manifest.yml and src/domain/egress.ts, then deploy the app again (HTTP 403 from Forge)`, status);
  }
  if (status === 403 && apiCode === undefined) return new VmApiError('signature', 'the API refused the signature (HTTP 403): check the access key, its secret and the region', status);
  if (status === 404 && apiCode === undefined) return new VmApiError('not-found', 'no VM API at this URL (HTTP 404): check the API URL', status);
  if (status >= 400 && status < 500 && status !== 429) return new VmApiError('rejected', message, status, apiCode, { field });
  return new VmApiError('http', message, status, apiCode, { field });
}

function classifyNetworkError(e: unknown): VmApiError {
  const err = e as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  const code = err.cause?.code ?? err.code;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.cause?.name === 'TimeoutError') return new VmApiError('timeout', 'the API did not answer in time', undefined, undefined, { cause: e });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new VmApiError('dns', 'the API host name does not resolve: check the API URL', undefined, undefined, { cause: e });
  return new VmApiError('network', `the API could not be reached${code ? ` (${code})` : ''}`, undefined, undefined, { cause: e });
}
