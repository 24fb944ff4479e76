import { lazy, Suspense, type ReactNode } from 'react';
import Textfield from '@atlaskit/textfield';
import { token } from '@atlaskit/tokens';
import { mutedText } from '../shared/ui';
import type { Option } from './option';

/** Labelled inputs of the admin page: a visible label, help text and the inline error, all wired by id. */

const fieldBox = { display: 'flex', flexDirection: 'column' as const, gap: token('space.050'), marginBlockEnd: token('space.200'), maxWidth: '36rem' };

export function ErrorText(props: { id: string; error: string | undefined }) {
  if (!props.error) return null;
  return (
    <p id={props.id} style={{ color: token('color.text.danger'), margin: 0 }} data-testid="field-error">
      {props.error}
    </p>
  );
}

/** The help line and the error under a control; their ids are what describedBy() points at. */
function HelpAndError(props: { id: string; help: ReactNode; error: string | undefined }) {
  return (
    <>
      {props.help && (
        <span id={`${props.id}-help`} style={mutedText}>
          {props.help}
        </span>
      )}
      <ErrorText id={`${props.id}-error`} error={props.error} />
    </>
  );
}

function describedBy(id: string, help: ReactNode, error: string | undefined): string | undefined {
  const ids = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

export function TextRow(props: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  help?: ReactNode;
  type?: 'text' | 'password' | 'number' | 'url';
  placeholder?: string;
  autoComplete?: string;
}) {
  return (
    <div style={fieldBox}>
      <label htmlFor={props.id}>{props.label}</label>
      <Textfield
        id={props.id}
        name={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        isInvalid={!!props.error}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={describedBy(props.id, props.help, props.error)}
        onChange={(e: React.FormEvent<HTMLInputElement>) => props.onChange(e.currentTarget.value)}
        testId={props.id}
      />
      <HelpAndError id={props.id} help={props.help} error={props.error} />
    </div>
  );
}

/**
 * Atlaskit's Select (react-select, popper) is the heaviest part of the page; it is loaded after the
 * first render, and the rows show a disabled field of the same size until it arrives.
 */
const SelectField = lazy(() => import('./select-field'));

export function SelectRow(props: {
  id: string;
  label: string;
  options: Option[];
  value: string[];
  onChange: (v: string[]) => void;
  multi?: boolean;
  error?: string | undefined;
  help?: ReactNode;
  placeholder?: string;
  disabled?: boolean;
}) {
  const selected = props.value.map((v) => props.options.find((o) => o.value === v) ?? { label: `${v} (not found on this site)`, value: v });
  const describedById = describedBy(props.id, props.help, props.error);
  return (
    <div style={fieldBox} data-testid={`${props.id}-row`}>
      <label htmlFor={`${props.id}-input`} id={`${props.id}-label`}>
        {props.label}
      </label>
      <Suspense fallback={<input id={`${props.id}-input`} disabled value={selected.map((o) => o.label).join(', ')} readOnly style={{ minHeight: '40px' }} />}>
        <SelectField
          inputId={`${props.id}-input`}
          multi={!!props.multi}
          options={props.options}
          selected={selected}
          disabled={!!props.disabled}
          placeholder={props.placeholder ?? 'Choose…'}
          describedBy={describedById}
          onChange={props.onChange}
        />
      </Suspense>
      <HelpAndError id={props.id} help={props.help} error={props.error} />
    </div>
  );
}
