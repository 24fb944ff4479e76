import { view } from '@forge/bridge';
import { token } from '@atlaskit/tokens';

/**
 * Jira applies its light or dark theme to a Custom UI iframe once the app opts in with
 * view.theme.enable(): the host then sets the colour mode and the design-token CSS, so every
 * token() below follows the viewer's theme. No colour is hard-coded anywhere in static/.
 */
export async function enableTheme(): Promise<void> {
  try {
    await view.theme.enable();
  } catch {
    // Outside Jira's iframe (or an old host) the page keeps the tokens' light defaults.
  }
}

/** Base styles for native elements the pages use (inputs, selects, focus ring), all from tokens. */
export function installBaseStyles(): void {
  const css = `
html, body { margin: 0; padding: 0; background: ${token('elevation.surface')}; color: ${token('color.text')};
  font: ${token('font.body')}; font-family: ${token('font.family.body')}; }
html[data-color-mode="dark"] { color-scheme: dark; }
html[data-color-mode="light"] { color-scheme: light; }
*:focus-visible { outline: 2px solid ${token('color.border.focused')}; outline-offset: 2px; }
input, select, textarea { font: inherit; color: ${token('color.text')}; background: ${token('color.background.input')};
  border: 1px solid ${token('color.border.input')}; border-radius: ${token('radius.small')};
  padding: ${token('space.050')} ${token('space.100')}; min-height: 32px; box-sizing: border-box; }
input:hover, select:hover { background: ${token('color.background.input.hovered')}; }
input[aria-invalid="true"], select[aria-invalid="true"] { border-color: ${token('color.border.danger')}; }
input:disabled, select:disabled { color: ${token('color.text.disabled')}; background: ${token('color.background.disabled')}; }
code, pre { font-family: ${token('font.family.code')}; }
.dv-btn { display: inline-flex; align-items: center; gap: ${token('space.075')}; min-height: 32px; padding: 0 ${token('space.150')};
  border: 0; border-radius: ${token('radius.small')}; font: ${token('font.body')}; font-weight: ${token('font.weight.medium')}; cursor: pointer;
  background: ${token('color.background.neutral')}; color: ${token('color.text')}; }
.dv-btn:hover { background: ${token('color.background.neutral.hovered')}; }
.dv-btn:active { background: ${token('color.background.neutral.pressed')}; }
.dv-btn--primary { background: ${token('color.background.brand.bold')}; color: ${token('color.text.inverse')}; }
.dv-btn--primary:hover { background: ${token('color.background.brand.bold.hovered')}; }
.dv-btn--primary:active { background: ${token('color.background.brand.bold.pressed')}; }
.dv-btn--danger { background: ${token('color.background.danger.bold')}; color: ${token('color.text.inverse')}; }
.dv-btn--danger:hover { background: ${token('color.background.danger.bold.hovered')}; }
.dv-btn--danger:active { background: ${token('color.background.danger.bold.pressed')}; }
.dv-btn--subtle { background: ${token('color.background.neutral.subtle')}; }
.dv-btn--subtle:hover { background: ${token('color.background.neutral.subtle.hovered')}; }
.dv-btn[aria-disabled="true"], .dv-btn[aria-disabled="true"]:hover { background: ${token('color.background.disabled')}; color: ${token('color.text.disabled')}; cursor: not-allowed; }
.dv-tip-host { position: relative; display: inline-block; }
.dv-tip { display: none; position: absolute; bottom: calc(100% + 6px); left: 0; z-index: 10; width: max-content; max-width: 16rem;
  padding: ${token('space.025')} ${token('space.075')}; border-radius: ${token('radius.small')};
  background: ${token('color.background.neutral.bold')}; color: ${token('color.text.inverse')}; font: ${token('font.body.small')}; }
.dv-tip--open { display: block; }
.dv-dialog { border: 0; border-radius: ${token('radius.large')}; padding: ${token('space.300')}; max-width: min(32rem, calc(100vw - 2rem));
  background: ${token('elevation.surface.overlay')}; color: ${token('color.text')}; box-shadow: ${token('elevation.shadow.overlay')}; }
.dv-dialog::backdrop { background: ${token('color.blanket')}; }
.dv-dialog__title { margin: 0 0 ${token('space.200')}; font: ${token('font.heading.medium')}; color: ${token('color.text.danger')}; }
.dv-dialog__footer { display: flex; justify-content: flex-end; gap: ${token('space.100')}; margin-top: ${token('space.300')}; }
.dv-lozenge { display: inline-block; padding: 0 ${token('space.050')}; border-radius: ${token('radius.xsmall')};
  font: ${token('font.body.small')}; font-weight: ${token('font.weight.bold')}; text-transform: uppercase; line-height: 16px; }
.dv-lozenge--default { background: ${token('color.background.neutral.bold')}; color: ${token('color.text.inverse')}; }
.dv-lozenge--inprogress { background: ${token('color.background.information.bold')}; color: ${token('color.text.inverse')}; }
.dv-lozenge--moved { background: ${token('color.background.warning.bold')}; color: ${token('color.text.warning.inverse')}; }
.dv-lozenge--new { background: ${token('color.background.discovery.bold')}; color: ${token('color.text.inverse')}; }
.dv-lozenge--removed { background: ${token('color.background.danger.bold')}; color: ${token('color.text.inverse')}; }
.dv-lozenge--success { background: ${token('color.background.success.bold')}; color: ${token('color.text.inverse')}; }
.dv-msg { padding: ${token('space.200')}; border-radius: ${token('radius.small')}; }
.dv-msg--information { background: ${token('color.background.information')}; }
.dv-msg--warning { background: ${token('color.background.warning')}; }
.dv-msg--error { background: ${token('color.background.danger')}; }
.dv-msg--success { background: ${token('color.background.success')}; }
.dv-msg__title { display: flex; align-items: center; gap: ${token('space.100')}; margin: 0 0 ${token('space.100')}; font: ${token('font.heading.xsmall')}; color: ${token('color.text')}; }
.dv-msg__icon { display: inline-flex; align-items: center; justify-content: center; width: 16px; height: 16px; border-radius: 50%;
  font-size: 11px; font-weight: ${token('font.weight.bold')}; color: ${token('color.text.inverse')}; }
.dv-msg--information .dv-msg__icon { background: ${token('color.icon.information')}; }
.dv-msg--warning .dv-msg__icon { background: ${token('color.icon.warning')}; color: ${token('color.text.warning.inverse')}; }
.dv-msg--error .dv-msg__icon { background: ${token('color.icon.danger')}; }
.dv-msg--success .dv-msg__icon { background: ${token('color.icon.success')}; }
.dv-msg__body { margin-inline-start: ${token('space.300')}; }
.dv-msg__body p, .dv-msg__body ul { margin: 0 0 ${token('space.100')}; }
.dv-msg__body > :last-child { margin-bottom: 0; }
.dv-visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
  const style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);
}
