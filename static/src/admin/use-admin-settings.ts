import { useCallback, useEffect, useMemo, useState } from 'react';
import { R, type AdminView } from '../../../src/contract/resolvers';
import type { SettingsInput } from '../../../src/contract/settings';
import { call, whatToDo, type Failure, type Outcome } from '../shared/api';
import type { Option } from './option';
import { validate, type FieldErrors, type SecretDrafts } from './validation';

/**
 * The admin page's state: the settings loaded once (with the site's statuses and fields for the
 * selects), the draft the sections edit, validation before saving, the save itself and the flags
 * it raises. The sections only render it.
 */

export const NO_SECRETS: SecretDrafts = { accessKeyId: '', secretAccessKey: '', hmacSecret: '' };

type Listed<T> = { status: 'loading' } | { status: 'ready'; items: T[] } | { status: 'failed'; error: Failure };
type StatusOpt = { id: string; name: string; category?: string | undefined };
type FieldOpt = { id: string; name: string; type?: string | undefined; custom: boolean };
export type ListState = { status: 'loading' } | { status: 'ready' } | { status: 'failed'; error: Failure };

export interface FlagItem {
  id: string;
  title: string;
  description: string;
  appearance: 'error' | 'success';
}
export type RaiseFlag = (f: Omit<FlagItem, 'id'>) => void;

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

export function useAdminSettings() {
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
  const [flags, setFlags] = useState<FlagItem[]>([]);

  const flag: RaiseFlag = useCallback((f) => setFlags((prev) => [{ ...f, id: `${Date.now()}-${prev.length}` }, ...prev]), []);
  const dismissFlag = useCallback((id: string | number) => setFlags((prev) => prev.filter((f) => f.id !== id)), []);

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

  /** A connection test's answer carries the checklist as it now stands. */
  const showChecklist = useCallback((checklist: AdminView['checklist']) => setView((v) => (v ? { ...v, checklist } : v)), []);

  const update = useCallback((fn: (s: SettingsInput) => SettingsInput) => {
    setSaved(null);
    setSettings((s) => (s ? fn(s) : s));
  }, []);

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
      // The server names every problem with its setting (the inputs' names) and its label; each is
      // shown next to its input, and the message already reads "Idle days: at least 3; …".
      const problems = r.error.problems ?? [];
      if (problems.length > 0) setErrors(Object.fromEntries(problems.map((p) => [p.field, p.message])));
      else if (r.error.field) setErrors({ [r.error.field.replace(/^settings\./, '')]: r.error.message });
      flag({ appearance: 'error', title: 'Settings not saved', description: `${r.error.message}. ${whatToDo(r.error)}` });
      return;
    }
    setView(r.data.view);
    setSettings(r.data.view.settings);
    setSecrets(NO_SECRETS);
    setSaved(r.data.changed);
    // Earlier "not saved" flags no longer apply.
    setFlags((prev) => prev.filter((f) => f.appearance !== 'error'));
  };

  const statusOptions: Option[] = useMemo(
    () => (statuses.status === 'ready' ? statuses.items.map((s) => ({ value: s.id, label: s.category ? `${s.name} — category: ${s.category}` : s.name })) : []),
    [statuses],
  );
  const fieldOptions: Option[] = useMemo(
    () => (fields.status === 'ready' ? fields.items.map((f) => ({ value: f.id, label: `${f.name} — ${f.type ?? 'unknown type'} (${f.id})` })) : []),
    [fields],
  );
  const fieldType = useCallback((id: string | undefined) => (fields.status === 'ready' && id ? fields.items.find((f) => f.id === id)?.type : undefined), [fields]);
  const listState = (l: Listed<unknown>): ListState => (l.status === 'failed' ? { status: 'failed', error: l.error } : { status: l.status });

  return {
    view,
    showChecklist,
    loadError,
    load,
    settings,
    update,
    secrets,
    setSecrets,
    errors,
    statusList: listState(statuses),
    statusOptions,
    fieldList: listState(fields),
    fieldOptions,
    fieldType,
    save,
    saving,
    saved,
    saveError,
    flags,
    flag,
    dismissFlag,
  };
}
