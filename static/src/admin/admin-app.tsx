import { useEffect } from 'react';
import Button from '@atlaskit/button/new';
import Flag, { FlagGroup } from '@atlaskit/flag';
import Heading from '@atlaskit/heading';
import SectionMessage from '@atlaskit/section-message';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import { whatToDo } from '../shared/api';
import { row } from '../shared/ui';
import { Checklist } from './checklist';
import { ConnectionSection } from './connection-section';
import { FieldsSection } from './fields-section';
import { IdentitySection } from './identity-section';
import { IdleSection } from './idle-section';
import { PolicySection } from './policy-section';
import { SaveBar } from './save-bar';
import { UnreadableSettings } from './unreadable-settings';
import { useAdminSettings } from './use-admin-settings';
import { WorkflowSection } from './workflow-section';

/** The admin page: the state lives in useAdminSettings, each section renders its part of it. */
export function AdminApp() {
  const a = useAdminSettings();

  const ready = a.loadError !== null || a.view !== null;
  useEffect(() => {
    // User Timing mark read by the first-render benchmark (scripts/bench/ui-bundles.ts).
    if (ready && performance.getEntriesByName('dev-vm:first-content').length === 0) performance.mark('dev-vm:first-content');
  }, [ready]);

  if (a.loadError) {
    return (
      <main style={{ padding: token('space.300') }}>
        <div role="alert" data-testid="load-failure">
          <SectionMessage appearance="error" title="Could not load the Dev VM settings">
            <p>{a.loadError.message}</p>
            <p>{whatToDo(a.loadError)}</p>
            <Button onClick={() => void a.load()}>Try again</Button>
          </SectionMessage>
        </div>
      </main>
    );
  }
  if (!a.view || !a.settings) {
    return (
      <main style={{ ...row, padding: token('space.300') }} role="status">
        <Spinner label="Loading settings" /> Loading settings…
      </main>
    );
  }

  const section = { settings: a.settings, errors: a.errors, update: a.update };
  return (
    <main style={{ padding: token('space.300'), maxWidth: '60rem' }} data-testid="admin">
      <Heading size="large" as="h1">
        Dev VM settings
      </Heading>
      <UnreadableSettings unreadable={a.view.storedSettingsUnreadable} />
      <Checklist items={a.view.checklist} />
      <ConnectionSection {...section} view={a.view} secrets={a.secrets} setSecrets={a.setSecrets} flag={a.flag} onChecklist={a.showChecklist} />
      <WorkflowSection {...section} statuses={a.statusList} statusOptions={a.statusOptions} />
      <FieldsSection {...section} fields={a.fieldList} fieldOptions={a.fieldOptions} fieldType={a.fieldType} />
      <IdentitySection {...section} />
      <PolicySection {...section} />
      <IdleSection {...section} />
      <SaveBar errors={a.errors} saveError={a.saveError} saved={a.saved} saving={a.saving} save={a.save} />
      <FlagGroup onDismissed={a.dismissFlag} label="Dev VM settings messages">
        {a.flags.map((f) => (
          <Flag key={f.id} id={f.id} appearance={f.appearance} title={f.title} description={f.description} testId="flag" />
        ))}
      </FlagGroup>
    </main>
  );
}
