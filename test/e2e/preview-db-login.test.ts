import { randomBytes } from 'node:crypto';
import { dropDatabaseObjects, masterNames, prepareMysql } from '../../scripts/preview/databases';
import { startPreview, type Preview } from '../../scripts/preview/server';

/**
 * Issue 14 item 3: a preview whose database master login was reset by another preview (same name
 * space: a second `npm start`, or a test run) says so on its page badge instead of staying green.
 */

const dbSuffix = `lost_${randomBytes(3).toString('hex')}`;
let preview: Preview;

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  preview = await startPreview({ port: 0, pages: false, dbSuffix, transitionSeconds: 0, lambdaLogLevel: 'SILENT', loginCheckMs: 0 });
}, 120_000);
afterAll(async () => {
  await preview?.close();
  const m = masterNames(dbSuffix);
  await dropDatabaseObjects({ databases: [], pgRoles: [m.postgres], mysqlUsers: [m.mysql] });
});

type EngineState = { engine: string; enabled: boolean; loginLost?: string };
const engines = async (): Promise<EngineState[]> => ((await (await fetch(`${preview.url}/__preview/state`)).json()) as { engines: EngineState[] }).engines;

describe('the preview’s database badge', () => {
  it('is healthy while its master logins work, and says a login was lost once another preview re-passwords or drops it', async () => {
    const before = await engines();
    expect(before.filter((e) => e.enabled).map((e) => [e.engine, e.loginLost])).toEqual([
      ['postgres', undefined],
      ['mysql', undefined],
    ]);

    // Another preview with the same name space starts: it sets a new password on the same MariaDB
    // master. (The local PostgreSQL trusts local logins, so there a reset shows only once the role
    // is dropped, as a test run's cleanup does.)
    expect((await prepareMysql(dbSuffix)).enabled).toBe(true);
    await dropDatabaseObjects({ databases: [], pgRoles: [masterNames(dbSuffix).postgres], mysqlUsers: [] });

    const after = await engines();
    expect(after.find((e) => e.engine === 'mysql')).toMatchObject({ enabled: true, loginLost: expect.stringContaining(`the master login ${masterNames(dbSuffix).mysql} no longer accepts this preview's password`) });
    expect(after.find((e) => e.engine === 'postgres')).toMatchObject({ enabled: true, loginLost: expect.stringContaining(masterNames(dbSuffix).postgres) });
  }, 60_000);
});
