import { useCallback, useEffect, useMemo, useState } from 'react';
import Button from '@atlaskit/button/new';
import Checkbox from '@atlaskit/checkbox';
import Flag, { FlagGroup } from '@atlaskit/flag';
import Heading from '@atlaskit/heading';
import SectionMessage from '@atlaskit/section-message';
import Spinner from '@atlaskit/spinner';
import { token } from '@atlaskit/tokens';
import { HOURLY_USD } from '../../../src/contract/prices';
import { R, type AdminView, type ConnectionTestResult } from '../../../src/contract/resolvers';
import { FIELD_ROLE_LABELS, FIELD_ROLES, ON_CLOSE_ACTIONS, SCHEDULED_START_STOP_MODES, WRITE_BACK_ROLES, type ScheduledStartStopMode, type SettingsInput } from '../../../src/contract/settings';
import { OS_IDS, OS_LABELS, type OsId } from '../../../src/contract/vm-api';
import { call, whatToDo, type Failure, type Outcome } from '../shared/api';
import { DAY_NAMES, type DayName } from '../../../src/contract/schedule';
import { DAY_LABELS, daysFromSpec, specFromDays } from '../shared/days';
import { timeZones } from '../shared/format';
import { mutedText, row, Section } from '../shared/ui';
import { SelectRow, TextRow, ErrorText } from './controls';
import { IdentitySection } from './identity-section';
import { UnreadableSettings } from './unreadable-settings';
import { IdleSection } from './idle-section';
import type { Option } from './option';
import { CONNECTION_ADVICE, FIELD_HINTS, validate, type FieldErrors, type SecretDrafts } from './validation';

const NO_SECRETS: SecretDrafts = { accessKeyId: '', secretAccessKey: '', hmacSecret: '' };
const ON_CLOSE_LABELS: Record<(typeof ON_CLOSE_ACTIONS)[number], string> = {
  nothing: 'Do nothing (the VM keeps its schedule)',
  stop: 'Stop the VM (home and databases kept)',
  terminate: 'Terminate the VM (home and databases kept)',
};
const SCHEDULED_START_STOP_LABELS: Record<ScheduledStartStopMode, string> = {
  comment: 'Comment on the issue',
  silent: 'Update the panel only (no comment)',
};
const WRITE_BACK_LABELS: Record<(typeof WRITE_BACK_ROLES)[number], string> = { instanceId: 'Instance id', amiId: 'AMI id', privateIp: 'Private IP' };

/** The save result names what changed in the words of the page, not as setting paths. */
const CHANGE_LABELS: Record<string, string> = {
  apiUrl: 'API URL',
  region: 'Region',
  'statuses.provision': 'Provisioning statuses',
  'statuses.stop': 'Stopping statuses',
  'statuses.terminate': 'Terminating statuses',
  'statuses.provisioned': 'Status after the first run',
  onClose: 'When an issue is closed',
  'comments.scheduledStartStop': 'Daily scheduled starts and stops',
  'policy.allowedInstanceTypes': 'Allowed instance types',
  'policy.allowedOs': 'Allowed operating systems',
  'policy.defaultSchedule': 'Default schedule',
  'policy.idleDays': 'Idle days before termination',
  'idle.idleStopMinutes': 'Idle stop minutes',
  'idle.idleWarningDays': 'Idle warning days',
  'idle.cpuBusyPercent': 'CPU activity threshold',
  'idle.cpuBusyMinutes': 'CPU activity minutes',
  'idle.stopDeferStepMinutes': 'Busy stop deferral step',
  'idle.stopDeferMaxMinutes': 'Busy stop deferral maximum',
  'comments.deferredStop': 'Comment on deferred stops',
  'identity.developers': 'Developers and their Jira users and clients',
  'identity.knownClients': 'Known clients',
  'identity.allowNewClients': 'Allow new clients',
  'secrets.accessKeyId': 'Access key id',
  'secrets.secretAccessKey': 'Secret access key',
  'secrets.hmacSecret': 'Web trigger signing secret',
};
function changeLabel(path: string): string {
  const [head, role] = path.split('.');
  if (head === 'fields' && role && role in FIELD_ROLE_LABELS) return `${FIELD_ROLE_LABELS[role as keyof typeof FIELD_ROLE_LABELS]} field`;
  if (head === 'writeBack' && role && role in WRITE_BACK_LABELS) return `${WRITE_BACK_LABELS[role as keyof typeof WRITE_BACK_LABELS]} write-back field`;
  return CHANGE_LABELS[path] ?? path;
}

