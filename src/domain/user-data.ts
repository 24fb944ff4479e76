import { createHash } from 'node:crypto';
import * as z from 'zod';
import { DeveloperName } from '../contract/names';
import type { BootStep } from '../contract/events';
import { Tag } from '../contract/tags';
import { OsId } from '../contract/vm-api';
import { BOOT_READY } from './boot-status';

/**
 * The user-data script of a dev VM, rendered from a typed input. Pure: no I/O, no clock.
 *
 * What the script does, idempotently (safe to run again on an instance that already ran it):
 *  0. on RHEL 9 only, installs the SSM agent when the AMI lacks it (Red Hat's AMIs do; AL2023 and
 *     Ubuntu ship it), from the region's agent bucket (reachable through the S3 gateway endpoint);
 *  1. installs git, docker, the PostgreSQL and MySQL clients, Node.js, jq, the AWS CLI and
 *     amazon-efs-utils, with the OS family's package manager (dnf or apt). Node.js is the
 *     distribution's: 22 on Amazon Linux 2023 (nodejs22), the nodejs:20 module stream on RHEL 9,
 *     Ubuntu 24.04's own package (18); no third-party repositories are added;
 *  2. creates the developer's Linux user and group with the uid/gid of their EFS access point;
 *  3. mounts the access point at /home/<developer> with amazon-efs-utils (`tls,iam,accesspoint=…`,
 *     `_netdev` in fstab), retrying while the new access point is still being created;
 *  4. installs a boot-time unit that fetches the DB credentials of the VM's (developer, client)
 *     pair from Secrets Manager (a VM serves one client, so it needs only that pair's secret; the
 *     instance role may read only that developer's secrets) into a local file
 *     owned by the developer with mode 0600, and a profile.d snippet that exports PGPASSWORD /
 *     MYSQL_PWD and the connection variables from it in the developer's login shells.
 *
 * amazon-efs-utils: Amazon Linux 2023 ships it (`dnf install amazon-efs-utils`). Ubuntu and RHEL
 * have no package, and AWS publishes none: the script builds it from the official source
 * (github.com/aws/efs-utils, pinned tag) with the distribution's Rust toolchain, as the project's
 * README describes (`./build-deb.sh`, `make rpm`). That costs minutes on first boot only; bake it
 * into a golden AMI to avoid it. The plain-NFS fallback was rejected: access points with IAM
 * authorization and TLS need the mount helper.
 *
 * The credentials file lives on the local disk (/var/lib/dev-vm), not on EFS: secrets stay out of
 * the shared file system and its backups, and are fetched again at every boot (rotation-safe).
 *
 * Readiness: each step starts with `begin_step <step>`, which records `step:<step>` in the
 * instance's own DevVmBootStatus tag (and on the serial console and /var/lib/dev-vm/boot-status);
 * an ERR trap records `failed:<step>`; the last line records `ready`. The tag change reaches the
 * notifier through EventBridge ("Tag Change on Resource"), which posts "Your dev VM is ready" or
 * the failure with its step. The role may write that one tag on its own developer's instances
 * only (infra-cdk/lib/iam/instance-identity.ts). Before the AWS CLI exists (Ubuntu/RHEL install it
 * in the packages step) the tag cannot be written; the console line still is
 * (GetConsoleOutput), and the reconciler's boot deadline is the safety net.
 *
 * With a golden image (EC2 Image Builder, infra-cdk/lib/constructs/golden-image.ts) the tools are
 * baked in: the image's component runs the very same install steps (`bakeToolsScript`) and then
 * writes GOLDEN_IMAGE_MARKER with the fingerprint of those steps. First boot skips the package and
 * efs-utils steps only when the marker carries the fingerprint of this script's own steps AND
 * every tool answers; otherwise it installs them as on a stock image. So the decision is made on
 * the machine, from what it holds: no flag rendered at launch (which could be stale, e.g. a
 * template still pointing at a stock AMI, or an image baked before a tool was added) can skip an
 * install that is needed.
 *
 * Every interpolated value is validated here (again) and shell-quoted at the sink.
 */

export const EFS_UTILS_VERSION = 'v2.4.1';

const HOST = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const SQL_IDENT = /^[a-z][a-z0-9_]{0,62}$/;

