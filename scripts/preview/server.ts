import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import * as z from 'zod';
import { Tag } from '../../src/contract/tags';
import { localToInstant, normalizeTimeZone } from '../../src/domain/schedule';
import { adfToText } from './adf-text';
import { buildDir, ensurePages } from './build-pages';
import { checkMasterLogin, type LoginHealth } from './databases';
import { framePage } from './page';
import { allowedHosts, checkRequest } from './request-guard';
import { ISSUE, PEOPLE } from './site';
import { startStack, type SchedulerRun, type Stack, type StackOptions } from './wiring';

/**
 * The preview's one HTTP server: the frame page, the two Custom UI pages (test builds) and what
 * Jira does around them (/__invoke runs the real resolvers as the viewer, /__context is
 * view.getContext()), the Lifecycle events URL the notifier delivers to, and the frame's controls
 * (transition, run the scheduler at a chosen time, state for the side panels).
 */

export interface PreviewOptions extends Partial<StackOptions> {
  port?: number;
  host?: string;
  log?: (line: string) => void;
  /** Build the Custom UI pages if missing or stale (default true; the end-to-end test needs none). */
  pages?: boolean;
  /** How often the page's state re-checks the database master logins (default 10 s). */
  loginCheckMs?: number;
}

export interface Preview {
  url: string;
  stack: Stack;
  /** Milliseconds from the call to listening, and how much of it was spent building pages. */
  timings: { startMs: number; buildMs: number };
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json', '.woff2': 'font/woff2' };
const WEBTRIGGER_PATH = '/x1/dev-vm-lifecycle-events';
const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_BODY) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, type: string, data: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
  res.end(data);
}
const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json', JSON.stringify(body));

const TransitionBody = z.object({ to: z.string().regex(/^\d+$/) });
const FirstBootBody = z.object({ status: z.enum(['ready', 'failed:home']) });
const SchedulerBody = z.object({ local: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'local must be YYYY-MM-DDTHH:MM'), zone: z.string().min(1) });
const ViewerBody = z.object({ as: z.enum(['developer', 'admin']) });

/** A wall-clock time in a zone → the instant (the first one when it happens twice, gap end when it does not exist). */
export function instantOf(local: string, zone: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) throw new Error('local must be YYYY-MM-DDTHH:MM');
  const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000;
  return new Date(localToInstant(normalizeTimeZone(zone), day, Number(m[4]) * 60 + Number(m[5])));
}

