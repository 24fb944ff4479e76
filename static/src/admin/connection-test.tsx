import { useState } from 'react';
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { R, type AdminView, type ConnectionTestResult } from '../../../src/contract/resolvers';
import { call, whatToDo, type Failure } from '../shared/api';
import { mutedText, row } from '../shared/ui';
import type { RaiseFlag } from './use-admin-settings';
import { CONNECTION_ADVICE } from './validation';

/** The result's heading: the API call first, then the lifecycle events' round trip. */
const EVENT_TITLES: Record<string, string> = {
  'events-wrong-secret': 'Connected to the VM API, but lifecycle events are signed with another secret',
  'events-not-arrived': 'Connected to the VM API, but lifecycle events do not arrive',
  'events-stack-failed': 'Connected to the VM API, but the stack could not send a test event',
};
/** What went wrong with the API call itself, in words (the cause; CONNECTION_ADVICE says what to do). */
const CALL_TITLES: Record<string, string> = {
  dns: 'Connection failed: the API’s host name does not resolve',
  timeout: 'Connection failed: the API did not answer in time',
  egress: 'Connection failed: Forge does not allow calls to this URL',
  signature: 'Connection failed: AWS refused the request signature',
  'not-found': 'Connection failed: this URL is not the Dev VM API',
  'not-configured': 'Connection settings are incomplete',
  'bad-response': 'Connection failed: the API’s answer does not fit these settings',
  network: 'Connection failed: nothing answered at this URL',
  http: 'Connection failed: the API answered with an error',
};
function title(result: ConnectionTestResult): string {
  if (result.ok) return 'Connected';
  return (result.reason && (EVENT_TITLES[result.reason] ?? CALL_TITLES[result.reason])) ?? 'Connection failed';
}

/**
 * "Test connection" and what it found, for the saved connection settings: the signed API call,
 * then the stack's signed test event to the Lifecycle events URL. The checklist follows the answer.
 */
export function ConnectionTest(props: { flag: RaiseFlag; onChecklist: (items: AdminView['checklist']) => void }) {
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [error, setError] = useState<Failure | null>(null);

  const test = async () => {
    setTesting(true);
    setResult(null);
    setError(null);
    const r = await call(R.adminTestConnection, {});
    setTesting(false);
    if (r.ok) {
      setResult(r.data);
      if (r.data.checklist) props.onChecklist(r.data.checklist);
    } else {
      setError(r.error);
      props.flag({ appearance: 'error', title: 'Connection test could not run', description: `${r.error.message} ${whatToDo(r.error)}` });
    }
  };

  return (
    <>
      <div style={row}>
        <Button onClick={() => void test()} isLoading={testing} testId="test-connection">
          Test connection
        </Button>
        <span style={mutedText}>Tests the saved connection both ways (the app calls the stack, the stack sends a signed test event back): save your changes first.</span>
      </div>
      <div aria-live="polite" style={{ marginBlockStart: token('space.150') }} data-testid="test-result">
        {result && (
          <SectionMessage appearance={result.ok ? 'success' : 'error'} title={title(result)}>
            <p>
              {result.message}
              {/* The status once, and only for a failed call: the server's message may already name it. */}
              {!result.ok && !result.events && result.status !== undefined && !result.message.includes(`HTTP ${result.status}`) && ` HTTP ${result.status}.`}
            </p>
            {result.events && <p data-testid="test-events">{result.events.message}</p>}
            {!result.ok && <p>{(result.reason && CONNECTION_ADVICE[result.reason]) ?? 'Check the URL, region and keys, save, and test again.'}</p>}
          </SectionMessage>
        )}
        {error && (
          <SectionMessage appearance="error" title="The test could not run">
            <p>{error.message}</p>
            <p>{whatToDo(error)}</p>
          </SectionMessage>
        )}
      </div>
    </>
  );
}
