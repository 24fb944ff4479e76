import { SNAPSHOT_PATH, startAwsStandIn } from './server';

/**
 * Runs the simulated AWS on its own, for trying the Lambdas by hand:
 *   npx tsx local/aws/main.ts [--port 4566] [--transition-seconds 3] [--strict-resources] [--moto-compatible]
 * prints the environment to export, and stops on Ctrl-C. With --strict-resources it starts EMPTY
 * and behaves like an emulator: subnets, launch templates, IAM policies, the file system, the
 * bucket and the event bus must be created before use (the preview's emulator mode does that).
 * With --moto-compatible, what moto 5 does not implement fails as it does in moto.
 */
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const port = Number(flag('port') ?? 0);
  const transitionSeconds = Number(flag('transition-seconds') ?? 3);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be an integer 0-65535');
  if (!(transitionSeconds >= 0)) throw new Error('--transition-seconds must be >= 0');
  const strictResources = process.argv.includes('--strict-resources');
  const motoCompatible = process.argv.includes('--moto-compatible');
  const aws = await startAwsStandIn({ port, transitionSeconds, strictResources, motoCompatible });
  console.log(`simulated AWS listening on ${aws.url} (snapshot: ${aws.url}${SNAPSHOT_PATH})${strictResources ? ', empty, resources must be created first' : ''}`);
  for (const [k, v] of Object.entries(aws.env())) console.log(`export ${k}=${v}`);
  const stop = () => {
    aws.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
