import { token } from '@atlaskit/tokens';
import type { AdminView } from '../../../src/contract/resolvers';
import { row, Section } from '../shared/ui';

/** The first-run checklist: what the site still needs before the app can work, as the server sees it. */
export function Checklist(props: { items: AdminView['checklist'] }) {
  const done = props.items.filter((c) => c.done).length;
  return (
    <Section title={`First-run checklist: ${done} of ${props.items.length} done`} id="checklist-heading">
      <ul style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="checklist">
        {props.items.map((c) => (
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
  );
}
