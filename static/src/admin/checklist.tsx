import { token } from '@atlaskit/tokens';
import type { AdminView } from '../../../src/contract/resolvers';
import { formatInstant } from '../shared/format';
import { Section } from '../shared/ui';
import { useViewerZone } from '../shared/viewer-zone';

/** The first-run checklist: what the site still needs before the app can work, as the server sees it. */
export function Checklist(props: { items: AdminView['checklist'] }) {
  const done = props.items.filter((c) => c.done).length;
  const zone = useViewerZone();
  return (
    <Section title={`First-run checklist: ${done} of ${props.items.length} done`} id="checklist-heading">
      <ul style={{ listStyle: 'none', padding: 0, margin: 0 }} data-testid="checklist">
        {props.items.map((c) => (
          // No wrapping row here: a long label wrapped below its mark on a narrow page (380 px).
          <li key={c.id} data-done={c.done} style={{ display: 'flex', alignItems: 'baseline', gap: token('space.100'), marginBlockEnd: token('space.050') }}>
            <span aria-hidden="true" data-testid="checklist-mark" style={{ color: c.done ? token('color.icon.success') : token('color.icon.subtle'), fontWeight: 'bold', width: '1.25rem', flex: 'none' }}>
              {c.done ? '✓' : '○'}
            </span>
            <span style={{ flex: 1, minWidth: 0 }}>
              {c.label}
              {c.verifiedAt && <span data-testid="checklist-verified">{` (test event arrived and verified ${formatInstant(c.verifiedAt, zone)}, ${zone})`}</span>}
              <span className="dv-visually-hidden">{c.done ? ' (done)' : ' (still to do)'}</span>
            </span>
          </li>
        ))}
      </ul>
    </Section>
  );
}
