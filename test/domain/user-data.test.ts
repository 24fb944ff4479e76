import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OS_IDS } from '../../src/contract/vm-api';
import { bakeToolsScript, checkToolsScript, firstBootSteps, GOLDEN_IMAGE_MARKER, renderUserData, shq, toolsFingerprint, UserDataInputError, type UserDataInput } from '../../src/domain/user-data';

const SHELLCHECK = '/usr/bin/shellcheck';

const valid: UserDataInput = {
  os: 'al2023',
  developer: 'jdoe',
  uid: 20001,
  gid: 20001,
  fileSystemId: 'fs-0123456789abcdef0',
  accessPointId: 'fsap-0123456789abcdef0',
  region: 'eu-west-1',
  secretName: 'dev-vm/db/developer/jdoe/acme',
  databases: [
    { engine: 'postgres', host: 'pg.abc123.eu-west-1.rds.amazonaws.com', port: 5432, database: 'client_acme', user: 'dv_jdoe_acme_5hepchf4ytua' },
    { engine: 'mysql', host: 'my.abc123.eu-west-1.rds.amazonaws.com', port: 3306, database: 'client_acme', user: 'dv_jdoe_acme_5hepchf4ytua' },
  ],
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'user-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** shellcheck's findings of severity warning or above (an empty list means clean). */
function shellcheck(script: string, name: string): string {
  const file = join(dir, `${name}.sh`);
  writeFileSync(file, script);
  const r = spawnSync(SHELLCHECK, ['--severity=warning', '--shell=bash', '--format=gcc', file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`.trim();
}

describe('renderUserData', () => {
  it.each(OS_IDS)('renders a script for %s that shellcheck passes with no warnings', (os) => {
    const script = renderUserData({ ...valid, os });
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain('set -euo pipefail');
    expect(shellcheck(script, os)).toBe('');
    // EC2 limits user data to 16 KB before base64.
    expect(Buffer.byteLength(script)).toBeLessThan(16 * 1024);
  });

  it.each(OS_IDS)('embeds a credentials fetcher and a profile snippet for %s that shellcheck also passes', (os) => {
    const script = renderUserData({ ...valid, os });
    const between = (open: string, close: string): string => {
      const body = script.split(open)[1]?.split(close)[0];
      if (body === undefined) throw new Error(`no ${open} section`);
      return body;
    };
    expect(shellcheck(between("<<'FETCH'\n", '\nFETCH\n'), `${os}-fetch`)).toBe('');
    const profile = join(dir, `${os}-profile.sh`);
    writeFileSync(profile, between("<<'PROFILE'\n", '\nPROFILE\n'));
    const r = spawnSync(SHELLCHECK, ['--severity=warning', '--shell=sh', '--format=gcc', profile], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
  });

  it('has a shellcheck that does report warnings (the checks above can fail)', () => {
    expect(shellcheck('#!/bin/bash\nrm -rf $1/*\nfor f in $(ls); do echo $f; done\n', 'bad')).toMatch(/warning/);
  });

  it.each(OS_IDS)('renders a script for %s that bash parses', (os) => {
    const file = join(dir, `${os}-parse.sh`);
    writeFileSync(file, renderUserData({ ...valid, os }));
    expect(() => execFileSync('bash', ['-n', file])).not.toThrow();
  });

  it('mounts the access point with efs-utils over TLS and IAM, _netdev in fstab, at the developer home', () => {
    const script = renderUserData(valid);
    expect(script).toContain(`fstab_line="$EFS_FS_ID $DEV_HOME efs _netdev,noresvport,tls,iam,accesspoint=$EFS_AP_ID 0 0"`);
    expect(script).toContain("EFS_AP_ID='fsap-0123456789abcdef0'");
    expect(script).toContain("DEV_HOME='/home/jdoe'");
    expect(script).toMatch(/useradd --uid "\$DEV_UID" --gid "\$DEV_GID"/);
  });

  it('installs the tools with the OS family package manager', () => {
    expect(renderUserData(valid)).toMatch(/dnf install -y .*amazon-efs-utils .*postgresql16 mariadb105 nodejs22/);
    const ubuntu = renderUserData({ ...valid, os: 'ubuntu-24.04' });
    expect(ubuntu).toMatch(/apt-get install -y .*docker\.io postgresql-client mysql-client nodejs/);
    expect(ubuntu).toContain('./build-deb.sh');
    expect(renderUserData({ ...valid, os: 'rhel-9' })).toContain('make rpm');
  });

  it('installs the SSM agent on RHEL 9 (its AMIs lack it; Session Manager is the only way in), first and only when missing', () => {
    const rhel = renderUserData({ ...valid, os: 'rhel-9' });
    const install = rhel.indexOf('amazon-ssm-agent.rpm');
    expect(install).toBeGreaterThan(0);
    expect(rhel).toContain('https://s3.$AWS_REGION_NAME.amazonaws.com/amazon-ssm-$AWS_REGION_NAME/latest/linux_');
    expect(rhel).toContain('if ! rpm -q amazon-ssm-agent >/dev/null 2>&1; then');
    expect(rhel).toContain('systemctl enable --now amazon-ssm-agent');
    // Before anything slow or fallible (the efs-utils build), so a failed step still leaves a way in.
    expect(install).toBeLessThan(rhel.indexOf('make rpm'));
    // Amazon Linux 2023 and Ubuntu 24.04 AMIs ship the agent.
    expect(renderUserData(valid)).not.toContain('amazon-ssm-agent.rpm');
  });

  it('fetches the DB secret into a developer-owned 0600 file and exports it only in that user\'s shells', () => {
    const script = renderUserData(valid);
    expect(script).toContain("DB_SECRET_NAME='dev-vm/db/developer/jdoe/acme'");
    expect(script).toContain('chmod 0600 "$tmp"');
    expect(script).toContain('chown "$DEV_UID:$DEV_GID" "$tmp"');
    expect(script).toContain(`if [ "$(id -u)" = '20001' ]`);
    expect(script).toContain("PGDATABASE='client_acme' PGUSER='dv_jdoe_acme_5hepchf4ytua'");
    expect(script).toContain('MYSQL_PWD=$(jq');
  });

  const hostile: [string, Partial<Record<keyof UserDataInput, unknown>>][] = [
    ['a developer name with a command substitution', { developer: 'x$(reboot)' }],
    ['a developer name with a quote', { developer: "o'brien" }],
    ['a developer name with a newline', { developer: 'jdoe\nrm -rf /' }],
    ['a developer name with a path', { developer: '../root' }],
    ['an upper-case developer name', { developer: 'JDoe' }],
    ['a uid below 1000 (system range)', { uid: 0 }],
    ['a file system id with a semicolon', { fileSystemId: 'fs-0123;reboot' }],
    ['an access point id with spaces', { accessPointId: 'fsap-0123 -o x' }],
    ['a region with a backtick', { region: 'eu-west-1`id`' }],
    ['a secret name with a dollar', { secretName: 'dev-vm/$HOME' }],
    ['a DB host with a space', { databases: [{ engine: 'postgres', host: 'db; id', port: 5432, database: 'client_a', user: 'dev_a' }] }],
    ['a DB name with a quote', { databases: [{ engine: 'mysql', host: 'db', port: 3306, database: "a'b", user: 'dev_a' }] }],
    ['an unknown field', { extra: 'x' } as Partial<Record<keyof UserDataInput, unknown>>],
  ];
  it.each(hostile)('rejects %s before rendering anything', (_label, change) => {
    expect(() => renderUserData({ ...valid, ...change })).toThrow(UserDataInputError);
  });

  it('lists every problem at once', () => {
    try {
      renderUserData({ ...valid, developer: 'X;', region: 'nowhere' });
      throw new Error('expected a rejection');
    } catch (e) {
      expect(e).toBeInstanceOf(UserDataInputError);
      expect((e as UserDataInputError).problems.map((p) => p.split(':')[0])).toEqual(['developer', 'region']);
    }
  });

  it('renders the same script twice for the same input (pure)', () => {
    expect(renderUserData(valid)).toBe(renderUserData(valid));
  });

  it('renders a script without DB settings when no engine is enabled, still shellcheck-clean', () => {
    const script = renderUserData({ ...valid, databases: [] });
    expect(script).not.toContain('PGPASSWORD');
    expect(shellcheck(script, 'no-db')).toBe('');
  });
});

describe('first-boot status (issue 13, item 5)', () => {
  const stepsIn = (script: string) => [...script.matchAll(/^begin_step (\S+)$/gm)].map((m) => m[1]);

  it.each(OS_IDS)('%s: every step the script runs is announced, in order, and the last command signals ready', (os) => {
    const script = renderUserData({ ...valid, os });
    // Both branches are in the script: the golden image's check step first, then the stock installs.
    expect(stepsIn(script)).toEqual(['packages', ...firstBootSteps({ ...valid, os })]);
    expect(script.trimEnd().split('\n').at(-1)).toBe('boot_status ready');
    expect(script).toContain(`trap 'boot_status "failed:$BOOT_STEP"' ERR`);
    expect(script).toMatch(/aws ec2 create-tags --region "\$AWS_REGION_NAME" --resources "\$instance_id" --tags "Key=DevVmBootStatus,Value=\$1"/);
  });

  /** The status functions of a rendered script, run by bash with stub `curl` (IMDSv2) and `aws` that record their calls. */
  function runStatus(body: string, os: UserDataInput['os'] = 'al2023'): { status: number; aws: string[]; file: string; console: string } {
    const script = renderUserData({ ...valid, os });
    const start = script.indexOf('BOOT_STEP=start');
    const end = script.indexOf(`trap 'boot_status "failed:$BOOT_STEP"' ERR`);
    const run = mkdtempSync(join(dir, 'run-'));
    const bin = join(run, 'bin');
    execFileSync('mkdir', ['-p', bin, join(run, 'lib')]);
    writeFileSync(join(bin, 'curl'), `#!/bin/bash\ncase "$*" in *api/token*) echo tok ;; *instance-id*) echo i-0aaa0000000000000 ;; *) exit 22 ;; esac\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'aws'), `#!/bin/bash\necho "$*" >>${shq(join(run, 'aws.log'))}\n`, { mode: 0o755 });
    const section = script
      .slice(start, end + `trap 'boot_status "failed:$BOOT_STEP"' ERR`.length)
      .replaceAll('/var/lib/dev-vm', join(run, 'lib'))
      .replaceAll('/dev/console', join(run, 'console'));
    const file = join(run, 'status.sh');
    writeFileSync(file, `#!/bin/bash\nset -euo pipefail\nAWS_REGION_NAME=eu-west-1\n${section}\n${body}\n`);
    const r = spawnSync('bash', [file], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
    const read = (f: string) => spawnSync('cat', [join(run, f)], { encoding: 'utf8' }).stdout;
    return { status: r.status ?? -1, aws: read('aws.log').trim().split('\n').filter(Boolean), file: read('lib/boot-status').trim(), console: read('console') };
  }

  it('a failing command marks the step it belongs to as failed, on the tag, the console and the local file, and stops the script', () => {
    const r = runStatus('begin_step user\nbegin_step home\nfalse\necho unreachable >&2\nboot_status ready');
    expect(r.status).not.toBe(0);
    expect(r.aws).toEqual([
      'ec2 create-tags --region eu-west-1 --resources i-0aaa0000000000000 --tags Key=DevVmBootStatus,Value=step:user',
      'ec2 create-tags --region eu-west-1 --resources i-0aaa0000000000000 --tags Key=DevVmBootStatus,Value=step:home',
      'ec2 create-tags --region eu-west-1 --resources i-0aaa0000000000000 --tags Key=DevVmBootStatus,Value=failed:home',
    ]);
    expect(r.file).toBe('failed:home');
    expect(r.console).toContain('dev-vm-boot-status: failed:home');
  });

  it('a failure inside a function (set -E) is caught too, and a clean run ends with ready', () => {
    expect(runStatus('begin_step credentials\nf() { false; }\nf').aws.at(-1)).toMatch(/Value=failed:credentials$/);
    const ok = runStatus('begin_step profile\ntrue\nboot_status ready');
    expect(ok.status).toBe(0);
    expect(ok.aws.at(-1)).toMatch(/Value=ready$/);
    expect(ok.file).toBe('ready');
  });

  /**
   * The tools section of a rendered script (from the golden-image probe to the user step), run by
   * bash with `begin_step`, dnf, apt-get, systemctl… stubbed to log what would run. `present`
   * are the commands the machine has; `marker` the golden-image marker's content (undefined: none).
   */
  function runTools(os: UserDataInput['os'], machine: { present: readonly string[]; marker?: string }): { steps: string[]; installs: string[] } {
    const script = renderUserData({ ...valid, os });
    const start = script.indexOf('golden_image_ready() {');
    const end = script.indexOf('\nbegin_step user\n');
    const run = mkdtempSync(join(dir, 'tools-'));
    const bin = join(run, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    const log = shq(join(run, 'calls.log'));
    for (const util of ['grep', 'cat', 'uname', 'mktemp', 'rm']) execFileSync('ln', ['-s', execFileSync('bash', ['-c', `command -v ${util}`], { encoding: 'utf8' }).trim(), join(bin, util)]);
    for (const tool of machine.present) writeFileSync(join(bin, tool), '#!/bin/bash\nexit 0\n', { mode: 0o755 });
    for (const installer of ['dnf', 'apt-get', 'systemctl', 'alternatives', 'rpm', 'install_aws_cli']) {
      writeFileSync(join(bin, installer), `#!/bin/bash\necho "${installer} $*" >>${log}\n${installer === 'rpm' ? 'exit 1' : 'exit 0'}\n`, { mode: 0o755 });
    }
    const marker = join(run, 'golden-image');
    if (machine.marker !== undefined) writeFileSync(marker, `${machine.marker}\n`);
    const section = script.slice(start, end).replaceAll(GOLDEN_IMAGE_MARKER, marker);
    const file = join(run, 'tools.sh');
    // The efs-utils build is skipped by its own `command -v mount.efs` guard when the stub is present.
    writeFileSync(file, `#!/bin/bash\nset -euo pipefail\nAWS_REGION_NAME=eu-west-1\nbegin_step() { echo "step $1" >>${log}; }\ninstall_aws_cli() { echo "install_aws_cli" >>${log}; }\n${section}\n`);
    // Only the stubs and a few utilities on PATH: the test machine's own git or psql must not count as baked tools.
    const r = spawnSync('/bin/bash', [file], { encoding: 'utf8', env: { PATH: bin } });
    if (r.status !== 0) throw new Error(`tools section failed: ${r.stderr}`);
    const calls = spawnSync('cat', [join(run, 'calls.log')], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    return { steps: calls.filter((c) => c.startsWith('step ')).map((c) => c.slice(5)), installs: calls.filter((c) => /^(dnf install|apt-get install|install_aws_cli)/.test(c)) };
  }
  const ALL_TOOLS = ['amazon-ssm-agent', 'git', 'jq', 'aws', 'mount.efs', 'psql', 'mysql', 'node', 'docker'];

  it('measures first-boot work on a stock image and on a golden image (al2023 5 -> 5 steps, ubuntu-24.04 6 -> 5, rhel-9 7 -> 5; installs 1/5/6 -> 0)', () => {
    const table = OS_IDS.map((os) => {
      const installs = (s: string) => (s.match(/^\s*(dnf install|apt-get install|git clone|install_aws_cli$)/gm) ?? []).length;
      return { os, steps: firstBootSteps({ ...valid, os }).length, goldenSteps: firstBootSteps({ ...valid, os }, 'golden').length, installs: installs(bakeToolsScript(os)) };
    });
    expect(table).toEqual([
      { os: 'al2023', steps: 5, goldenSteps: 5, installs: 1 },
      { os: 'ubuntu-24.04', steps: 6, goldenSteps: 5, installs: 5 },
      { os: 'rhel-9', steps: 7, goldenSteps: 5, installs: 6 },
    ]);
  });

  it.each(OS_IDS)('%s: on a current golden image first boot runs only the check step and installs nothing; the baked steps are the stock ones', (os) => {
    const golden = runTools(os, { present: ALL_TOOLS, marker: `tools=${toolsFingerprint(os)}` });
    expect(golden.installs).toEqual([]);
    expect([...golden.steps, 'user', 'home', 'credentials', 'profile']).toEqual(firstBootSteps({ ...valid, os }, 'golden'));
    // The image's component installs with exactly the steps a stock first boot runs, then writes the marker.
    const bake = bakeToolsScript(os);
    const stockSection = renderUserData({ ...valid, os }).split('\nelse\n')[1]?.split('\nfi\n\nbegin_step user')[0];
    expect(stockSection).toBeDefined();
    expect(bake).toContain(stockSection!.trim());
    expect(bake.trimEnd().split('\n').at(-1)).toBe(`printf '%s\\n' 'tools=${toolsFingerprint(os)}' >${GOLDEN_IMAGE_MARKER}`);
    expect(shellcheck(bake, `bake-${os}`)).toBe('');
    expect(shellcheck(checkToolsScript(os), `check-${os}`)).toBe('');
  });

  it.each<[string, { present: readonly string[]; marker?: string }]>([
    ['no marker (a stock image, whatever the launch template says)', { present: ALL_TOOLS }],
    ['a marker of older install steps (an image baked before they changed)', { present: ALL_TOOLS, marker: 'tools=0000000000000000' }],
    ['a current marker but a tool missing (removed after the bake)', { present: ALL_TOOLS.filter((t) => t !== 'psql'), marker: 'CURRENT' }],
  ])('installs everything as on a stock image with %s', (_label, machine) => {
    for (const os of OS_IDS) {
      const stock = runTools(os, { ...machine, ...(machine.marker === 'CURRENT' ? { marker: `tools=${toolsFingerprint(os)}` } : {}) });
      expect([...stock.steps, 'user', 'home', 'credentials', 'profile']).toEqual(firstBootSteps({ ...valid, os }));
      expect(stock.installs.length).toBeGreaterThan(0);
      expect(stock.installs[0]).toMatch(/^(dnf install|apt-get install)/);
    }
  });

  it('fingerprints each OS\'s install steps differently', () => {
    expect(new Set(OS_IDS.map(toolsFingerprint)).size).toBe(OS_IDS.length);
    expect(toolsFingerprint('al2023')).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('shq', () => {
  it.each(["plain", "it's", "$(reboot)", "a'b'c", "`id`", "line\nbreak", ""])('quotes %j so bash reads back exactly the value', (value) => {
    const out = execFileSync('bash', ['-c', `printf '%s' ${shq(value)}`], { encoding: 'utf8' });
    expect(out).toBe(value);
  });
});