export const UserDataInput = z
  .object({
    os: OsId,
    developer: DeveloperName,
    uid: z.number().int().min(1000).max(2_000_000_000),
    gid: z.number().int().min(1000).max(2_000_000_000),
    fileSystemId: z.string().regex(/^fs-[0-9a-f]{8,40}$/, 'must be an EFS file system id'),
    accessPointId: z.string().regex(/^fsap-[0-9a-f]{8,40}$/, 'must be an EFS access point id'),
    region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, 'must be an AWS region such as eu-west-1'),
    /** Secrets Manager name (not ARN) of the (developer, client) DB secret: JSON `{username, password}`. */
    secretName: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name'),
    databases: z
      .array(
        z.object({
          engine: z.enum(['postgres', 'mysql']),
          host: z.string().regex(HOST, 'must be a DNS host name'),
          port: z.number().int().min(1).max(65535),
          database: z.string().regex(SQL_IDENT, 'must be a plain SQL identifier'),
          user: z.string().regex(SQL_IDENT, 'must be a plain SQL identifier'),
        }),
      )
      .max(2),
  })
  .strict();
export type UserDataInput = z.input<typeof UserDataInput>;

export class UserDataInputError extends Error {
  override readonly name = 'UserDataInputError';
  constructor(readonly problems: string[]) {
    super(`invalid user data input: ${problems.join('; ')}`);
  }
}

/** Single-quote a value for bash: the only character that needs care inside '…' is ' itself. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

type Family = 'dnf-al2023' | 'dnf-rhel' | 'apt';
const FAMILY: Record<OsId, Family> = { al2023: 'dnf-al2023', 'rhel-9': 'dnf-rhel', 'ubuntu-24.04': 'apt' };

function packagesStep(family: Family): string {
  switch (family) {
    case 'dnf-al2023':
      return `
begin_step packages
# --- packages (Amazon Linux 2023: dnf; amazon-efs-utils is in the distribution) ---
dnf install -y git docker jq amazon-efs-utils postgresql16 mariadb105 nodejs22 nodejs22-npm
alternatives --set node /usr/bin/node-22
systemctl enable --now docker
`;
    case 'dnf-rhel':
      return `
begin_step ssm-agent
# --- SSM agent first (Red Hat's AMIs do not include it, and Session Manager is the only way in) ---
if ! rpm -q amazon-ssm-agent >/dev/null 2>&1; then
  case "$(uname -m)" in aarch64) ssm_arch=arm64 ;; *) ssm_arch=amd64 ;; esac
  dnf install -y "https://s3.$AWS_REGION_NAME.amazonaws.com/amazon-ssm-$AWS_REGION_NAME/latest/linux_$ssm_arch/amazon-ssm-agent.rpm"
fi
systemctl enable --now amazon-ssm-agent

begin_step packages
# --- packages (RHEL 9: dnf; podman-docker provides the docker command; efs-utils built from source) ---
dnf module enable -y nodejs:20
dnf install -y git jq unzip podman-docker postgresql mysql nodejs npm nfs-utils stunnel openssl
install_aws_cli
begin_step efs-utils
if ! command -v mount.efs >/dev/null 2>&1; then
  dnf install -y rpm-build make gcc rust cargo openssl-devel cmake golang perl which
  build_dir=$(mktemp -d)
  git clone --depth 1 --branch "$EFS_UTILS_VERSION" https://github.com/aws/efs-utils "$build_dir/efs-utils"
  (cd "$build_dir/efs-utils" && make rpm)
  dnf install -y "$build_dir"/efs-utils/build/amazon-efs-utils*.rpm
  rm -rf "$build_dir"
fi
`;
    case 'apt':
      return `
begin_step packages
# --- packages (Ubuntu 24.04: apt; efs-utils built from source, as AWS documents for Debian/Ubuntu) ---
export DEBIAN_FRONTEND=noninteractive
# Wait for unattended-upgrades (it starts at boot, on a VM and on an Image Builder build instance)
# instead of failing on the dpkg lock.
printf 'DPkg::Lock::Timeout "600";\\n' >/etc/apt/apt.conf.d/80dev-vm-lock-timeout
apt-get update -y
apt-get install -y git jq unzip curl docker.io postgresql-client mysql-client nodejs npm nfs-common stunnel4 openssl
systemctl enable --now docker
install_aws_cli
begin_step efs-utils
if ! command -v mount.efs >/dev/null 2>&1; then
  apt-get install -y binutils build-essential rustc cargo pkg-config libssl-dev cmake golang-go perl
  build_dir=$(mktemp -d)
  git clone --depth 1 --branch "$EFS_UTILS_VERSION" https://github.com/aws/efs-utils "$build_dir/efs-utils"
  (cd "$build_dir/efs-utils" && ./build-deb.sh)
  apt-get install -y "$build_dir"/efs-utils/build/amazon-efs-utils*.deb
  rm -rf "$build_dir"
fi
`;
  }
}

/** Written by the golden image's component once every tool is installed; read by first boot. */
export const GOLDEN_IMAGE_MARKER = '/etc/dev-vm/golden-image';

