import { Match } from 'aws-cdk-lib/assertions';
import { resourcesOfType } from '../support';
import { template, json, dbSg } from './template';

// infra-cdk/lib/constructs/database.ts: the RDS instances, their master secrets and TLS.

describe('RDS', () => {
  const dbs = resourcesOfType(json, 'AWS::RDS::DBInstance');
  const byEngine = (e: string) => dbs.find(([, r]) => r.Properties!.Engine === e)!;

  it('creates one PostgreSQL 17 and one MySQL 8.4 instance', () => {
    expect(dbs).toHaveLength(2);
    expect(byEngine('postgres')[1].Properties!.EngineVersion).toBe('17');
    expect(byEngine('mysql')[1].Properties!.EngineVersion).toBe('8.4');
  });

  it.each(['postgres', 'mysql'])('%s: t4g class, gp3, encrypted, 7-day backups, private, deletion-protected, generated master secret', (engine) => {
    const [logicalId, r] = byEngine(engine);
    const p = r.Properties!;
    expect(p.DBInstanceClass).toBe('db.t4g.micro');
    expect(p.StorageType).toBe('gp3');
    expect(p.StorageEncrypted).toBe(true);
    expect(p.BackupRetentionPeriod).toBe(7);
    expect(p.PubliclyAccessible).toBe(false);
    expect(p.DeletionProtection).toBe(true);
    expect(p.VPCSecurityGroups).toEqual([{ 'Fn::GetAtt': [dbSg, 'GroupId'] }]);
    expect(JSON.stringify(p.MasterUserPassword)).toContain('{{resolve:secretsmanager:');
    expect(template.toJSON().Resources[logicalId].DeletionPolicy).toBe('Snapshot');
    const secretName = engine === 'postgres' ? 'dev-vm/rds/postgres-master' : 'dev-vm/rds/mysql-master';
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: secretName, GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }) });
  });

  it('forces TLS on both engines', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres17', Parameters: { 'rds.force_ssl': '1', 'rds.restrict_password_commands': '1' } });
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'mysql8.4', Parameters: { require_secure_transport: 'ON' } });
  });
});
