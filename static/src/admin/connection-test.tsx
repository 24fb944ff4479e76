import { useState } from 'react';
import Button from '@atlaskit/button/new';
import SectionMessage from '@atlaskit/section-message';
import { token } from '@atlaskit/tokens';
import { R, type ConnectionTestResult } from '../../../src/contract/resolvers';
import { call, whatToDo, type Failure } from '../shared/api';
import { mutedText, row } from '../shared/ui';
import type { RaiseFlag } from './use-admin-settings';
import { CONNECTION_ADVICE } from './validation';

/** "Test connection" and what it found, for the saved connection settings. */
export function ConnectionTest(props: { flag: RaiseFlag }) {
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  const [error, setError] = useState<Failure | null>(null);

  const test = async () => {
    setTesting(true);
    setResult(null);
    setError(null);
    const r = await call(R.adminTestConnection, {});
    setTesting(false);
    if (r.ok) setResult(r.data);
    else {
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
        <span style={mutedText}>Tests the saved connection: save your changes first.</span>
      </div>
      <div aria-live="polite" style={{ marginBlockStart: token('space.150') }} data-testid="test-result">
        {result && (
          <SectionMessage appearance={result.ok ? 'success' : 'error'} title={result.ok ? 'Connected' : `Connection failed${result.reason ? ` (${result.reason})` : ''}`}>
            <p>
              {result.message}
              {/* The status once: the server's message may already name it. */}
              {result.status !== undefined && !result.message.includes(`HTTP ${result.status}`) && ` HTTP ${result.status}.`}
            </p>
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
