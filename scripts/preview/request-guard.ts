import type { IncomingHttpHeaders } from 'node:http';

/**
 * The preview drives local databases and a simulated AWS on behalf of whoever can reach it, so
 * only its own page may: a page on another site could otherwise POST a form to it (a "simple"
 * request needs no CORS preflight) or reach it through a DNS name rebound to 127.0.0.1.
 * - Host must name this server (127.0.0.1, localhost or the host it listens on, with its port);
 * - a POST must be application/json (a cross-site form or text/plain POST cannot set that
 *   without a preflight, which this server never grants) and, when the browser says where it
 *   comes from (Origin, Sec-Fetch-Site), come from this server's own origin.
 * The web trigger path is exempt from the JSON/Origin rules only in the sense that the notifier
 * sends JSON without an Origin, which passes; it is HMAC-signed on top.
 */

export type GuardVerdict = { ok: true } | { ok: false; status: 403 | 415; reason: string };

export function allowedHosts(port: number, listenHost: string | undefined): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
  if (listenHost && listenHost !== '0.0.0.0' && listenHost !== '::') names.add(listenHost);
  return new Set([...names].map((n) => `${n}:${port}`));
}

export function checkRequest(method: string, headers: IncomingHttpHeaders, hosts: ReadonlySet<string>): GuardVerdict {
  const host = (headers.host ?? '').toLowerCase();
  if (!hosts.has(host)) return { ok: false, status: 403, reason: `host ${JSON.stringify(host)} is not this preview` };
  if (method.toUpperCase() !== 'POST') return { ok: true };
  const origin = headers.origin;
  if (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, '').toLowerCase())) return { ok: false, status: 403, reason: `origin ${JSON.stringify(origin)} is not this preview` };
  if (headers['sec-fetch-site'] === 'cross-site') return { ok: false, status: 403, reason: 'cross-site request' };
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return { ok: false, status: 415, reason: 'POST bodies must be application/json' };
  return { ok: true };
}
