import type { Vm } from '../../../src/contract/vm-api';
import { ConfirmDialog } from '../shared/light-controls';

/** Terminating is the one action that loses something, so it names what goes and what is kept. */
export function TerminateDialog(props: { vm: Vm; onCancel: () => void; onConfirm: () => void }) {
  const { vm } = props;
  const dbs = vm.connection.databases;
  return (
    <ConfirmDialog title="Terminate this VM?" confirmLabel="Terminate VM" onCancel={props.onCancel} onConfirm={props.onConfirm} testId="terminate-dialog">
      <p>
        The instance <code>{vm.id}</code> ({vm.instanceType}) is deleted, with everything outside your home directory: installed
        packages and system changes are lost.
      </p>
      <p>What is kept:</p>
      <ul data-testid="terminate-kept">
        <li>
          Your home directory <code>{vm.connection.homePath}</code> on EFS; a new VM for {vm.developer} mounts it again.
        </li>
        {dbs.length > 0 ? (
          dbs.map((db) => (
            <li key={db.engine + db.database}>
              The client’s {db.engine === 'postgres' ? 'PostgreSQL' : 'MySQL'} database <code>{db.database}</code>
            </li>
          ))
        ) : (
          <li>The client’s databases ({vm.client})</li>
        )}
      </ul>
    </ConfirmDialog>
  );
}
