import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import Spinner from '@atlaskit/spinner';

/**
 * Native controls for the issue panel, styled with design tokens (see theme.ts, `.dv-btn`).
 * The panel must stay small (≤ 150 KB gzip of JS): Atlaskit's Button, Tooltip and Modal bring
 * app-provider, popper, top-layer and focus-lock with them, ~60 KB gzip for four buttons, so the
 * panel uses the platform's <button> and <dialog> with the same tokens instead. The admin page,
 * which has no such budget, uses the Atlaskit components.
 *
 * A disabled action stays focusable (aria-disabled, not `disabled`) so keyboard users can reach it
 * and hear why it is unavailable; the reason is its tooltip and its accessible description.
 */
export type ButtonAppearance = 'default' | 'primary' | 'danger' | 'subtle';

export function PanelButton(props: {
  children: ReactNode;
  onClick?: () => void;
  appearance?: ButtonAppearance;
  /** Why the action is unavailable; when set the button is disabled and explains itself. */
  disabledReason?: string | undefined;
  isLoading?: boolean;
  type?: 'button' | 'submit';
  testId?: string;
  autoFocus?: boolean;
}) {
  const reasonId = useId();
  const [tipOpen, setTipOpen] = useState(false);
  const disabled = !!props.disabledReason || !!props.isLoading;
  // The tip opens only when pointer or focus arrive at a button that is disabled then. A button
  // that becomes disabled under the pointer or focus (its own action just ran: Stop, Start,
  // Terminate) does not pop its reason open and leave it over the panel.
  const reason = props.disabledReason;
  useEffect(() => setTipOpen(false), [reason]);
  const openTip = () => setTipOpen(!!reason);
  const button = (
    <button
      type={props.type ?? 'button'}
      className={`dv-btn dv-btn--${props.appearance ?? 'default'}`}
      aria-disabled={disabled || undefined}
      aria-describedby={props.disabledReason ? reasonId : undefined}
      aria-busy={props.isLoading || undefined}
      data-testid={props.testId}
      autoFocus={props.autoFocus}
      onClick={(e) => {
        if (disabled) {
          e.preventDefault();
          return;
        }
        props.onClick?.();
      }}
    >
      {props.isLoading && <Spinner size="small" label="In progress" />}
      <span>{props.children}</span>
    </button>
  );
  // The same wrapper whether or not there is a reason: a button that becomes disabled (its action
  // under way, or done) keeps its DOM node, so keyboard focus stays on it instead of being lost.
  return (
    <span
      className="dv-tip-host"
      onMouseEnter={openTip}
      onMouseLeave={() => setTipOpen(false)}
      onFocus={openTip}
      onBlur={() => setTipOpen(false)}
      onKeyDown={(e) => e.key === 'Escape' && setTipOpen(false)}
    >
      {button}
      {props.disabledReason && (
        <span id={reasonId} role="tooltip" className={tipOpen ? 'dv-tip dv-tip--open' : 'dv-tip'} data-testid={props.testId ? `${props.testId}-reason` : undefined}>
          {props.disabledReason}
        </span>
      )}
    </span>
  );
}

/**
 * A modal confirmation on the platform's <dialog>: showModal() makes the rest of the page inert,
 * traps focus and closes on Escape; focus goes back to the opener when it closes.
 */
export function ConfirmDialog(props: { title: string; children: ReactNode; confirmLabel: string; onCancel: () => void; onConfirm: () => void; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    // React removes the dialog from the page rather than closing it, and a removed dialog does not
    // give focus back, so the opener is remembered and refocused here.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="dv-dialog"
      aria-labelledby={titleId}
      data-testid={props.testId}
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <h2 id={titleId} className="dv-dialog__title">
        {props.title}
      </h2>
      <div>{props.children}</div>
      <div className="dv-dialog__footer">
        <PanelButton appearance="subtle" onClick={props.onCancel} autoFocus testId={props.testId ? `${props.testId}-cancel` : undefined}>
          Cancel
        </PanelButton>
        <PanelButton appearance="danger" onClick={props.onConfirm} testId={props.testId ? `${props.testId}-confirm` : undefined}>
          {props.confirmLabel}
        </PanelButton>
      </div>
    </dialog>
  );
}

/**
 * Lozenge and section message in the Atlaskit look, from the same tokens. Measured on this build:
 * @atlaskit/lozenge adds 57 KB gzip and @atlaskit/section-message 76 KB to a React page (they pull
 * popup, motion, link, button and the feature-gate client), which alone would break the panel's budget.
 */
export type LozengeTone = 'default' | 'inprogress' | 'moved' | 'new' | 'removed' | 'success';

export function StatusLozenge(props: { tone: LozengeTone; children: ReactNode; testId?: string }) {
  return (
    <span className={`dv-lozenge dv-lozenge--${props.tone}`} data-testid={props.testId}>
      {props.children}
    </span>
  );
}

export type MessageTone = 'information' | 'warning' | 'error' | 'success';

export function Message(props: { tone: MessageTone; title: string; children: ReactNode; testId?: string; role?: 'alert' | 'status' }) {
  return (
    <div className={`dv-msg dv-msg--${props.tone}`} role={props.role} data-testid={props.testId}>
      <h3 className="dv-msg__title">
        <span aria-hidden="true" className="dv-msg__icon">
          {props.tone === 'error' ? '✕' : props.tone === 'warning' ? '!' : props.tone === 'success' ? '✓' : 'i'}
        </span>
        {props.title}
      </h3>
      <div className="dv-msg__body">{props.children}</div>
    </div>
  );
}
