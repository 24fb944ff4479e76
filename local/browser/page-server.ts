import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for what Jira does around a Custom UI iframe: it serves the built page and
 * answers the test bridge. `/__invoke` hands `{functionKey, payload}` to `invoke` (the tests pass
 * the REAL resolver definitions, called the way Forge calls them); `/__context` returns the
 * extension context the page would get from view.getContext().
 */
export interface InvokeCall {
  functionKey: string;
  payload: Record<string, unknown>;
}

export interface PageServer {
  url: string;
  calls: InvokeCall[];
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, type: string, data: string | Buffer, csp?: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...(csp ? { 'content-security-policy': csp } : {}) });
  res.end(data);
}

export async function startPageServer(opts: {
  root: string;
  invoke: (call: InvokeCall) => Promise<unknown>;
  context: () => Record<string, unknown>;
  /** Content-Security-Policy sent with the page, as Forge sends one with a Custom UI resource. */
  csp: string;
  /** The viewer pressed "Allow access" on the host's consent screen. */
  consent?: () => void;
}): Promise<PageServer> {
  const calls: InvokeCall[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/__invoke' && req.method === 'POST') {
        const call = JSON.parse(await body(req)) as InvokeCall;
        calls.push(call);
        try {
          const result = await opts.invoke(call);
          send(res, 200, 'application/json', JSON.stringify(result ?? null));
        } catch (e) {
          // NeedsAuthenticationError left the function: Jira does not hand it to the app but shows
          // the user its "Allow access" screen instead (the test bridge renders it on this answer).
          if (e instanceof Error && e.name === 'NEEDS_AUTHENTICATION_ERR') {
            send(res, 401, 'application/json', JSON.stringify({ needsAuthentication: true }));
            return;
          }
          // Forge answers a crashed function with an error the bridge turns into a rejected promise.
          send(res, 500, 'application/json', JSON.stringify({ message: e instanceof Error ? e.message : String(e) }));
        }
        return;
      }
      if (url.pathname === '/__consent' && req.method === 'POST') {
        opts.consent?.();
        return send(res, 204, 'text/plain', '');
      }
      if (url.pathname === '/__context') return send(res, 200, 'application/json', JSON.stringify(opts.context()));
      // axe-core from the app's origin, so the page's content policy allows the audit script.
      if (url.pathname === '/__axe.js') return send(res, 200, TYPES['.js'] as string, await readFile(require.resolve('axe-core/axe.min.js')));
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
      const file = join(opts.root, rel.endsWith('/') || rel === '' ? join(rel, 'index.html') : rel);
      if (!file.startsWith(opts.root + sep) && file !== opts.root) return send(res, 403, 'text/plain', 'forbidden');
      try {
        send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file), extname(file) === '.html' ? opts.csp : undefined);
      } catch {
        send(res, 404, 'text/plain', 'not found');
      }
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((ok, fail) => server.close((e) => (e ? fail(e) : ok()))),
  };
}
