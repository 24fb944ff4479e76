import * as z from 'zod';
import { MANAGED_BY } from '../../src/contract/tags';
import { DbNamespace, InstanceType } from '../../src/contract/names';
import { OsId } from '../../src/contract/vm-api';
import { UserDataInput } from '../../src/domain/user-data';

/**
 * Context flags of the stack, with the defaults `cdk synth` uses when a flag is absent.
 * Values come either from cdk.json (JSON types) or from `-c key=value` (always strings), so every
 * flag accepts both forms. A bad value fails synthesis with a message naming the context key.
 *
 * | key                     | default                                   | meaning                                            |
 * |-------------------------|-------------------------------------------|----------------------------------------------------|
 * | vpcId                   | (none: a VPC is created)                  | import this VPC instead (needs the two below)      |
 * | vpcPrivateSubnetIds     | -                                         | its private subnets for VMs, EFS, RDS, the VM API  |
 * | vpcAvailabilityZones    | -                                         | the AZ of each of those subnets, same order        |
 * | egress                  | nat                                       | `nat` (one NAT gateway) or `endpoints` (PrivateLink)|
 * | postgres / mysql        | true / true                               | create that RDS instance                           |
 * | dbInstanceType          | t4g.micro                                 | RDS instance class (without the `db.` prefix)     |
 * | allowedInstanceTypes    | t3.medium,t3.large,t3.xlarge,m7i.large,…  | VM types the API accepts                           |
 * | allowedOs               | al2023,ubuntu-24.04                       | OS the API accepts (one launch template each)      |
 * | vmArchitecture          | x86_64                                    | AMI architecture; instance types must match it     |
 * | rhelAmiParameter        | (none)                                    | SSM parameter holding a RHEL 9 AMI id; enables rhel-9 |
 * | goldenImage             | false                                     | EC2 Image Builder pipeline per OS baking the tools into the VMs' AMI |
 * | scheduleIntervalMinutes | 5                                         | reconciler rate                                    |
 * | idleDays                | 30                                        | idle reaper threshold                              |
 * | idleWarningDays         | 3                                         | warning this many days before termination          |
 * | bootDeadlineMinutes     | 30                                        | first boot not ready by then: reported failed (0 off) |
 * | cloudTrail              | true                                      | create a multi-region CloudTrail trail             |
 * | developerAccess         | true                                      | create the developers' group and policy            |
 * | secretPrefix            | dev-vm/                                   | prefix of every Secrets Manager name               |
 * | instanceRolePath        | /dev-vm/                                  | IAM path of the per-developer instance roles       |
 * | managedBy               | dev-vm-for-jira (MANAGED_BY)              | value of the ManagedBy tag IAM conditions key on   |
 * | uidBase                 | 20000                                     | first POSIX uid/gid of developers' EFS homes (1000 to MAX_UID_BASE) |
 * | dbNamespace             | (empty: none)                             | prefix of client databases, so two stacks can share RDS |
 * | webtriggerUrl           | not-configured                            | Lifecycle events URL (the app's web trigger)       |
 * | forgeKeySerial          | 1                                         | bump to replace the Forge principal's access key   |
 * | alarmEmail              | (none: alarms show in the console only)   | e-mail address the operational alarms are sent to  |
 */

/** Value of the web trigger parameter until the admin sets a URL; the notifier treats it as "not configured". */
export const WEBTRIGGER_NOT_CONFIGURED = 'not-configured';

/** The public SSM parameters (AWS-maintained) that point at the latest AMI of each OS, per architecture. */
export const AMI_PARAMETERS: Record<'al2023' | 'ubuntu-24.04', Record<VmArchitecture, string>> = {
  al2023: {
    x86_64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
    arm64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
  },
  'ubuntu-24.04': {
    x86_64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
    arm64: '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
  },
};

export const VM_ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type VmArchitecture = (typeof VM_ARCHITECTURES)[number];

/**
 * Highest uid/gid the VM user data accepts (src/domain/user-data.ts; read from its schema so the
 * two cannot drift). The API gives developers uidBase, uidBase+1, … (the lowest free one), so
 * uidBase must leave room below that ceiling: UID_HEADROOM uids is 100 times EFS's default quota
 * of 10,000 access points per file system, and more developers than one stack will ever have.
 */
// Without a cap in that schema, the kernel's: uid_t is 32 bits and 4294967295 means "no uid".
export const MAX_POSIX_ID = Math.min(UserDataInput.shape.uid.maxValue ?? 4_294_967_294, UserDataInput.shape.gid.maxValue ?? 4_294_967_294);
export const UID_HEADROOM = 1_000_000;
export const MAX_UID_BASE = MAX_POSIX_ID - UID_HEADROOM;

const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((p) => p.trim()).filter(Boolean) : v), z.array(item));

const SubnetId = z.string().regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id such as "subnet-0abc1234"');

/** Graviton families carry a `g` after the generation digit: t4g, m7g, c7gn, r8g. */
export const isArmInstanceType = (type: string): boolean => /^[a-z]+\d+g[a-z]*\./.test(type);