type Listed<T> = { status: 'loading' } | { status: 'ready'; items: T[] } | { status: 'failed'; error: Failure };
type StatusOpt = { id: string; name: string; category?: string | undefined };
type FieldOpt = { id: string; name: string; type?: string | undefined; custom: boolean };
interface FlagItem {
  id: string;
  title: string;
  description: string;
  appearance: 'error' | 'success';
}

type FirstLoad = {
  settings: Promise<Outcome<typeof R.adminGet>>;
  statuses: Promise<Outcome<typeof R.adminListStatuses>>;
  fields: Promise<Outcome<typeof R.adminListFields>>;
};
let firstLoad: FirstLoad | undefined;
const requestAll = (): FirstLoad => ({ settings: call(R.adminGet, {}), statuses: call(R.adminListStatuses, {}), fields: call(R.adminListFields, {}) });

/** Ask for the page's data as soon as the script has run, so the requests overlap React's first render. */
export function startFirstLoad(): void {
  firstLoad ??= requestAll();
}
function takeFirstLoad(): FirstLoad {
  const pending = firstLoad ?? requestAll();
  firstLoad = undefined;
  return pending;
}

export function AdminApp() {
  const [view, setView] = useState<AdminView | null>(null);
  const [loadError, setLoadError] = useState<Failure | null>(null);
  const [settings, setSettings] = useState<SettingsInput | null>(null);
  const [secrets, setSecrets] = useState<SecretDrafts>(NO_SECRETS);
  const [statuses, setStatuses] = useState<Listed<StatusOpt>>({ status: 'loading' });
  const [fields, setFields] = useState<Listed<FieldOpt>>({ status: 'loading' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string[] | null>(null);
  const [saveError, setSaveError] = useState<Failure | null>(null);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<ConnectionTestResult | null>(null);
  const [testError, setTestError] = useState<Failure | null>(null);
  const [flags, setFlags] = useState<FlagItem[]>([]);

  const flag = useCallback((f: Omit<FlagItem, 'id'>) => setFlags((prev) => [{ ...f, id: `${Date.now()}-${prev.length}` }, ...prev]), []);

  const load = useCallback(async () => {
    setLoadError(null);
    // The settings show as soon as they arrive; the status and field lists fill their selects
    // when they come (those stay disabled until then).
    const { settings: v, statuses: s, fields: f } = takeFirstLoad();
    void s.then((r) => setStatuses(r.ok ? { status: 'ready', items: r.data.statuses } : { status: 'failed', error: r.error }));
    void f.then((r) => setFields(r.ok ? { status: 'ready', items: r.data.fields } : { status: 'failed', error: r.error }));
    const r = await v;
    if (r.ok) {
      setView(r.data);
      setSettings(r.data.settings);
    } else setLoadError(r.error);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const update = (fn: (s: SettingsInput) => SettingsInput) => {
    setSaved(null);
    setSettings((s) => (s ? fn(s) : s));
  };

  const save = async () => {
    if (!settings) return;
    setSaved(null);
    setSaveError(null);
    const checked = validate(settings, secrets);
    if (!checked.ok) {
      setErrors(checked.errors);
      flag({ appearance: 'error', title: 'Not saved: some values need fixing', description: `${Object.keys(checked.errors).length} problem(s) are shown next to their fields.` });
      return;
    }
    setErrors({});
    setSaving(true);
    const r = await call(R.adminSave, { settings: checked.settings, secrets: checked.secrets });
    setSaving(false);
    if (!r.ok) {
      setSaveError(r.error);
      // The server lists `payload.path: words` per problem; the page shows each under its label, and
      // the first next to its input (the inputs use the settings path, without "settings.").
      const parts = r.error.message.split('; ').map((part) => /^([\w.]+): (.*)$/.exec(part));
      const path = r.error.field?.replace(/^settings\./, '');
      const first = parts[0]?.[2];
      if (path) setErrors({ [path]: first ?? r.error.message });
      const readable = parts.every(Boolean) ? parts.map((m) => `${changeLabel((m?.[1] ?? '').replace(/^settings\./, ''))}: ${m?.[2] ?? ''}`).join('; ') : r.error.message;
      flag({ appearance: 'error', title: 'Settings not saved', description: `${readable}. ${whatToDo(r.error)}` });
      return;
    }
    setView(r.data.view);
    setSettings(r.data.view.settings);
    setSecrets(NO_SECRETS);
    setSaved(r.data.changed);
    // Earlier "not saved" flags no longer apply.
    setFlags((prev) => prev.filter((f) => f.appearance !== 'error'));
  };

  const testConnection = async () => {
    setTesting(true);
    setTestResult(null);
    setTestError(null);
    const r = await call(R.adminTestConnection, {});
    setTesting(false);
    if (r.ok) setTestResult(r.data);
    else {
      setTestError(r.error);
      flag({ appearance: 'error', title: 'Connection test could not run', description: `${r.error.message} ${whatToDo(r.error)}` });
    }
  };

  const statusOptions: Option[] = useMemo(
    () => (statuses.status === 'ready' ? statuses.items.map((s) => ({ value: s.id, label: s.category ? `${s.name} — category: ${s.category}` : s.name })) : []),
    [statuses],
  );
  const fieldOptions: Option[] = useMemo(
    () => (fields.status === 'ready' ? fields.items.map((f) => ({ value: f.id, label: `${f.name} — ${f.type ?? 'unknown type'} (${f.id})` })) : []),
    [fields],
  );
  const fieldType = (id: string | undefined) => (fields.status === 'ready' && id ? fields.items.find((f) => f.id === id)?.type : undefined);

  const ready = loadError !== null || view !== null;
  useEffect(() => {
    // User Timing mark read by the first-render benchmark (scripts/bench/ui-bundles.ts).
    if (ready && performance.getEntriesByName('dev-vm:first-content').length === 0) performance.mark('dev-vm:first-content');
  }, [ready]);

  if (loadError) {
    return (
      <main style={{ padding: token('space.300') }}>
        <div role="alert" data-testid="load-failure">
          <SectionMessage appearance="error" title="Could not load the Dev VM settings">
            <p>{loadError.message}</p>
            <p>{whatToDo(loadError)}</p>
            <Button onClick={() => void load()}>Try again</Button>
          </SectionMessage>
        </div>
      </main>
    );
  }
  if (!view || !settings) {
    return (
      <main style={{ ...row, padding: token('space.300') }} role="status">
        <Spinner label="Loading settings" /> Loading settings…
      </main>
    );
  }

  const st = settings.statuses;
  const policy = settings.policy;
  const done = view.checklist.filter((c) => c.done).length;
  const e = (path: string) => errors[path];

  return (
    <main style={{ padding: token('space.300'), maxWidth: '60rem' }} data-testid="admin">
      <Heading size="large" as="h1">
        Dev VM settings
      </Heading>
      <UnreadableSettings unreadable={view.storedSettingsUnreadable} />

      <Section title={`First-run checklist: ${done} of ${view.checklist.length} done`} id="checklist-heading">
        <ul style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="checklist">
          {view.checklist.map((c) => (
            <li key={c.id} data-done={c.done} style={{ ...row, marginBlockEnd: token('space.050') }}>
              <span aria-hidden="true" style={{ color: c.done ? token('color.icon.success') : token('color.icon.subtle'), fontWeight: 'bold', width: '1.25rem' }}>
                {c.done ? '✓' : '○'}
              </span>
              <span>
                {c.label}
                <span className="dv-visually-hidden">{c.done ? ' (done)' : ' (still to do)'}</span>
              </span>
            </li>
          ))}
        </ul>
      </Section>

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
          label="Web trigger signing secret (HMAC)"
          type="password"
          autoComplete="new-password"
          value={secrets.hmacSecret}
          placeholder={view.secrets.hasHmacSecret ? '•••••••• saved' : ''}
          error={e('secrets.hmacSecret')}
          help={view.secrets.hasHmacSecret ? 'Saved, and never shown again. Leave empty to keep it.' : 'The value of the secret named by the stack output HmacSecretName; the app checks every lifecycle event with it.'}
          onChange={(v) => setSecrets((s) => ({ ...s, hmacSecret: v }))}
        />
        {view.webtriggerUrl && (
          <p style={mutedText}>
            Web trigger URL (give it to the stack): <code data-testid="webtrigger-url">{view.webtriggerUrl}</code>
          </p>
        )}
        <div style={row}>
          <Button onClick={() => void testConnection()} isLoading={testing} testId="test-connection">
            Test connection
          </Button>
          <span style={mutedText}>Tests the saved connection: save your changes first.</span>
        </div>
        <div aria-live="polite" style={{ marginBlockStart: token('space.150') }} data-testid="test-result">
          {testResult && (
            <SectionMessage appearance={testResult.ok ? 'success' : 'error'} title={testResult.ok ? 'Connected' : `Connection failed${testResult.reason ? ` (${testResult.reason})` : ''}`}>
              <p>
                {testResult.message}
                {/* The status once: the server's message may already name it. */}
                {testResult.status !== undefined && !testResult.message.includes(`HTTP ${testResult.status}`) && ` HTTP ${testResult.status}.`}
              </p>
              {!testResult.ok && <p>{(testResult.reason && CONNECTION_ADVICE[testResult.reason]) ?? 'Check the URL, region and keys, save, and test again.'}</p>}
            </SectionMessage>
          )}
          {testError && (
            <SectionMessage appearance="error" title="The test could not run">
              <p>{testError.message}</p>
              <p>{whatToDo(testError)}</p>
            </SectionMessage>
          )}
        </div>
      </Section>

      <Section title="Workflow" id="workflow-heading">
        {statuses.status === 'failed' && (
          <SectionMessage appearance="warning" title="Could not load this site’s statuses">
            <p>{statuses.error.message}</p>
            <p>{whatToDo(statuses.error)} The other settings can still be saved.</p>
          </SectionMessage>
        )}
        <SelectRow id="statuses-provision" label="Entering these statuses provisions a VM" multi options={statusOptions} value={st.provision ?? []} disabled={statuses.status !== 'ready'} error={e('statuses.provision')} onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, provision: v } }))} />
        <SelectRow id="statuses-stop" label="Entering these statuses stops the VM" multi options={statusOptions} value={st.stop ?? []} disabled={statuses.status !== 'ready'} error={e('statuses.stop')} onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, stop: v } }))} />
        <SelectRow id="statuses-terminate" label="Entering these statuses terminates the VM" multi options={statusOptions} value={st.terminate ?? []} disabled={statuses.status !== 'ready'} error={e('statuses.terminate')} onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, terminate: v } }))} />
        <SelectRow
          id="statuses-provisioned"
          label="Move the issue to this status when its VM first runs (optional)"
          options={statusOptions}
          value={st.provisioned ? [st.provisioned] : []}
          disabled={statuses.status !== 'ready'}
          onChange={(v) => update((s) => ({ ...s, statuses: { ...s.statuses, provisioned: v[0] } }))}
        />
        <SelectRow
          id="onClose"
          label="When an issue is closed (a “done” status not listed above)"
          options={ON_CLOSE_ACTIONS.map((a) => ({ value: a, label: ON_CLOSE_LABELS[a] }))}
          value={[settings.onClose ?? 'stop']}
          error={e('onClose')}
          onChange={(v) => update((s) => ({ ...s, onClose: (v[0] as SettingsInput['onClose']) ?? 'stop' }))}
        />
        <SelectRow
          id="comments-scheduledStartStop"
          label="Daily scheduled starts and stops"
          options={SCHEDULED_START_STOP_MODES.map((m) => ({ value: m, label: SCHEDULED_START_STOP_LABELS[m] }))}
          value={[settings.comments?.scheduledStartStop ?? 'comment']}
          error={e('comments.scheduledStartStop')}
          help="Comment on the issue, or update the panel only so watchers get no e-mail twice a day. The first start (with the connection details), failed starts, idle warnings and terminations always comment."
          onChange={(v) => update((s) => ({ ...s, comments: { ...s.comments, scheduledStartStop: (v[0] as ScheduledStartStopMode | undefined) ?? 'comment' } }))}
        />
      </Section>

      <Section title="Issue fields" id="fields-heading">
        <p style={{ ...mutedText, marginBlockStart: 0 }}>Which of this site’s fields hold each value of a VM request.</p>
        {fields.status === 'failed' && (
          <SectionMessage appearance="warning" title="Could not load this site’s fields">
            <p>{fields.error.message}</p>
            <p>{whatToDo(fields.error)} The other settings can still be saved.</p>
          </SectionMessage>
        )}
        {FIELD_ROLES.map((role) => {
          const chosen = settings.fields?.[role];
          const type = fieldType(chosen);
          const hint = FIELD_HINTS[role];
          const mismatch = chosen && type && hint && !hint.types.includes(type);
          return (
            <SelectRow
              key={role}
              id={`field-${role}`}
              label={FIELD_ROLE_LABELS[role]}
              options={fieldOptions}
              value={chosen ? [chosen] : []}
              disabled={fields.status !== 'ready'}
              error={e(`fields.${role}`)}
              help={
                <>
                  Expected: {hint?.hint}.{mismatch && <strong> The chosen field is of type “{type}”; check that its values fit.</strong>}
                </>
              }
              onChange={(v) => update((s) => ({ ...s, fields: { ...s.fields, [role]: v[0] } }))}
            />
          );
        })}
        <Heading size="xsmall" as="h3">
          Written back by the app (optional)
        </Heading>
        {WRITE_BACK_ROLES.map((role) => (
          <SelectRow
            key={role}
            id={`writeBack-${role}`}
            label={WRITE_BACK_LABELS[role]}
            options={fieldOptions}
            value={settings.writeBack?.[role] ? [settings.writeBack[role] as string] : []}
            disabled={fields.status !== 'ready'}
            help={`Expected: ${FIELD_HINTS[role]?.hint}.`}
            onChange={(v) => update((s) => ({ ...s, writeBack: { ...s.writeBack, [role]: v[0] } }))}
          />
        ))}
      </Section>

      <IdentitySection settings={settings} errors={errors} update={update} />

      <Section title="Policy" id="policy-heading">
        <SelectRow
          id="policy-instanceTypes"
          label="Allowed instance types"
          multi
          options={Object.keys(HOURLY_USD).map((t) => ({ value: t, label: `${t} ($${HOURLY_USD[t]?.toFixed(4)}/h)` }))}
          value={policy.allowedInstanceTypes}
          error={e('policy.allowedInstanceTypes')}
          onChange={(v) => update((s) => ({ ...s, policy: { ...s.policy, allowedInstanceTypes: v } }))}
        />
        <fieldset style={{ border: 0, padding: 0, margin: `0 0 ${token('space.200')}` }} aria-describedby={e('policy.allowedOs') ? 'policy-os-error' : undefined}>
          <legend style={{ padding: 0 }}>Allowed operating systems</legend>
          {OS_IDS.map((os) => (
            <Checkbox
              key={os}
              label={OS_LABELS[os]}
              name={`os-${os}`}
              isChecked={policy.allowedOs.includes(os)}
              onChange={(ev: React.ChangeEvent<HTMLInputElement>) =>
                update((s) => ({
                  ...s,
                  policy: { ...s.policy, allowedOs: ev.currentTarget.checked ? [...s.policy.allowedOs, os] : s.policy.allowedOs.filter((o: OsId) => o !== os) },
                }))
              }
            />
          ))}
          <ErrorText id="policy-os-error" error={e('policy.allowedOs')} />
        </fieldset>
        <DefaultSchedule settings={settings} errors={errors} update={update} />
        <TextRow
          id="idleDays"
          label="Terminate a VM after this many idle days"
          type="number"
          value={String(policy.idleDays)}
          error={e('policy.idleDays')}
          help="Between 3 and 365. Home directories and databases are kept."
          onChange={(v) => update((s) => ({ ...s, policy: { ...s.policy, idleDays: v === '' ? Number.NaN : Number(v) } }))}
        />
      </Section>

      <IdleSection settings={settings} errors={errors} update={update} />

      <div style={{ marginBlockStart: token('space.300'), borderBlockStart: `1px solid ${token('color.border')}`, paddingBlockStart: token('space.200') }}>
        {Object.keys(errors).length > 0 && (
          <div role="alert" data-testid="save-invalid" style={{ marginBlockEnd: token('space.150') }}>
            <SectionMessage appearance="error" title="Some values need fixing before saving">
              <ul>
                {Object.entries(errors).map(([k, v]) => (
                  <li key={k}>
                    <strong>{k}</strong>: {v}
                  </li>
                ))}
              </ul>
            </SectionMessage>
          </div>
        )}
        {saveError && (
          <div role="alert" data-testid="save-failure" style={{ marginBlockEnd: token('space.150') }}>
            <SectionMessage appearance="error" title="Settings not saved">
              <p>{saveError.message}</p>
              <p>{whatToDo(saveError)}</p>
            </SectionMessage>
          </div>
        )}
        <div role="status" data-testid="save-result" style={{ marginBlockEnd: token('space.150') }}>
          {saved && (
            <SectionMessage appearance="success" title={saved.length ? 'Saved' : 'Nothing to save'}>
              <p>{saved.length ? `Changed: ${saved.map(changeLabel).join(', ')}.` : 'These settings were already saved.'}</p>
            </SectionMessage>
          )}
        </div>
        <Button appearance="primary" onClick={() => void save()} isLoading={saving} testId="save">
          Save settings
        </Button>
      </div>

      <FlagGroup onDismissed={(id) => setFlags((prev) => prev.filter((f) => f.id !== id))} label="Dev VM settings messages">
        {flags.map((f) => (
          <Flag key={f.id} id={f.id} appearance={f.appearance} title={f.title} description={f.description} testId="flag" />
        ))}
      </FlagGroup>
    </main>
  );
}

