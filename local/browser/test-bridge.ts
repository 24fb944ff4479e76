/**
 * Test build stand-in for `@forge/bridge` (aliased in static/vite.config.ts for `--mode test:*`).
 * Inside Jira the bridge talks to the host frame; here:
 *  - invoke() POSTs {functionKey, payload} to the test server's /__invoke, which runs the REAL
 *    resolver definitions from src/index.ts with the Jira/KVS/AWS stand-ins of the backend tests;
 *  - view.getContext() returns the issue context the test server was told to use (/__context);
 *  - view.theme.enable() does what Jira does for an opted-in app: applies the design-token theme
 *    (light or dark, from the page URL's ?theme=) with @atlaskit/tokens' setGlobalTheme;
 *  - showFlag() renders the flag where Jira would (outside the app's own tree) and records it;
 *  - a function that threw NeedsAuthenticationError (the user has not granted the app access)
 *    never reaches the app: Jira puts its "Allow access" screen where the app was, and after
 *    the user allows access the app is loaded again. invoke() then never settles, as the app's
 *    frame is gone. Users are prompted to allow access the first time they use the app:
 *    https://developer.atlassian.com/platform/forge/add-scopes-to-call-an-atlassian-rest-api/
 * Only what the pages import is provided, with the real bridge's signatures.
 */
import { setGlobalTheme } from '@atlaskit/tokens/set-global-theme';

interface FlagOptions {
  id: number | string;
  title?: string;
  description?: string;
  type?: 'info' | 'success' | 'warning' | 'error';
  appearance?: 'info' | 'success' | 'warning' | 'error';
  isAutoDismiss?: boolean;
}

export async function invoke(functionKey: string, payload?: Record<string, unknown>): Promise<unknown> {
  const res = await fetch('/__invoke', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ functionKey, payload: payload ?? {} }),
  });
  if (res.status === 401 && ((await res.clone().json()) as { needsAuthentication?: boolean }).needsAuthentication) {
    showConsentScreen();
    return new Promise<never>(() => undefined);
  }
  // The real bridge rejects when the function invocation itself fails; so does this one.
  if (!res.ok) throw new Error(`invocation of ${functionKey} failed (HTTP ${res.status})`);
  return res.json();
}

/** The host's consent screen in place of the app (the app's own tree is hidden, not reached). */
function showConsentScreen(): void {
  if (document.getElementById('__host-consent')) return;
  for (const el of Array.from(document.body.children)) (el as HTMLElement).hidden = true;
  const screen = document.createElement('section');
  screen.id = '__host-consent';
  screen.dataset.testid = 'host-consent';
  screen.setAttribute('aria-labelledby', '__host-consent-title');
  const title = document.createElement('h2');
  title.id = '__host-consent-title';
  title.textContent = 'Allow access';
  const text = document.createElement('p');
  text.textContent = 'This app needs your permission to access Jira on your behalf.';
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Allow access';
  button.addEventListener('click', () => {
    void fetch('/__consent', { method: 'POST' }).then(() => window.location.reload());
  });
  screen.append(title, text, button);
  document.body.appendChild(screen);
}

async function getContext(): Promise<{ accountId?: string; timezone: string; extension: Record<string, unknown>; moduleKey: string; siteUrl: string; localId: string; locale: string; environmentId: string; environmentType: 'DEVELOPMENT' }> {
  const res = await fetch('/__context');
  if (!res.ok) throw new Error(`getContext failed (HTTP ${res.status})`);
  return res.json();
}

export const view = {
  getContext,
  theme: {
    enable: async (): Promise<void> => {
      const mode = new URLSearchParams(window.location.search).get('theme') === 'dark' ? 'dark' : 'light';
      await setGlobalTheme({ colorMode: mode, light: 'light', dark: 'dark', spacing: 'spacing', typography: 'typography', shape: 'shape' });
    },
  },
};

export function showFlag(options: FlagOptions): { close: () => Promise<void> } {
  let host = document.getElementById('__host-flags');
  if (!host) {
    host = document.createElement('div');
    host.id = '__host-flags';
    host.setAttribute('aria-label', 'Jira flags');
    host.setAttribute('role', 'region');
    document.body.appendChild(host);
  }
  const el = document.createElement('div');
  el.setAttribute('role', 'alert');
  el.dataset.testid = 'host-flag';
  el.dataset.type = options.appearance ?? options.type ?? 'info';
  const title = document.createElement('strong');
  title.textContent = options.title ?? '';
  const description = document.createElement('p');
  description.textContent = options.description ?? '';
  el.append(title, description);
  host.appendChild(el);
  return { close: async () => el.remove() };
}
