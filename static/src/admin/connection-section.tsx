import type { Dispatch, SetStateAction } from 'react';
import type { AdminView } from '../../../src/contract/resolvers';
import { mutedText, Section } from '../shared/ui';
import { ConnectionTest } from './connection-test';
import { TextRow } from './controls';
import type { SectionProps } from './section-props';
import type { RaiseFlag } from './use-admin-settings';
import type { SecretDrafts } from './validation';

/** The AWS stack's address and the app's keys (secrets are write-only), then the connection test. */
export function ConnectionSection(props: SectionProps & { view: AdminView; secrets: SecretDrafts; setSecrets: Dispatch<SetStateAction<SecretDrafts>>; flag: RaiseFlag; onChecklist: (items: AdminView['checklist']) => void }) {
  const { settings, view, secrets, setSecrets, update } = props;
  const e = (path: string) => props.errors[path];
  return (
    <Section title="Connection to the AWS stack" id="connection-heading">
      <TextRow id="apiUrl" label="API URL" value={settings.apiUrl ?? ''} placeholder="https://abc123.lambda-url.eu-west-1.on.aws/" error={e('apiUrl')} help="The ApiUrl output of the deployed stack." onChange={(v) => update((s) => ({ ...s, apiUrl: v || undefined }))} />
      <TextRow id="region" label="Region" value={settings.region ?? ''} placeholder="eu-west-1" error={e('region')} onChange={(v) => update((s) => ({ ...s, region: v || undefined }))} />
      <TextRow
        id="accessKeyId"
        label="Access key id"
        value={secrets.accessKeyId}
        placeholder={view.secrets.accessKeyIdMasked ? `Saved: ${view.secrets.accessKeyIdMasked}` : 'AKIA…'}
        error={e('secrets.accessKeyId')}
        help={view.secrets.accessKeyIdMasked ? `Saved as ${view.secrets.accessKeyIdMasked}. Leave empty to keep it.` : 'Of the app user the stack created (ForgeAppUser).'}
        onChange={(v) => setSecrets((s) => ({ ...s, accessKeyId: v }))}
      />
      <TextRow
        id="secretAccessKey"
        label="Secret access key"
        type="password"
        autoComplete="new-password"
        value={secrets.secretAccessKey}
        placeholder={view.secrets.hasSecretAccessKey ? '•••••••• saved' : ''}
        error={e('secrets.secretAccessKey')}
        help={view.secrets.hasSecretAccessKey ? 'Saved, and never shown again. Leave empty to keep it.' : 'Write-only: stored as a Forge secret, never shown again.'}
        onChange={(v) => setSecrets((s) => ({ ...s, secretAccessKey: v }))}
      />
      <TextRow
        id="hmacSecret"
        label="Lifecycle events signing secret"
        type="password"
        autoComplete="new-password"
        value={secrets.hmacSecret}
        placeholder={view.secrets.hasHmacSecret ? '•••••••• saved' : ''}
        error={e('secrets.hmacSecret')}
        help={view.secrets.hasHmacSecret ? 'Saved, and never shown again. Leave empty to keep it.' : 'The value of the secret named by the stack output HmacSecretName (HMAC-SHA256); the app checks every lifecycle event with it.'}
        onChange={(v) => setSecrets((s) => ({ ...s, hmacSecret: v }))}
      />
      {view.webtriggerUrl && (
        <p style={mutedText}>
          Lifecycle events URL (give it to the stack as webtriggerUrl): <code data-testid="webtrigger-url">{view.webtriggerUrl}</code>
        </p>
      )}
      <ConnectionTest flag={props.flag} onChecklist={props.onChecklist} />
    </Section>
  );
}