export async function startPreview(options: PreviewOptions = {}): Promise<Preview> {
  const t0 = performance.now();
  const log = options.log ?? (() => undefined);
  const b0 = performance.now();
  if (options.pages !== false) await ensurePages(log);
  const buildMs = performance.now() - b0;
  // The server listens first: the Lifecycle events URL (this server's) is part of the site's setup.
  let stack!: Stack;
  let panelViewer: 'developer' | 'admin' = 'developer';
  let lastRun: SchedulerRun | undefined;
  /** Host header values naming this server; set once it listens (requests before that get 503). */
  let hosts: ReadonlySet<string> = new Set();
  const activity: { at: string; text: string }[] = [];
  const note = (text: string) => {
    activity.unshift({ at: new Date().toISOString(), text });
    activity.length = Math.min(activity.length, 30);
  };

  const viewerFor = (req: IncomingMessage): { page: 'issue-panel' | 'admin' | 'fleet'; accountId: string; issueKey?: string; projectKey?: string } => {
    const referer = req.headers.referer ?? '';
    if (/\/admin\//.test(referer)) return { page: 'admin', accountId: PEOPLE.admin.accountId };
    // The fleet page as Jira's Apps menu shows it to an admin, and in project OPS's settings to its administrator.
    if (/\/fleet\//.test(referer)) return { page: 'fleet', accountId: PEOPLE.admin.accountId };
    if (/\/fleet-ops\//.test(referer)) return { page: 'fleet', accountId: PEOPLE.projectAdmin.accountId, projectKey: 'OPS' };
    return { page: 'issue-panel', accountId: (panelViewer === 'admin' ? PEOPLE.admin : PEOPLE.developer).accountId, issueKey: ISSUE.key };
  };

  // The page polls every 2 s; a login check per engine every 10 s is enough to notice a reset.
  const LOGIN_CHECK_MS = options.loginCheckMs ?? 10_000;
  let loginChecked: { at: number; health: Map<string, LoginHealth> } | undefined;
  const engineHealth = async () => {
    if (!loginChecked || Date.now() - loginChecked.at >= LOGIN_CHECK_MS) {
      const health = new Map<string, LoginHealth>();
      for (const e of stack.engines) if (e.enabled) health.set(e.engine, await checkMasterLogin(e.master));
      loginChecked = { at: Date.now(), health };
    }
    const checked = loginChecked.health;
    return stack.engines.map((e) => {
      if (!e.enabled) return { engine: e.engine, enabled: false, reason: e.reason };
      const h = checked.get(e.engine);
      return { engine: e.engine, enabled: true, host: `${e.master.host}:${e.master.port}`, ...(h && !h.ok ? { loginLost: h.reason } : {}) };
    });
  };

  const state = async () => {
    const issue = stack.forge.jira.issue(ISSUE.key);
    const statusName = (id: string) => stack.forge.jira.statuses.find((s) => s.id === id)?.name ?? id;
    const aws = await stack.awsSnapshot();
    const full = 'accessPoints' in aws ? aws : undefined;
    return {
      awsLabel: stack.awsLabel,
      engines: await engineHealth(),
      viewer: panelViewer,
      issue: {
        key: issue.key,
        summary: String(issue.fields.summary ?? ''),
        status: { id: issue.statusId, name: statusName(issue.statusId) },
        transitions: stack.forge.jira.transitions.filter((t) => t.to !== issue.statusId).map((t) => ({ id: t.id, name: t.name, to: t.to })),
        properties: Object.fromEntries(issue.properties),
      },
      comments: stack.forge.jira.commentsOn(ISSUE.key).map((c) => ({ id: c.id, author: c.author === 'app' ? 'Dev VM (app)' : c.author, created: c.created, text: adfToText(c.body) })),
      violations: stack.forge.violations(),
      aws: {
        label: aws.label,
        now: aws.now,
        instances: aws.instances.map((i) => ({ instanceId: i.instanceId, state: i.state, tags: i.tags })),
        accessPoints: full ? full.accessPoints.map((a) => ({ id: a.id, path: a.path, uid: a.uid, gid: a.gid })) : null,
        // Names only: the page is a UI, not a vault.
        secrets: full ? full.secrets.map((s) => s.name) : null,
        events: full ? full.events.slice(0, 10).map((e) => ({ time: e.time, type: e.detailType, instanceId: String(e.detail.instanceId ?? e.detail['instance-id'] ?? '') })) : null,
      },
      lastRun: lastRun && { now: lastRun.now, summary: { seen: lastRun.summary.seen, started: lastRun.summary.started, stopped: lastRun.summary.stopped, terminated: lastRun.summary.terminated, skipped: lastRun.summary.skipped, failed: lastRun.summary.failed, detail: lastRun.summary.detail }, deliveries: lastRun.deliveries },
      activity,
    };
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!stack) return send(res, 503, 'text/plain', 'the preview is still starting', { 'retry-after': '1' });
    const url = new URL(req.url ?? '/', 'http://preview');
    const method = req.method ?? 'GET';
    const verdict = checkRequest(method, req.headers, hosts);
    if (!verdict.ok) return json(res, verdict.status, { message: `refused: ${verdict.reason}` });
    if (url.pathname === WEBTRIGGER_PATH) {
      const headers: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v : [v];
      const r = await stack.webTrigger({ method, headers, body: await readBody(req) });
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers)) out[k] = v.join(', ');
      res.writeHead(r.statusCode, out);
      res.end(r.body);
      return;
    }
    if (url.pathname === '/__invoke' && method === 'POST') {
      const call = z.object({ functionKey: z.string(), payload: z.unknown() }).parse(JSON.parse(await readBody(req)));
      const viewer = viewerFor(req);
      try {
        json(res, 200, (await stack.invoke(call.functionKey, call.payload ?? {}, viewer)) ?? null);
      } catch (e) {
        json(res, 500, { message: e instanceof Error ? e.message : String(e) });
      }
      return;
    }
    if (url.pathname === '/__context') {
      const v = viewerFor(req);
      return json(res, 200, {
        accountId: v.accountId,
        cloudId: 'preview-cloud',
        environmentId: 'env-preview',
        environmentType: 'DEVELOPMENT',
        localId: `local-${v.page}`,
        locale: 'en-GB',
        moduleKey: v.page === 'admin' ? 'dev-vm-admin' : v.page === 'fleet' ? (v.projectKey ? 'dev-vm-project-fleet' : 'dev-vm-fleet') : 'dev-vm-panel',
        siteUrl: 'https://preview.atlassian.net',
        timezone: 'Europe/Berlin',
        extension: v.issueKey
          ? { type: 'jira:issuePanel', issue: { key: v.issueKey, id: ISSUE.id, type: 'Task' }, project: { key: v.issueKey.split('-')[0] } }
          : v.projectKey
            ? { type: 'jira:projectSettingsPage', project: { key: v.projectKey } }
            : v.page === 'fleet'
              ? { type: 'jira:globalPage' }
              : { type: 'jira:adminPage' },
      });
    }
    if (url.pathname === '/__preview/state' && method === 'GET') return json(res, 200, await state());
    if (url.pathname === '/__preview/transition' && method === 'POST') {
      const body = TransitionBody.safeParse(JSON.parse(await readBody(req)));
      if (!body.success) return json(res, 400, { message: body.error.issues[0]?.message });
      const r = await stack.transition(ISSUE.key, body.data.to);
      const name = (id: string) => stack.forge.jira.statuses.find((s) => s.id === id)?.name ?? id;
      // EC2's state-change events (the instance runs, stops, terminates) reach the notifier at once.
      const aws = (await stack.deliverAwsEvents()).filter((d) => d.result.delivered).length;
      note(`${ISSUE.key} moved ${name(r.from)} → ${name(r.to)}; trigger ran${r.queued ? `, ${r.queued} queued job(s) drained` : ''}${aws ? `; ${aws} EC2 event(s) delivered` : ''}`);
      return json(res, 200, r);
    }
    if (url.pathname === '/__preview/scheduler' && method === 'POST') {
      const body = SchedulerBody.safeParse(JSON.parse(await readBody(req)));
      if (!body.success) return json(res, 400, { message: body.error.issues[0]?.message });
      let now: Date;
      try {
        now = instantOf(body.data.local, body.data.zone);
      } catch (e) {
        return json(res, 400, { message: `zone: ${e instanceof Error ? e.message : String(e)}` });
      }
      lastRun = await stack.runScheduler(now);
      const s = lastRun.summary;
      note(`scheduler ran at ${body.data.local} ${body.data.zone} (${now.toISOString()}): ${s.seen} seen, ${s.started} started, ${s.stopped} stopped, ${s.terminated} terminated; ${lastRun.deliveries.length} event(s) delivered`);
      return json(res, 200, { now: lastRun.now, summary: s, deliveries: lastRun.deliveries });
    }
    if (url.pathname === '/__preview/first-boot' && method === 'POST') {
      // What the VM's user data does at its end (or when a step fails): its DevVmBootStatus tag.
      const body = FirstBootBody.safeParse(JSON.parse(await readBody(req)));
      if (!body.success) return json(res, 400, { message: 'status must be ready or failed:home' });
      const id = (stack.forge.jira.property(ISSUE.key, 'dev-vm') as { vm?: { id?: string } } | undefined)?.vm?.id;
      if (!id) return json(res, 400, { message: `${ISSUE.key} has no VM yet: move it to Ready first` });
      const ec2 = new EC2Client(stack.standIn ? stack.standIn.clientConfig() : {});
      try {
        await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: Tag.BootStatus, Value: body.data.status }] }));
      } finally {
        ec2.destroy();
      }
      const d = await stack.deliverAwsEvents();
      note(`${id} wrote ${Tag.BootStatus}=${body.data.status}; ${d.filter((x) => x.result.delivered).length} event(s) delivered${stack.standIn ? '' : ' (an emulator delivers no AWS events here)'}`);
      return json(res, 200, { deliveries: d });
    }
    if (url.pathname === '/__preview/viewer' && method === 'POST') {
      const body = ViewerBody.safeParse(JSON.parse(await readBody(req)));
      if (!body.success) return json(res, 400, { message: 'as must be developer or admin' });
      panelViewer = body.data.as;
      return json(res, 200, { viewer: panelViewer });
    }
    if (url.pathname === '/' || url.pathname === '/index.html') return send(res, 200, 'text/html; charset=utf-8', framePage({ issueKey: ISSUE.key }));
    const m = /^\/(panel|admin|fleet|fleet-ops)(\/.*)$/.exec(url.pathname);
    if (m && method === 'GET') {
      const root = buildDir(m[1] === 'panel' ? 'issue-panel' : m[1] === 'admin' ? 'admin' : 'fleet');
      const rel = normalize(decodeURIComponent(m[2] as string)).replace(/^([/\\])+/, '');
      const file = join(root, rel === '' || rel.endsWith('/') ? join(rel, 'index.html') : rel);
      if (!file.startsWith(root + sep)) return send(res, 403, 'text/plain', 'forbidden');
      try {
        return send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', await readFile(file));
      } catch {
        return send(res, 404, 'text/plain', 'not found');
      }
    }
    send(res, 404, 'text/plain', 'not found');
  };

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((e: unknown) => {
      console.error('[preview]', e);
      if (!res.headersSent) json(res, 500, { message: e instanceof Error ? e.message : String(e) });
      else res.end();
    });
  });
  server.keepAliveTimeout = 2000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hosts = allowedHosts(port, options.host);
  const url = `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`;
  try {
    stack = await startStack({ dbSuffix: options.dbSuffix ?? 'preview', ...options, webtriggerUrl: `${url}${WEBTRIGGER_PATH}` });
  } catch (e) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw e;
  }
  note(`preview started: ${stack.awsLabel}; settings saved through the admin resolver`);
  let closing: Promise<void> | undefined;
  return {
    url,
    stack,
    timings: { startMs: Math.round(performance.now() - t0), buildMs: Math.round(buildMs) },
    close: () =>
      (closing ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await stack.close();
      })()),
  };
}
