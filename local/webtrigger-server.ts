import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebTriggerRequest, WebTriggerResponse } from '../src/handlers/webtrigger';
import type { ForgeStandIn } from './forge-runtime';

/**
 * Plays a Forge web trigger's public URL on 127.0.0.1: a POST to the trigger's path runs the
 * app's function inside a Forge invocation (KVS, secrets and Jira of the stand-in site), with the
 * request as Forge passes it (method, headers as lists, body as text), and its response becomes the
 * HTTP answer (https://developer.atlassian.com/platform/forge/manifest-reference/modules/web-trigger/).
 * Any other path answers 404, as a URL of a trigger that is not deployed does.
 */
export interface WebTriggerServer {
  /** The trigger's URL: what the app's admin page shows and the stack is given. */
  url: string;
  /** A URL on the same host where no trigger is deployed (answers 404). */
  missingUrl: string;
  /** The requests that reached the trigger, with its answer. */
  calls: { status: number }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebTriggerServer(forge: ForgeStandIn, trigger: (request: WebTriggerRequest) => Promise<WebTriggerResponse>): Promise<WebTriggerServer> {
  const path = `/x1/${randomBytes(12).toString('base64url')}`;
  const calls: WebTriggerServer['calls'] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (new URL(req.url ?? '/', 'http://local').pathname !== path) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"message":"Not found"}');
        return;
      }
      const headers: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v : [v];
      try {
        const r = await forge.asInvocation(undefined, () => trigger({ method: req.method ?? 'POST', headers, body }));
        calls.push({ status: r.statusCode });
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers)) out[k] = v.join(', ');
        res.writeHead(r.statusCode, out);
        res.end(r.body);
      } catch {
        calls.push({ status: 500 });
        res.writeHead(500);
        res.end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}${path}`,
    missingUrl: `${base}/x1/no-trigger-here`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
