import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from './types';

/**
 * `SecretStore` over AWS Secrets Manager. The client is built without an endpoint so the SDK
 * honours AWS_ENDPOINT_URL (emulators) and retries throttling with its standard strategy.
 */
export class SecretsManagerStore implements SecretStore {
  constructor(
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
    /** Customer managed KMS key for new secrets; the account's aws/secretsmanager key when absent. */
    private readonly kmsKeyId?: string,
  ) {}

  async read(id: string): Promise<string | undefined> {
    try {
      return await this.getString(id);
    } catch (err) {
      if (errorName(err) === 'ResourceNotFoundException') return undefined;
      // A developer secret someone deleted (7–30 day recovery window) still belongs to a login
      // whose password it holds: restoring it is the way to keep the two in step.
      if (errorName(err) === 'InvalidRequestException' && /deletion/i.test(errorMessage(err))) {
        await this.client.send(new RestoreSecretCommand({ SecretId: id }));
        return this.getString(id);
      }
      throw err;
    }
  }

  async create(name: string, value: string, tags: Readonly<Record<string, string>>): Promise<boolean> {
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Description: 'Database login of a developer (dev-vm-for-jira); read by that developer\'s VMs',
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          ...(this.kmsKeyId ? { KmsKeyId: this.kmsKeyId } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (errorName(err) === 'ResourceExistsException') return false;
      throw err;
    }
  }

  async update(id: string, value: string): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: id, SecretString: value }));
  }

  private async getString(id: string): Promise<string> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: id }));
    if (out.SecretString === undefined) throw new Error(`secret ${id} has no string value`);
    return out.SecretString;
  }
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}
function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : '';
}
