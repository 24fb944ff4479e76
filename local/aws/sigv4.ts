import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsError, header, type AwsService, type StandInRequest } from './protocol';

/**
 * SigV4 checks. Every request must carry an `AWS4-HMAC-SHA256` Authorization header; the credential
 * scope names the service (`…/<region>/<service>/aws4_request`), which is how the server routes. When
 * credentials are configured the signature is recomputed with @smithy/signature-v4 over exactly the
 * signed headers and compared, so a client that signs wrongly fails here as it would against AWS.
 */

export interface StandInCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The fixed fake credential the preview and tests sign with (never a real key). */
export const STAND_IN_CREDENTIALS: StandInCredentials = { accessKeyId: 'AKIASTANDIN000000001', secretAccessKey: 'stand-in-secret-access-key-not-real' };

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  const m = value ? AUTH.exec(value) : null;
  if (!m) return undefined;
  const [, accessKeyId, date, region, service, signed, signature] = m as unknown as [string, string, string, string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature };
}

/** Error codes each protocol family uses for missing auth, an unknown key and a wrong signature. */
function authError(service: AwsService, kind: 'missing' | 'key' | 'signature', detail: string): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('AuthFailure', `AWS was not able to validate the provided access credentials (${detail})`, 401);
    case 'iam':
      return kind === 'missing'
        ? new AwsError('MissingAuthenticationToken', `Request is missing Authentication Token (${detail})`, 403)
        : kind === 'key'
          ? new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403)
          : new AwsError('SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided (${detail})`, 403);
    case 's3':
      return kind === 'missing'
        ? new AwsError('AccessDenied', `Access Denied (${detail})`, 403)
        : kind === 'key'
          ? new AwsError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403)
          : new AwsError('SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided (${detail})`, 403);
    default: {
      const status = service === 'elasticfilesystem' ? 403 : 400;
      return kind === 'missing'
        ? new AwsError('MissingAuthenticationTokenException', `Request is missing Authentication Token (${detail})`, status)
        : kind === 'key'
          ? new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.', status)
          : new AwsError('InvalidSignatureException', `The request signature we calculated does not match the signature you provided (${detail})`, status);
    }
  }
}

/** Throws the service's auth error unless the request is signed (and, with credentials, signed correctly). */
export async function verifySignature(req: StandInRequest, service: AwsService, credentials: StandInCredentials | undefined): Promise<void> {
  const auth = parseAuthorization(header(req.headers, 'authorization'));
  if (!auth) throw authError(service, 'missing', 'no valid AWS4-HMAC-SHA256 Authorization header');
  const amzDate = header(req.headers, 'x-amz-date');
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(auth.date)) throw authError(service, 'signature', 'x-amz-date missing or not matching the credential scope');
  if (!credentials) return;
  if (auth.accessKeyId !== credentials.accessKeyId) throw authError(service, 'key', auth.accessKeyId);

  const payloadHeader = header(req.headers, 'x-amz-content-sha256');
  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  if (payloadHeader && /^[0-9a-f]{64}$/.test(payloadHeader) && payloadHeader !== bodyHash) {
    throw authError(service, 'signature', 'x-amz-content-sha256 does not match the body');
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = req.headers[name];
    if (v === undefined) throw authError(service, 'signature', `signed header ${name} is missing`);
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of req.query) {
    const prior = query[k];
    query[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
  }
  // S3 signs the path as sent; every other service signs it URI-escaped once more.
  const signer = new SignatureV4({ service: auth.service, region: auth.region, credentials, sha256: Sha256, uriEscapePath: service !== 's3', applyChecksum: false });
  const y = amzDate;
  const signingDate = new Date(`${y.slice(0, 4)}-${y.slice(4, 6)}-${y.slice(6, 8)}T${y.slice(9, 11)}:${y.slice(11, 13)}:${y.slice(13, 15)}Z`);
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: headers.host ?? '', path: req.rawPath, query, headers, body: req.body },
    { signingDate, signingRegion: auth.region, signingService: auth.service, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expected = parseAuthorization(signed.headers.authorization)?.signature ?? '';
  const a = Buffer.from(expected);
  const b = Buffer.from(auth.signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw authError(service, 'signature', 'signature mismatch');
}