/** Commands first boot expects on the machine, whichever way they got there. */
const TOOLS: Record<Family, readonly string[]> = {
  'dnf-al2023': ['git', 'jq', 'aws', 'mount.efs', 'psql', 'mysql', 'node', 'docker'],
  'dnf-rhel': ['amazon-ssm-agent', 'git', 'jq', 'aws', 'mount.efs', 'psql', 'mysql', 'node', 'docker'],
  apt: ['git', 'jq', 'aws', 'mount.efs', 'psql', 'mysql', 'node', 'docker'],
};

/**
 * Fingerprint of an OS's install steps. Any change to them (a new tool, another efs-utils tag)
 * changes it, so an image baked with the old steps no longer matches and its VMs install again.
 */
export function toolsFingerprint(os: OsId): string {
  const family = FAMILY[OsId.parse(os)];
  return createHash('sha256').update(`${packagesStep(family)}\n${TOOLS[family].join(' ')}`).digest('hex').slice(0, 16);
}

/** Shell function: true when this machine is a golden image baked with the current install steps. */
function goldenImageProbe(os: OsId): string {
  return `golden_image_ready() {
  grep -qxF ${shq(`tools=${toolsFingerprint(os)}`)} ${GOLDEN_IMAGE_MARKER} 2>/dev/null || return 1
  local tool
  for tool in ${TOOLS[FAMILY[os]].join(' ')}; do command -v "$tool" >/dev/null 2>&1 || return 1; done
}`;
}

const INSTALL_AWS_CLI = `install_aws_cli() {
  if command -v aws >/dev/null 2>&1; then return 0; fi
  local tmp
  tmp=$(mktemp -d)
  curl -fsSL "https://awscli.amazonaws.com/awscli-exe-linux-$(uname -m).zip" -o "$tmp/awscliv2.zip"
  unzip -q "$tmp/awscliv2.zip" -d "$tmp"
  "$tmp/aws/install"
  rm -rf "$tmp"
}`;

/** What first boot does instead of installing when the image is a current golden image. */
function goldenImageCheck(family: Family): string {
  const docker = family === 'dnf-al2023' || family === 'apt' ? 'systemctl enable --now docker\n' : '';
  return `begin_step packages
# --- golden image: the tools were baked in by EC2 Image Builder (marker and every command checked) ---
echo "golden image: tools already installed, skipping their installation"
${docker}`;
}

/**
 * The bash script the golden image's Image Builder component runs: the same install steps as
 * first boot on a stock image, then the marker. The component's validate phase runs checkToolsScript.
 */
export function bakeToolsScript(os: OsId): string {
  const family = FAMILY[OsId.parse(os)];
  return `#!/bin/bash
# Dev VM golden image (${os}): the tools first boot would otherwise install, baked in by EC2 Image Builder.
set -euo pipefail
token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
AWS_REGION_NAME=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/placement/region)
EFS_UTILS_VERSION=${shq(EFS_UTILS_VERSION)}
export AWS_REGION_NAME EFS_UTILS_VERSION
${INSTALL_AWS_CLI}
begin_step() { echo "dev-vm golden image: $1"; }
${packagesStep(family)}
install -d -m 0755 /etc/dev-vm
printf '%s\\n' ${shq(`tools=${toolsFingerprint(os)}`)} >${GOLDEN_IMAGE_MARKER}
`;
}

/** The golden image component's validate phase: fails the build unless first boot would take the golden path. */
export function checkToolsScript(os: OsId): string {
  return `#!/bin/bash
set -euo pipefail
${goldenImageProbe(OsId.parse(os))}
golden_image_ready
echo "dev-vm golden image: every tool answers and the marker matches"
`;
}

/** Which image a VM boots from, as far as first boot can tell (see golden_image_ready). */
export type BootImage = 'stock' | 'golden';

