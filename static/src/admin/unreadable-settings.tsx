import SectionMessage from '@atlaskit/section-message';
import type { AdminView } from '../../../src/contract/resolvers';

/**
 * The stored settings could not be read (saved by a newer version of the app, or damaged): the
 * app acts as if nothing were set up until they are saved again, and the form shows the defaults,
 * so the admin must know that saving replaces what is stored.
 */
export function UnreadableSettings(props: { unreadable: AdminView['storedSettingsUnreadable'] }) {
  if (!props.unreadable) return null;
  return (
    <div role="alert" data-testid="settings-unreadable">
      <SectionMessage appearance="error" title="The stored settings cannot be read">
        <p>Until they are saved again, the app acts as if it were not set up: no status change provisions, stops or terminates a VM. What could not be read:</p>
        <ul>
          {props.unreadable.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <p>The form below shows the defaults. Check every section, then save to replace the stored settings.</p>
      </SectionMessage>
    </div>
  );
}
