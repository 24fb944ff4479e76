import type { CSSProperties, ReactNode } from 'react';
import Heading from '@atlaskit/heading';
import { token } from '@atlaskit/tokens';
import { whatToDo, type Failure } from './api';
import { Message } from './light-controls';

/** Small building blocks shared by both pages; colours and spacing come only from design tokens. */

/**
 * A titled section. `collapsible` sections (secondary content of the narrow issue panel) are a
 * native <details>, open at first, so a reader can fold them and keep the actions in view.
 */
export function Section(props: { title: string; id: string; children: ReactNode; level?: 'h2' | 'h3'; collapsible?: boolean }) {
  const heading = (
    <Heading size="small" as={props.level ?? 'h2'} id={props.id}>
      {props.title}
    </Heading>
  );
  const body = <div style={{ marginBlockStart: token('space.100') }}>{props.children}</div>;
  if (props.collapsible) {
    return (
      <section aria-labelledby={props.id} style={{ marginBlockStart: token('space.200') }}>
        <details open data-testid={`${props.id}-details`}>
          <summary style={{ cursor: 'pointer' }}>
            <span style={{ display: 'inline-block' }}>{heading}</span>
          </summary>
          {body}
        </details>
      </section>
    );
  }
  return (
    <section aria-labelledby={props.id} style={{ marginBlockStart: token('space.250') }}>
      {heading}
      {body}
    </section>
  );
}

export const mutedText: CSSProperties = { color: token('color.text.subtle') };

/** Label/value pairs as a description list. */
export function Facts(props: { rows: [string, ReactNode][]; testId?: string }) {
  return (
    <dl
      data-testid={props.testId}
      // The label column is capped, so a long label wraps instead of squeezing the values in the
      // narrow issue panel (380 px).
      style={{ display: 'grid', gridTemplateColumns: 'fit-content(45%) minmax(0, 1fr)', gap: `${token('space.050')} ${token('space.200')}`, margin: 0 }}
    >
      {props.rows.map(([label, value]) => (
        <div key={label} style={{ display: 'contents' }}>
          <dt style={mutedText}>{label}</dt>
          <dd style={{ margin: 0, overflowWrap: 'anywhere' }}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A failure as a section message: what went wrong (the backend's reason) and what to do about it. */
export function FailureMessage(props: { title: string; error: Failure; testId?: string; children?: ReactNode }) {
  return (
    <Message role="alert" testId={props.testId ?? 'failure'} tone={props.error.code === 'NOT_CONFIGURED' ? 'warning' : 'error'} title={props.title}>
      <p>{props.error.message}</p>
      <p>{whatToDo(props.error)}</p>
      {props.children}
    </Message>
  );
}

export const row: CSSProperties = { display: 'flex', flexWrap: 'wrap', gap: token('space.100'), alignItems: 'center' };
