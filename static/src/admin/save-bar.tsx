import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { whatToDo, type Failure } from '../shared/api';
import { settingLabel } from '../../../src/domain/setting-labels';
import type { FieldErrors } from './validation';

/** The page's foot: what stops the save, why a save failed, what it changed, and the Save button. */
export function SaveBar(props: { errors: FieldErrors; saveError: Failure | null; saved: string[] | null; saving: boolean; save: () => Promise<void> }) {
  const { errors, saveError, saved } = props;
  return (
    <div style={{ marginBlockStart: token('space.300'), borderBlockStart: `1px solid ${token('color.border')}`, paddingBlockStart: token('space.200') }}>
      {Object.keys(errors).length > 0 && (
        <div role="alert" data-testid="save-invalid" style={{ marginBlockEnd: token('space.150') }}>
          <SectionMessage appearance="error" title="Some values need fixing before saving">
            <ul>
              {Object.entries(errors).map(([k, v]) => (
                <li key={k}>
                  <strong>{settingLabel(k)}</strong>: {v}
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
            <p>{saved.length ? `Changed: ${saved.map(settingLabel).join(', ')}.` : 'These settings were already saved.'}</p>
          </SectionMessage>
        )}
      </div>
      <Button appearance="primary" onClick={() => void props.save()} isLoading={props.saving} testId="save">
        Save settings
      </Button>
    </div>
  );
}