const Context = z
  .object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, 'must be a VPC id such as "vpc-0abc1234"').optional(),
    vpcPrivateSubnetIds: list(SubnetId).optional(),
    vpcAvailabilityZones: list(z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, 'must be an availability zone such as "eu-west-1a"')).optional(),
    egress: z.enum(['nat', 'endpoints']).default('nat'),
    postgres: bool.default(true),
    mysql: bool.default(true),
    dbInstanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an instance class such as "t4g.micro"').default('t4g.micro'),
    allowedInstanceTypes: list(InstanceType).default(['t3.medium', 't3.large', 't3.xlarge', 'm7i.large', 'm7i.xlarge']),
    allowedOs: list(OsId).default(['al2023', 'ubuntu-24.04']),
    vmArchitecture: z.enum(VM_ARCHITECTURES).default('x86_64'),
    rhelAmiParameter: z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter name such as "/golden/rhel9"').optional(),
    goldenImage: bool.default(false),
    scheduleIntervalMinutes: int(1, 60).default(5),
    idleDays: int(3, 365).default(30),
    idleWarningDays: int(1, 30).default(3),
    bootDeadlineMinutes: int(0, 1440).default(30),
    cloudTrail: bool.default(true),
    developerAccess: bool.default(true),
    secretPrefix: z.string().regex(/^[A-Za-z0-9/_+=.@-]+\/$/, 'must end with "/" and use only A-Z a-z 0-9 / _ + = . @ -').default('dev-vm/'),
    instanceRolePath: z.string().regex(/^\/[A-Za-z0-9_+=,.@-]+\/$/, 'must be an IAM path such as "/dev-vm/"').default('/dev-vm/'),
    managedBy: z.string().regex(/^[A-Za-z0-9 _.:/=+\-@]{1,256}$/, 'must be a valid tag value').default(MANAGED_BY),
    uidBase: z.coerce
      .number()
      .int('must be a whole number')
      .min(1000, 'must be at least 1000 (below are system accounts)')
      .max(MAX_UID_BASE, `must be at most ${MAX_UID_BASE}: the VM user data accepts uids up to ${MAX_POSIX_ID} and each developer takes the next one above uidBase`)
      .default(20000),
    dbNamespace: DbNamespace.default(''),
    webtriggerUrl: z
      .string()
      .refine((u) => u === WEBTRIGGER_NOT_CONFIGURED || /^https:\/\/[^\s]+$/.test(u), `must be an https URL or "${WEBTRIGGER_NOT_CONFIGURED}"`)
      .default(WEBTRIGGER_NOT_CONFIGURED),
    forgeKeySerial: int(1, 1_000_000).default(1),
    alarmEmail: z.string().email('must be an e-mail address').optional(),
  })
  .superRefine((c, ctx) => {
    if (c.vpcId !== undefined) {
      if (!c.vpcPrivateSubnetIds?.length) ctx.addIssue({ code: 'custom', path: ['vpcPrivateSubnetIds'], message: 'required when vpcId is set' });
      if (c.vpcAvailabilityZones?.length !== c.vpcPrivateSubnetIds?.length)
        ctx.addIssue({ code: 'custom', path: ['vpcAvailabilityZones'], message: 'must list one availability zone per subnet in vpcPrivateSubnetIds' });
      if ((c.vpcPrivateSubnetIds?.length ?? 0) < 2 && (c.postgres || c.mysql))
        ctx.addIssue({ code: 'custom', path: ['vpcPrivateSubnetIds'], message: 'RDS needs subnets in at least two availability zones' });
    } else if (c.vpcPrivateSubnetIds !== undefined || c.vpcAvailabilityZones !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['vpcId'], message: 'required when vpcPrivateSubnetIds or vpcAvailabilityZones is set' });
    }
    if (c.allowedOs.includes('rhel-9') && c.rhelAmiParameter === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['allowedOs'],
        message: 'rhel-9 needs rhelAmiParameter: AWS publishes no public SSM parameter for RHEL AMIs, so point it at one you maintain',
      });
    for (const t of c.allowedInstanceTypes) {
      if (isArmInstanceType(t) !== (c.vmArchitecture === 'arm64'))
        ctx.addIssue({ code: 'custom', path: ['allowedInstanceTypes'], message: `${t} does not run ${c.vmArchitecture} AMIs (set vmArchitecture or drop it)` });
    }
    if (c.goldenImage && c.vpcId === undefined && c.egress === 'endpoints')
      ctx.addIssue({
        code: 'custom',
        path: ['goldenImage'],
        message: 'needs egress "nat": the image build downloads packages and the efs-utils source from the internet, which egress "endpoints" does not reach',
      });
    if (c.idleWarningDays >= c.idleDays) ctx.addIssue({ code: 'custom', path: ['idleWarningDays'], message: 'must be less than idleDays' });
  });

type ContextValues = z.infer<typeof Context>;

export type VpcConfig =
  | { kind: 'create'; egress: 'nat' | 'endpoints' }
  | { kind: 'import'; vpcId: string; privateSubnetIds: string[]; availabilityZones: string[] };

export interface StackConfig extends Omit<ContextValues, 'vpcId' | 'vpcPrivateSubnetIds' | 'vpcAvailabilityZones' | 'egress'> {
  vpc: VpcConfig;
}

export const CONTEXT_KEYS = Object.keys(Context.shape) as (keyof ContextValues)[];

/** Read the flags through `tryGetContext` (anything with that shape: a construct node, or a plain map in tests). */
export function readConfig(context: { tryGetContext(key: string): unknown }): StackConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const v = context.tryGetContext(key);
    if (v !== undefined && v !== null && v !== '') raw[key] = v;
  }
  const r = Context.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues
      .map((i) => `context "${String(i.path[0] ?? '?')}"${i.path.length > 1 ? ` (item ${i.path.slice(1).join('.')})` : ''}: ${i.message}`)
      .join('; ');
    throw new Error(`invalid CDK context: ${problems}`);
  }
  const { vpcId, vpcPrivateSubnetIds, vpcAvailabilityZones, egress, ...rest } = r.data;
  const vpc: VpcConfig =
    vpcId !== undefined
      ? { kind: 'import', vpcId, privateSubnetIds: vpcPrivateSubnetIds ?? [], availabilityZones: vpcAvailabilityZones ?? [] }
      : { kind: 'create', egress };
  return { ...rest, vpc };
}
