import { BootStep } from '../contract/events';

/**
 * The first-boot status a VM writes on its own DevVmBootStatus tag (the user data does it, see
 * user-data.ts): `step:<step>` when a step starts, `failed:<step>` when it fails, `ready` at the
 * end. One place parses it, for the notifier (tag-change events) and any later reader.
 */
export type BootStatus = { kind: 'step'; step: BootStep } | { kind: 'failed'; step: BootStep } | { kind: 'ready' };

export const BOOT_READY = 'ready';

export function parseBootStatus(value: string | undefined): BootStatus | undefined {
  if (value === undefined) return undefined;
  if (value === BOOT_READY) return { kind: 'ready' };
  const m = /^(step|failed):(.+)$/.exec(value);
  if (!m) return undefined;
  const step = BootStep.safeParse(m[2]);
  if (!step.success) return undefined;
  return { kind: m[1] === 'step' ? 'step' : 'failed', step: step.data };
}

/** What a person reads for each step, in the boot-failure comment. */
export const BOOT_STEP_LABELS: Readonly<Record<BootStep, string>> = {
  start: 'starting the boot script',
  'ssm-agent': 'installing the SSM agent',
  packages: 'installing packages (git, Docker, database clients, Node.js)',
  'efs-utils': 'building amazon-efs-utils',
  user: "creating the developer's Linux user",
  home: 'mounting the home directory from EFS',
  credentials: 'fetching the database credentials',
  profile: 'writing the shell profile',
};
