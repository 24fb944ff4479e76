import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { view } from '@forge/bridge';
import { token } from '@atlaskit/tokens';
import { enableTheme, installBaseStyles } from '../shared/theme';
import { FleetApp } from './fleet-app';
import { FleetGadget } from './gadget';
import { startFirstLoad } from './use-fleet';

/** Table styles of this page only (tokens, so the dark theme follows). */
function installTableStyles(): void {
  const style = document.createElement('style');
  style.textContent = `
.dv-table { border-collapse: collapse; font: ${token('font.body.small')}; }
.dv-table th, .dv-table td { padding: ${token('space.050')} ${token('space.100')}; border-bottom: 1px solid ${token('color.border')}; text-align: start; white-space: nowrap; }
.dv-table thead th { position: sticky; top: 0; background: ${token('elevation.surface')}; }
.dv-table .dv-num { text-align: end; font-variant-numeric: tabular-nums; }
.dv-table a { color: ${token('color.link')}; }
.dv-sort { all: unset; cursor: pointer; font-weight: ${token('font.weight.bold')}; color: ${token('color.text')}; }
.dv-sort:focus-visible { outline: 2px solid ${token('color.border.focused')}; outline-offset: 2px; }
`;
  document.head.appendChild(style);
}

performance.mark('dev-vm:modules-ready');
startFirstLoad();
installBaseStyles();
installTableStyles();
void enableTheme();
/** The dashboard gadget is this same resource under another module key (manifest.yml). */
export const GADGET_MODULE_KEY = 'dev-vm-fleet-gadget';

async function start(): Promise<void> {
  let moduleKey = '';
  try {
    moduleKey = String(((await view.getContext()) as { moduleKey?: unknown }).moduleKey ?? '');
  } catch {
    // Outside Jira: the page.
  }
  createRoot(document.getElementById('root') as HTMLElement).render(<StrictMode>{moduleKey === GADGET_MODULE_KEY ? <FleetGadget /> : <FleetApp />}</StrictMode>);
}
void start();
