import { createHash } from 'node:crypto';
import type { ServiceContext } from './context';
import { AwsError, header, type StandInRequest, type StandInResponse } from './protocol';
import type { AwsState, S3Object } from './state';

/**
 * S3 objects over restXml. Both addressing styles are understood: path-style (`/bucket/key`, what
 * the SDK uses for an IP endpoint such as http://127.0.0.1:port, or with forcePathStyle) and
 * virtual-hosted (`Host: bucket.localhost:port`). Conditional writes follow S3: `If-None-Match: *`
 * fails with 412 when the key exists; `If-Match: <etag>` fails with 412 on a different ETag and
 * 404 NoSuchKey when there is no object.
 */

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

interface Address {
  readonly bucket: string;
  readonly key: string;
}

export function s3Address(req: StandInRequest): Address {
  const host = (header(req.headers, 'host') ?? '').replace(/:\d+$/, '');
  const path = req.rawPath.replace(/^\//, '');
  if (host.endsWith('.localhost')) {
    return { bucket: host.slice(0, -'.localhost'.length), key: decodeURIComponent(path) };
  }
  const slash = path.indexOf('/');
  return slash === -1 ? { bucket: decodeURIComponent(path), key: '' } : { bucket: decodeURIComponent(path.slice(0, slash)), key: decodeURIComponent(path.slice(slash + 1)) };
}

export function s3Operation(req: StandInRequest): string {
  const { key } = s3Address(req);
  if (!key) return `${req.method} bucket`;
  const byMethod: Record<string, string> = { GET: 'GetObject', PUT: 'PutObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' };
  return byMethod[req.method] ?? `${req.method} object`;
}

export function handleS3(req: StandInRequest, ctx: ServiceContext): StandInResponse {
  const { bucket, key } = s3Address(req);
  if (!BUCKET.test(bucket)) throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: bucket });
  const bucketOp = s3Operation(req);
  if (bucketOp === 'PUT bucket') {
    // CreateBucket: outside us-east-1 the owner's second create answers BucketAlreadyOwnedByYou.
    if (ctx.state.buckets.has(bucket)) throw new AwsError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: bucket });
    ctx.state.buckets.add(bucket);
    return { status: 200, headers: { 'x-amz-request-id': req.requestId, location: `/${bucket}` }, body: '' };
  }
  if (bucketOp === 'HEAD bucket') {
    // HeadBucket: 200 or a bare 404 (HEAD responses have no body).
    if (!ctx.state.buckets.has(bucket)) throw new AwsError('NotFound', 'Not Found', 404);
    return { status: 200, headers: { 'x-amz-request-id': req.requestId, 'x-amz-bucket-region': ctx.state.region }, body: '' };
  }
  if (!ctx.state.buckets.has(bucket)) {
    if (ctx.strictResources) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: bucket });
    ctx.state.buckets.add(bucket);
  }
  const op = s3Operation(req);
  const id = `${bucket}/${key}`;
  const base = { 'x-amz-request-id': req.requestId, 'x-amz-id-2': Buffer.from(req.requestId).toString('base64') };
  const existing = ctx.state.objects.get(id);
  switch (op) {
    case 'PutObject': {
      checkWritePreconditions(req, existing, key);
      const body = decodeBody(req);
      const metadata: Record<string, string> = {};
      for (const [h, v] of Object.entries(req.headers)) if (h.startsWith('x-amz-meta-') && typeof v === 'string') metadata[h.slice('x-amz-meta-'.length)] = v;
      const obj = storeObject(ctx.state, { bucket, key, body, contentType: header(req.headers, 'content-type') ?? 'binary/octet-stream', lastModified: ctx.clock.now(), metadata });
      const checksums = Object.fromEntries(Object.entries(req.headers).filter(([h, v]) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-algorithm' && typeof v === 'string')) as Record<string, string>;
      return { status: 200, headers: { ...base, etag: obj.etag, ...checksums }, body: '' };
    }
    case 'GetObject':
    case 'HeadObject': {
      if (!existing) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
      const ifMatch = header(req.headers, 'if-match');
      if (ifMatch !== undefined && !etagMatches(ifMatch, existing.etag)) throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-Match' });
      const ifNoneMatch = header(req.headers, 'if-none-match');
      const headers = {
        ...base,
        etag: existing.etag,
        'last-modified': new Date(existing.lastModified).toUTCString(),
        'content-type': existing.contentType,
        'content-length': String(existing.body.length),
        'accept-ranges': 'bytes',
        ...Object.fromEntries(Object.entries(existing.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
      };
      if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, existing.etag)) return { status: 304, headers: { ...base, etag: existing.etag }, body: '' };
      return { status: 200, headers, body: op === 'HeadObject' ? '' : existing.body };
    }
    case 'DeleteObject':
      ctx.state.objects.delete(id);
      return { status: 204, headers: base, body: '' };
    default:
      throw new AwsError('NotImplemented', `The stand-in does not implement ${op}.`, 501);
  }
}

/**
 * Stores an object as PutObject does, its ETag the quoted MD5 of the body (a single-part upload
 * without SSE-KMS: https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html). Also how a
 * test seeds an object it then reads through the API.
 */
export function storeObject(state: AwsState, o: Omit<S3Object, 'etag'>): S3Object {
  const obj: S3Object = { ...o, etag: `"${createHash('md5').update(o.body).digest('hex')}"` };
  state.buckets.add(o.bucket);
  state.objects.set(`${o.bucket}/${o.key}`, obj);
  return obj;
}

function etagMatches(condition: string, etag: string): boolean {
  return condition.split(',').some((c) => {
    const t = c.trim();
    return t === '*' || t === etag || `"${t}"` === etag;
  });
}

function checkWritePreconditions(req: StandInRequest, existing: S3Object | undefined, key: string): void {
  const ifNoneMatch = header(req.headers, 'if-none-match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { Header: 'If-None-Match' });
    if (existing) throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-None-Match' });
  }
  const ifMatch = header(req.headers, 'if-match');
  if (ifMatch !== undefined) {
    if (!existing) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { Key: key });
    if (!etagMatches(ifMatch, existing.etag)) throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, { Condition: 'If-Match' });
  }
}

/** Undo `Content-Encoding: aws-chunked` (the SDK streams bodies with trailing checksums this way). */
function decodeBody(req: StandInRequest): Buffer {
  const encoding = header(req.headers, 'content-encoding') ?? '';
  if (!encoding.split(',').map((s) => s.trim()).includes('aws-chunked')) return req.body;
  const parts: Buffer[] = [];
  let pos = 0;
  const raw = req.body;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', pos);
    if (lineEnd === -1) throw new AwsError('IncompleteBody', 'The aws-chunked body ended before its last chunk.', 400);
    const size = parseInt(raw.subarray(pos, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw new AwsError('InvalidRequest', 'Malformed aws-chunked chunk header.', 400);
    if (size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  const body = Buffer.concat(parts);
  const declared = header(req.headers, 'x-amz-decoded-content-length');
  if (declared !== undefined && Number(declared) !== body.length) throw new AwsError('IncompleteBody', 'The decoded body length does not match x-amz-decoded-content-length.', 400);
  return body;
}
