import Select from '@atlaskit/select';
import type { Option } from './option';

/** The Atlaskit Select behind SelectRow, in its own chunk (see controls.tsx). */
export default function SelectField(props: {
  inputId: string;
  multi: boolean;
  options: Option[];
  selected: Option[];
  disabled: boolean;
  placeholder: string;
  describedBy: string | undefined;
  onChange: (values: string[]) => void;
}) {
  return props.multi ? (
    <Select<Option, true>
      inputId={props.inputId}
      isMulti
      options={props.options}
      value={props.selected}
      isDisabled={props.disabled}
      placeholder={props.placeholder}
      aria-describedby={props.describedBy}
      onChange={(v: readonly Option[]) => props.onChange(v.map((o) => o.value))}
    />
  ) : (
    <Select<Option, false>
      inputId={props.inputId}
      isClearable
      options={props.options}
      value={props.selected[0] ?? null}
      isDisabled={props.disabled}
      placeholder={props.placeholder}
      aria-describedby={props.describedBy}
      onChange={(v: Option | null) => props.onChange(v ? [v.value] : [])}
    />
  );
}
