import { useState } from 'react';
import Button from '@atlaskit/button/new';
import Checkbox from '@atlaskit/checkbox';
import { token } from '@atlaskit/tokens';
import { R, type JiraUserOption } from '../../../src/contract/resolvers';
import { DEFAULT_IDENTITY, type IdentityEntry, type SettingsInput } from '../../../src/contract/settings';
import { call, whatToDo } from '../shared/api';
import { mutedText, Section } from '../shared/ui';
import { ErrorText, TextRow } from './controls';
import type { SectionProps } from './section-props';

/**
 * The identity map: which Jira user each developer name belongs to and which clients that
 * developer may get databases of, plus the known clients and the "allow new clients" switch.
 * People are picked with Jira's own user search (resolver admin.searchUsers), never typed as ids.
 */

type Identity = NonNullable<SettingsInput['identity']>;

/** "any", or a comma-separated list, as the admin types it. */
export function parseClients(text: string): IdentityEntry['clients'] {
  const t = text.trim();
  if (t.toLowerCase() === 'any') return 'any';
  return t
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
}
const clientsText = (c: IdentityEntry['clients'] | undefined): string => (c === undefined ? '' : c === 'any' ? 'any' : c.join(', '));

export function IdentitySection(props: SectionProps) {
  const identity: Identity = props.settings.identity ?? DEFAULT_IDENTITY;
  const developers = identity.developers ?? [];
  // Text as typed (a trailing comma must survive a keystroke); the parsed value goes to the settings.
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<JiraUserOption[] | null>(null);
  const [searchError, setSearchError] = useState<string | undefined>(undefined);
  const [searching, setSearching] = useState(false);
  const e = (path: string) => props.errors[path];

  const setIdentity = (fn: (i: Identity) => Identity) => props.update((s) => ({ ...s, identity: fn(s.identity ?? DEFAULT_IDENTITY) }));
  const setRow = (index: number, patch: Partial<IdentityEntry>) =>
    setIdentity((i) => ({ ...i, developers: (i.developers ?? []).map((d, n) => (n === index ? { ...d, ...patch } : d)) }));

  const search = async () => {
    setSearching(true);
    setSearchError(undefined);
    const r = await call(R.adminSearchUsers, { query });
    setSearching(false);
    if (r.ok) setResults(r.data.users);
    else {
      setResults(null);
      setSearchError(`${r.error.message} ${whatToDo(r.error)}`);
    }
  };

  const add = (user: JiraUserOption) => {
    setIdentity((i) => ({ ...i, developers: [...(i.developers ?? []), { developer: '', accountId: user.accountId, displayName: user.displayName, clients: [] }] }));
    setResults(null);
    setQuery('');
  };

  return (
    <Section title="Developers and clients" id="identity-heading">
      <p style={{ ...mutedText, marginBlockStart: 0 }}>
        A request is accepted only for a developer mapped here to the issue’s assignee or reporter (a Jira administrator may provision for any mapped developer from
        the panel), and only for a client that developer is allowed. One developer name per Jira user.
      </p>
      {/* Scrolls sideways on its own on a narrow viewport instead of widening the page (positioned, so the visually hidden header is clipped with it). */}
      <div data-testid="identity-table-scroll" style={{ overflowX: 'auto', maxWidth: '100%', position: 'relative' }}>
      <table data-testid="identity-table" style={{ borderCollapse: 'collapse', marginBlockEnd: token('space.200') }}>
        <caption style={{ textAlign: 'start', ...mutedText }}>{developers.length ? `${developers.length} developer(s) mapped` : 'No developer mapped yet: every request is refused.'}</caption>
        <thead>
          <tr>
            <th scope="col" style={{ textAlign: 'start' }}>
              Jira user
            </th>
            <th scope="col" style={{ textAlign: 'start' }}>
              Developer name
            </th>
            <th scope="col" style={{ textAlign: 'start' }}>
              Allowed clients (“any” or a list)
            </th>
            <th scope="col">
              <span style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clipPath: 'inset(50%)' }}>Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {developers.map((d, i) => (
            <tr key={`${d.accountId}-${i}`} data-testid="identity-row">
              <td style={{ paddingInlineEnd: token('space.100') }}>
                {d.displayName ?? d.accountId}
                <ErrorText id={`identity-${i}-account-error`} error={e(`identity.developers.${i}.accountId`)} />
              </td>
              <td style={{ paddingInlineEnd: token('space.100') }}>
                <TextRow
                  id={`identity-${i}-developer`}
                  label={`Developer name of ${d.displayName ?? d.accountId}`}
                  value={d.developer ?? ''}
                  error={e(`identity.developers.${i}.developer`)}
                  onChange={(v) => setRow(i, { developer: v.trim() })}
                />
              </td>
              <td style={{ paddingInlineEnd: token('space.100') }}>
                <TextRow
                  id={`identity-${i}-clients`}
                  label={`Allowed clients of ${d.displayName ?? d.accountId}`}
                  value={drafts[`row-${i}`] ?? clientsText(d.clients)}
                  error={e(`identity.developers.${i}.clients`) ?? Object.entries(props.errors).find(([k]) => k.startsWith(`identity.developers.${i}.clients.`))?.[1]}
                  onChange={(v) => {
                    setDrafts((x) => ({ ...x, [`row-${i}`]: v }));
                    setRow(i, { clients: parseClients(v) });
                  }}
                />
              </td>
              <td>
                <Button
                  appearance="subtle"
                  onClick={() => {
                    setDrafts({});
                    setIdentity((x) => ({ ...x, developers: (x.developers ?? []).filter((_, n) => n !== i) }));
                  }}
                >
                  {`Remove ${d.displayName ?? d.accountId}`}
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      <div style={{ display: 'flex', gap: token('space.100'), alignItems: 'flex-end' }}>
        <TextRow id="identity-search" label="Add a developer: find a Jira user by name" value={query} onChange={setQuery} error={searchError} />
        <div style={{ marginBlockEnd: token('space.200') }}>
          <Button onClick={() => void search()} isDisabled={query.trim() === '' || searching} testId="identity-search-button">
            {searching ? 'Searching…' : 'Search'}
          </Button>
        </div>
      </div>
      {results && (
        <ul data-testid="identity-results" style={{ marginBlockStart: 0 }} aria-label="Jira users found">
          {results.length === 0 && <li style={mutedText}>Nobody found.</li>}
          {results.map((u) => (
            <li key={u.accountId}>
              <Button appearance="subtle" onClick={() => add(u)} isDisabled={developers.some((d) => d.accountId === u.accountId)}>
                {`Add ${u.displayName}`}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <TextRow
        id="identity-knownClients"
        label="Known clients"
        value={drafts.known ?? (identity.knownClients ?? []).join(', ')}
        help="Comma-separated. A request for any other client is refused, so a typo cannot create a database (clients the app already provisioned stay known)."
        error={e('identity.knownClients') ?? Object.entries(props.errors).find(([k]) => k.startsWith('identity.knownClients.'))?.[1]}
        onChange={(v) => {
          setDrafts((x) => ({ ...x, known: v }));
          const list = parseClients(v);
          setIdentity((i) => ({ ...i, knownClients: list === 'any' ? [] : list }));
        }}
      />
      <Checkbox
        name="identity-allowNewClients"
        label="Allow requests to create databases for new clients"
        isChecked={identity.allowNewClients ?? false}
        onChange={(ev: React.ChangeEvent<HTMLInputElement>) => {
          const checked = ev.currentTarget.checked;
          setIdentity((i) => ({ ...i, allowNewClients: checked }));
        }}
      />
    </Section>
  );
}
