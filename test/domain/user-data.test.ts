import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OS_IDS } from '../../src/contract/vm-api';
import { renderUserData, shq, UserDataInputError, type UserDataInput } from '../../src/domain/user-data';

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

describe('shq', () => {
  it.each(["plain", "it's", "$(reboot)", "a'b'c", "`id`", "line\nbreak", ""])('quotes %j so bash reads back exactly the value', (value) => {
    const out = execFileSync('bash', ['-c', `printf '%s' ${shq(value)}`], { encoding: 'utf8' });
    expect(out).toBe(value);
  });
});
