import { createHandler } from '../../../../infra-cdk/lambda/vm-api/router';
import { FakeAws, makeDeps } from '../fake-aws';
import { FakeDatabases } from '../support';
import { caller } from './api';

// Importing this file mocks EC2Client, EFSClient and IAMClient for the whole test file (aws-sdk-client-mock).

/** @deprecated the SDK-level fake, until every route test runs on the stand-in. */
export function useVmApiOnFake() {
  const api = {} as { aws: FakeAws; db: FakeDatabases; deps: ReturnType<typeof makeDeps>; handle: ReturnType<typeof createHandler>; call: Call };
  api.call = caller(api);
  beforeEach(() => {
    api.aws = new FakeAws();
    api.aws.install();
    api.db = new FakeDatabases();
    api.deps = makeDeps(api.db);
    api.handle = createHandler(api.deps);
  });
  return api;
}