/**
 * The first-boot steps the rendered script runs, in order (what begin_step records). On a stock
 * image the package step installs everything and Ubuntu/RHEL build efs-utils from source; on a
 * current golden image one step checks the baked tools.
 */
export function firstBootSteps(raw: UserDataInput, image: BootImage = 'stock'): BootStep[] {
  const input = UserDataInput.parse(raw);
  const family = FAMILY[input.os];
  const tools: BootStep[] = image === 'golden' ? ['packages'] : family === 'dnf-rhel' ? ['ssm-agent', 'packages', 'efs-utils'] : family === 'apt' ? ['packages', 'efs-utils'] : ['packages'];
  return [...tools, 'user', 'home', 'credentials', 'profile'];
}

function envLines(db: UserDataInput['databases']): string {
  const lines: string[] = [];
  for (const d of db) {
    if (d.engine === 'postgres') {
      lines.push(`  export PGHOST=${shq(d.host)} PGPORT=${shq(String(d.port))} PGDATABASE=${shq(d.database)} PGUSER=${shq(d.user)} PGSSLMODE='require'`);
      lines.push(`  PGPASSWORD=$(jq -r '.password' "$dev_vm_creds")`);
      lines.push(`  export PGPASSWORD`);
    } else {
      lines.push(`  export MYSQL_HOST=${shq(d.host)} MYSQL_TCP_PORT=${shq(String(d.port))} MYSQL_DATABASE=${shq(d.database)} MYSQL_USER=${shq(d.user)}`);
      lines.push(`  MYSQL_PWD=$(jq -r '.password' "$dev_vm_creds")`);
      lines.push(`  export MYSQL_PWD`);
    }
  }
  return lines.join('\n');
}

