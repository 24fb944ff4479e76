import { clientDatabaseName, DbNamespace } from '../../src/contract/names';
import { developerClientLoginName } from '../../infra-cdk/lambda/shared/resource-names';
import { dbConnections } from '../../infra-cdk/lambda/shared/vm-record';
import { readConfig } from '../../infra-cdk/lib/config';

/** A database name space keeps two stacks (or two local previews) on one server apart. */
describe('database name space (dbNamespace / DB_NAMESPACE)', () => {
  it('prefixes client databases and gives logins their own hash, still within MySQL limits', () => {
    expect(clientDatabaseName('acme-corp')).toBe('client_acme_corp');
    expect(clientDatabaseName('acme-corp', 'stg')).toBe('stg_client_acme_corp');
    const plain = developerClientLoginName('jdoe', 'acme-corp');
    const staged = developerClientLoginName('jdoe', 'acme-corp', 'stg');
    expect(staged).not.toBe(plain);
    expect(staged.slice(0, -12)).toBe(plain.slice(0, -12));
    const longest = developerClientLoginName('a'.repeat(24), 'b'.repeat(24), 'z'.repeat(8));
    expect(longest.length).toBeLessThanOrEqual(32);
    expect(clientDatabaseName('b'.repeat(24), 'z'.repeat(8)).length).toBeLessThanOrEqual(64);
  });

  it('names the namespaced database and login in the connection info a developer sees', () => {
    const [pg] = dbConnections('acme-corp', 'jdoe', { secretPrefix: 'dev-vm/', dbNamespace: 'stg', databases: { postgres: { host: 'pg', port: 5432 } } });
    expect(pg).toMatchObject({ database: 'stg_client_acme_corp', user: developerClientLoginName('jdoe', 'acme-corp', 'stg') });
  });

  it.each(['Stg', '1stg', 'st_g', 'toolongns'])('refuses %j, as a setting and as a name', (bad) => {
    expect(DbNamespace.safeParse(bad).success).toBe(false);
    expect(() => clientDatabaseName('acme', bad)).toThrow();
    expect(() => readConfig({ tryGetContext: (k) => (k === 'dbNamespace' ? bad : undefined) })).toThrow(/context "dbNamespace"/);
  });

  it('is none by default', () => {
    expect(readConfig({ tryGetContext: () => undefined }).dbNamespace).toBe('');
  });
});
