import { useState } from 'react';
import { token } from '@atlaskit/tokens';
import type { DbConnection, Vm } from '../../../src/contract/vm-api';
import { PanelButton } from '../shared/light-controls';
import { Facts, mutedText, row, Section } from '../shared/ui';

const ENGINE_LABEL: Record<DbConnection['engine'], string> = { postgres: 'PostgreSQL', mysql: 'MySQL' };

function dbLine(db: DbConnection): string {
  return db.engine === 'postgres'
    ? `psql "host=${db.host} port=${db.port} dbname=${db.database} user=${db.user}"`
    : `mysql --host=${db.host} --port=${db.port} --user=${db.user} -p ${db.database}`;
}

const codeBlock = {
  display: 'block',
  padding: token('space.100'),
  background: token('color.background.neutral'),
  borderRadius: token('radius.small'),
  overflowWrap: 'anywhere' as const,
  whiteSpace: 'pre-wrap' as const,
};

/** How to reach the VM: SSM Session Manager (no SSH, no public IP) and the client's databases. Never a password. */
export function ConnectSection(props: { vm: Vm }) {
  const { connection } = props.vm;
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');

  const copyCommand = async () => {
    try {
      await navigator.clipboard.writeText(connection.ssmCommand);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };

  return (
    <Section title="Connect" id="connect-heading" collapsible>
      {props.vm.state !== 'running' && (
        <p style={{ ...mutedText, marginBlockStart: 0 }}>The command works once the VM is running.</p>
      )}
      <p style={{ marginBlock: `0 ${token('space.050')}` }} id="ssm-label">
        Open a shell with AWS Systems Manager Session Manager:
      </p>
      <code style={codeBlock} data-testid="ssm-command" aria-labelledby="ssm-label">
        {connection.ssmCommand}
      </code>
      <div style={{ ...row, marginBlockStart: token('space.100') }}>
        <PanelButton onClick={() => void copyCommand()} testId="copy-ssm">
          Copy command
        </PanelButton>
        <span role="status" data-testid="copy-status">
          {copy === 'copied' && 'Copied to the clipboard.'}
          {copy === 'failed' && 'Could not copy: select the command and press Ctrl+C (⌘C on a Mac).'}
        </span>
      </div>
      <div style={{ marginBlockStart: token('space.150') }}>
        <Facts
          rows={[
            ['Home directory', <code key="home">{connection.homePath}</code>],
            ['Region', connection.region],
            ...(connection.privateIp ? ([['Private IP', <code key="ip">{connection.privateIp}</code>]] as [string, JSX.Element][]) : []),
          ]}
        />
      </div>
      {connection.databases.length > 0 && (
        <ul style={{ listStyle: 'none', padding: 0, margin: `${token('space.150')} 0 0` }} data-testid="db-lines">
          {connection.databases.map((db) => (
            <li key={db.engine + db.database} style={{ marginBlockEnd: token('space.150') }}>
              <strong>{ENGINE_LABEL[db.engine]}</strong> — database <code>{db.database}</code> on {db.host}:{db.port}, user{' '}
              <code>{db.user}</code>
              <code style={{ ...codeBlock, marginBlockStart: token('space.050') }}>{dbLine(db)}</code>
              <span style={mutedText}>
                Password: in AWS Secrets Manager, secret <code>{db.secretName}</code>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
