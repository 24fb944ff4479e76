import { createHash } from 'node:crypto';
import { startPreview } from './preview/server';

/**
 * `npm start`: the local preview. One port (PORT, default 8080) on 127.0.0.1 serves a Jira-like
 * frame around the app's issue panel and admin page, wired through the real code (see
 * scripts/preview/wiring.ts). AWS is AWS_ENDPOINT_URL when set (an emulator), else simulated in
 * process. Ctrl-C or SIGTERM closes every server and database connection, then exits.
 */
function previewFleetSize(): number {
  const raw = process.env.PREVIEW_FLEET ?? '300';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 20_000) throw new Error(`PREVIEW_FLEET must be a whole number 0-20000, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  // One database name space per clone (master logins, client databases, developer logins): two
  // clones' previews, or a preview and the tests, on one machine never share them.
  const clone = createHash('sha256').update(__dirname).digest('hex').slice(0, 8);
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer 0-65535, got ${process.env.PORT}`);
  const awsEndpointUrl = process.env.AWS_ENDPOINT_URL?.trim() || undefined;
  // The app's own JSON log lines are noise here; the page shows what happened.
  process.env.DEV_VM_SILENT_LOGS ??= '1';
  const preview = await startPreview({
    port,
    ...(process.env.HOST ? { host: process.env.HOST } : {}),
    ...(awsEndpointUrl ? { awsEndpointUrl } : {}),
    dbSuffix: `preview_${clone}`,
    dbNamespace: `p${clone.slice(0, 7)}`,
    log: (line) => console.log(line),
    // A made-up fleet for the fleet page (simulated AWS only); PREVIEW_FLEET=0 for none.
    fleet: previewFleetSize(),
  });
  const { stack } = preview;
  console.log('');
  console.log(`  Dev VM for Jira preview:  ${preview.url}/`);
  console.log(`  AWS: ${stack.awsLabel}${stack.standIn ? ` (${stack.awsUrl})` : ''}`);
  console.log(`  Database name space: p${clone.slice(0, 7)} (client databases p${clone.slice(0, 7)}_client_…)`);
  for (const e of stack.engines) console.log(`  ${e.engine === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL'}: ${e.enabled ? `local ${e.master.host}:${e.master.port}, master ${e.master.username}` : `switched off: ${e.reason}`}`);
  // Emulator mode: what the preview found, created or was given there, with the values it uses.
  for (const item of stack.emulator?.items ?? []) console.log(`  ${item.variable}=${item.value} (${item.status})`);
  console.log(`  VM API function URL (SigV4): ${stack.functionUrl.url}`);
  console.log(`  started in ${(preview.timings.startMs / 1000).toFixed(1)} s${preview.timings.buildMs > 1000 ? ` (${(preview.timings.buildMs / 1000).toFixed(1)} s building the pages)` : ''}; Ctrl-C stops it.`);
  console.log('');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the preview…`);
    const force = setTimeout(() => {
      console.error('did not stop within 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    preview.close().then(
      () => {
        console.log('stopped.');
        process.exit(0);
      },
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  if ((e as { code?: unknown }).code === 'EADDRINUSE') {
    console.error(`preview failed to start: port ${process.env.PORT ?? 8080} is in use; choose another with PORT=8081 npm start`);
    process.exit(1);
  }
  console.error(`preview failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