function DefaultSchedule(props: { settings: SettingsInput; errors: FieldErrors; update: (fn: (s: SettingsInput) => SettingsInput) => void }) {
  const sched = props.settings.policy.defaultSchedule;
  const zones = useMemo(() => timeZones(sched.timezone), [sched.timezone]);
  const days = daysFromSpec(sched.days ?? 'MON-FRI');
  const set = (patch: Partial<typeof sched>) =>
    props.update((s) => ({ ...s, policy: { ...s.policy, defaultSchedule: { ...s.policy.defaultSchedule, ...patch } } }));
  const err = (k: string) => props.errors[`policy.defaultSchedule.${k}`];
  const toggle = (d: DayName) => {
    const next = new Set(days);
    if (next.has(d)) next.delete(d);
    else next.add(d);
    set({ days: specFromDays(next) });
  };
  return (
    <fieldset style={{ border: 0, padding: 0, margin: `0 0 ${token('space.200')}` }}>
      <legend style={{ padding: 0, marginBlockEnd: token('space.100') }}>Default schedule (when the issue has none)</legend>
      <div style={{ ...row, alignItems: 'flex-start' }}>
        <label style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
          Start
          <input type="time" value={sched.start ?? ''} aria-invalid={err('start') ? true : undefined} onChange={(ev) => set({ start: ev.target.value || undefined })} data-testid="default-start" />
        </label>
        <label style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
          Stop
          <input type="time" value={sched.stop ?? ''} aria-invalid={err('stop') ? true : undefined} onChange={(ev) => set({ stop: ev.target.value || undefined })} data-testid="default-stop" />
        </label>
        <label style={{ display: 'flex', flexDirection: 'column', gap: token('space.050') }}>
          Time zone
          <select value={sched.timezone} onChange={(ev) => set({ timezone: ev.target.value })}>
            {zones.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </select>
        </label>
      </div>
      <div style={{ ...row, marginBlockStart: token('space.100') }} role="group" aria-label="Default working days">
        {DAY_NAMES.map((d) => (
          <button
            key={d}
            type="button"
            aria-pressed={days.has(d)}
            onClick={() => toggle(d)}
            className={days.has(d) ? 'dv-btn dv-btn--primary' : 'dv-btn dv-btn--subtle'}
          >
            {DAY_LABELS[d]}
          </button>
        ))}
      </div>
      {(['start', 'stop', 'timezone', 'days'] as const).map((k) => (
        <ErrorText key={k} id={`default-${k}-error`} error={err(k) ? `${k}: ${err(k)}` : undefined} />
      ))}
    </fieldset>
  );
}
