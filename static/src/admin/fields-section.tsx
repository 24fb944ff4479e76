import Heading from '@atlaskit/heading';
import SectionMessage from '@atlaskit/section-message';
import { FIELD_ROLE_LABELS, FIELD_ROLES, WRITE_BACK_ROLES } from '../../../src/contract/settings';
import { whatToDo } from '../shared/api';
import { mutedText, Section } from '../shared/ui';
import { SelectRow } from './controls';
import { WRITE_BACK_LABELS } from '../../../src/domain/setting-labels';
import type { Option } from './option';
import type { SectionProps } from './section-props';
import type { ListState } from './use-admin-settings';
import { FIELD_HINTS } from './validation';

/** Which of the site's fields hold each value of a VM request, and which the app writes back. */
export function FieldsSection(props: SectionProps & { fields: ListState; fieldOptions: Option[]; fieldType: (id: string | undefined) => string | undefined }) {
  const { settings, update, fields, fieldOptions, fieldType } = props;
  const e = (path: string) => props.errors[path];
  return (
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
  );
}