/** Render the script, or throw UserDataInputError listing every problem (nothing is rendered). */
export function renderUserData(raw: unknown): string {
  const parsed = UserDataInput.safeParse(raw);
  if (!parsed.success) {
    throw new UserDataInputError(parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`));
  }
  const input = parsed.data;
  const family = FAMILY[input.os];
  const dev = input.developer;
  const credsDir = `/var/lib/dev-vm/${dev}`;

  return `#!/bin/bash
# Dev VM bootstrap, generated by dev-vm-for-jira for developer ${dev} (${input.os}).
# Idempotent: every step checks before it changes anything, so a re-run is harmless.
set -euo pipefail
exec >>/var/log/dev-vm-bootstrap.log 2>&1

DEV_USER=${shq(dev)}
DEV_UID=${shq(String(input.uid))}
DEV_GID=${shq(String(input.gid))}
DEV_HOME=${shq(`/home/${dev}`)}
EFS_FS_ID=${shq(input.fileSystemId)}
EFS_AP_ID=${shq(input.accessPointId)}
AWS_REGION_NAME=${shq(input.region)}
DB_SECRET_NAME=${shq(input.secretName)}
CREDS_DIR=${shq(credsDir)}
EFS_UTILS_VERSION=${shq(EFS_UTILS_VERSION)}
export EFS_UTILS_VERSION

${INSTALL_AWS_CLI}

# --- first-boot status: the instance's own DevVmBootStatus tag, the console and a local file ---
BOOT_STEP=start
boot_status() {
  printf '%s\n' "$1" >/var/lib/dev-vm/boot-status
  # The serial console is what GetConsoleOutput returns, even when the tag cannot be written.
  echo "dev-vm-boot-status: $1" >/dev/console 2>/dev/null || true
  if ! command -v aws >/dev/null 2>&1; then return 0; fi
  local token instance_id
  token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || return 0
  instance_id=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id) || return 0
  aws ec2 create-tags --region "$AWS_REGION_NAME" --resources "$instance_id" --tags "Key=${Tag.BootStatus},Value=$1" || echo "could not write the boot status tag" >&2
}
begin_step() {
  BOOT_STEP=$1
  boot_status "step:$1"
}
mkdir -p /var/lib/dev-vm
set -E
trap 'boot_status "failed:$BOOT_STEP"' ERR

# --- tools: baked into a golden image, or installed now ---
${goldenImageProbe(input.os)}
if golden_image_ready; then
${goldenImageCheck(family)}else
${packagesStep(family).trim()}
fi

begin_step user
# --- the developer's user, with the uid/gid their EFS access point enforces ---
if ! getent group "$DEV_USER" >/dev/null; then groupadd --gid "$DEV_GID" "$DEV_USER"; fi
if ! id -u "$DEV_USER" >/dev/null 2>&1; then
  useradd --uid "$DEV_UID" --gid "$DEV_GID" --home-dir "$DEV_HOME" --no-create-home --shell /bin/bash "$DEV_USER"
fi
if getent group docker >/dev/null; then usermod -aG docker "$DEV_USER"; fi

begin_step home
# --- home directory: the developer's EFS access point, over TLS with IAM authorization ---
mkdir -p "$DEV_HOME"
fstab_line="$EFS_FS_ID $DEV_HOME efs _netdev,noresvport,tls,iam,accesspoint=$EFS_AP_ID 0 0"
if ! grep -qxF "$fstab_line" /etc/fstab; then
  grep -vF " $DEV_HOME efs " /etc/fstab >/etc/fstab.dev-vm || true
  printf '%s\\n' "$fstab_line" >>/etc/fstab.dev-vm
  cat /etc/fstab.dev-vm >/etc/fstab
  rm -f /etc/fstab.dev-vm
fi
attempt=0
until mountpoint -q "$DEV_HOME"; do
  attempt=$((attempt + 1))
  if mount "$DEV_HOME"; then break; fi
  if [ "$attempt" -ge 10 ]; then echo "could not mount $DEV_HOME" >&2; boot_status "failed:$BOOT_STEP"; exit 1; fi
  sleep 15
done
if [ ! -e "$DEV_HOME/.bashrc" ]; then
  # First boot of this developer: seed the home with the skeleton files (written as the
  # developer, because the access point maps every write to their uid/gid).
  cp -rT /etc/skel "$DEV_HOME"
fi

begin_step credentials
# --- database credentials: fetched at every boot into a file only the developer can read ---
install -d -m 0700 -o "$DEV_UID" -g "$DEV_GID" "$CREDS_DIR"
cat >/usr/local/sbin/dev-vm-fetch-db-credentials <<'FETCH'
#!/bin/bash
set -euo pipefail
umask 077
. /etc/dev-vm/bootstrap.env
tmp=$(mktemp "$CREDS_DIR/.db.XXXXXX")
trap 'rm -f "$tmp"' EXIT
aws secretsmanager get-secret-value --region "$AWS_REGION_NAME" --secret-id "$DB_SECRET_NAME" --query SecretString --output text >"$tmp"
jq -e '.password | strings' "$tmp" >/dev/null
chown "$DEV_UID:$DEV_GID" "$tmp"
chmod 0600 "$tmp"
mv -f "$tmp" "$CREDS_DIR/db.json"
trap - EXIT
FETCH
chmod 0755 /usr/local/sbin/dev-vm-fetch-db-credentials
install -d -m 0755 /etc/dev-vm
{
  printf 'AWS_REGION_NAME=%q\\n' "$AWS_REGION_NAME"
  printf 'DB_SECRET_NAME=%q\\n' "$DB_SECRET_NAME"
  printf 'CREDS_DIR=%q\\n' "$CREDS_DIR"
  printf 'DEV_UID=%q\\n' "$DEV_UID"
  printf 'DEV_GID=%q\\n' "$DEV_GID"
} >/etc/dev-vm/bootstrap.env
chmod 0644 /etc/dev-vm/bootstrap.env
cat >/etc/systemd/system/dev-vm-db-credentials.service <<'UNIT'
[Unit]
Description=Fetch the developer's database credentials from Secrets Manager
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/dev-vm-fetch-db-credentials
Restart=on-failure
RestartSec=30

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable dev-vm-db-credentials.service
systemctl start dev-vm-db-credentials.service || echo "credentials fetch will be retried by systemd" >&2

begin_step profile
cat >/etc/profile.d/dev-vm-db.sh <<'PROFILE'
# Connection settings of the developer's client databases (dev-vm-for-jira).
dev_vm_creds=${shq(`${credsDir}/db.json`)}
if [ "$(id -u)" = ${shq(String(input.uid))} ] && [ -r "$dev_vm_creds" ]; then
${envLines(input.databases) || '  :'}
fi
unset dev_vm_creds
PROFILE
chmod 0644 /etc/profile.d/dev-vm-db.sh

trap - ERR
echo "dev VM bootstrap finished for $DEV_USER"
# Last: the signal that posts "Your dev VM is ready" on the issue.
boot_status ${BOOT_READY}
`;
}
