import { randomUUID } from 'node:crypto';
import { signEvent } from '../../src/domain/hmac';
import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { handleLifecycleEvent } from '../../src/handlers/webtrigger';
import { handleQueueEvent } from '../../src/handlers/queue-consumer';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { DevVmProperty } from '../../src/domain/vm-property';
import { RETRY_QUEUE_KEY } from '../../src/adapters/retry-queue';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { FIELD, HMAC_SECRET, PEOPLE, STATUS, configure, goodIssue, identityFor, site, statusChangedEvent } from '../../local/site-fixtures';

process.env.DEV_VM_SILENT_LOGS = '1';
const NOW = new Date('2026-11-26T09:00:00Z');

let api: VmApiStandIn;
let forge: ForgeStandIn;

beforeAll(async () => {
  api = await startVmApiStandIn();
});
afterAll(async () => {
  await api.close();
});
beforeEach(() => {
  api.reset();
});
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

const texts = (key = 'OPS-42') => forge.jira.commentsOn(key).map((c) => adfToText(c.body as AdfDoc));
const provisionCalls = () => api.calls.filter((c) => c.op === 'provision');
const toReady = (changelogId = '10400') => statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, changelogId);

describe('a status change into a provision status', () => {
  it('sends one signed POST /vms with every field, stores the VM on the issue and says it is provisioning', async () => {
    forge = site();
    configure(forge, api);
    await handleIssueUpdated(toReady(), NOW);

    expect(provisionCalls()).toHaveLength(1);
    expect(provisionCalls()[0]).toMatchObject({
      signature: 'valid',
      status: 202,
      body: {
        issueKey: 'OPS-42',
        client: 'acme-corp',
        developer: 'jdoe',
        instanceType: 't3.large',
        os: 'ubuntu-24.04',
        schedule: { start: '08:30', stop: '18:00', timezone: 'Europe/Berlin', days: 'MON-FRI', enabled: true },
        idempotencyKey: 'jira:10042:cl10400',
      },
    });
    const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    expect(prop.vm?.id).toMatch(/^i-/);
    expect(prop.idempotencyKey).toBe('jira:10042:cl10400');
    expect(texts()).toEqual([expect.stringContaining(`Dev VM requested: Ubuntu 24.04 LTS on t3.large for jdoe (client acme-corp), instance ${prop.vm?.id}`)]);
    expect(forge.queue).toHaveLength(0);
  });

  it('sends the cost center field with the request when it is filled; the VM stored on the issue carries it', async () => {
    const issue = goodIssue();
    forge = site([{ ...issue, fields: { ...issue.fields, [FIELD.costCenter]: 'CC-1234' } }]);
    configure(forge, api);
    await handleIssueUpdated(toReady(), NOW);
    expect(provisionCalls()).toHaveLength(1);
    expect(provisionCalls()[0]!.body).toMatchObject({ issueKey: 'OPS-42', costCenter: 'CC-1234' });
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.costCenter).toBe('CC-1234');
  });

  it('launches one VM however often Forge redelivers the same event', async () => {
    forge = site();
    configure(forge, api);
    await handleIssueUpdated(toReady(), NOW);
    await handleIssueUpdated(toReady(), NOW);
    await handleIssueUpdated(toReady(), NOW);
    expect(provisionCalls()).toHaveLength(1);
    expect(api.vms.size).toBe(1);
    expect(texts()).toHaveLength(1);
  });

  it('requests nothing when the issue already has a live VM and re-enters the status', async () => {
    forge = site();
    configure(forge, api);
    await handleIssueUpdated(toReady('10400'), NOW);
    await handleIssueUpdated(toReady('10401'), NOW);
    expect(provisionCalls()).toHaveLength(1);
    expect(api.vms.size).toBe(1);
  });

  it('does nothing for an update that does not change the status', async () => {
    forge = site();
    configure(forge, api);
    const event = { ...toReady(), changelog: { id: '10500', items: [{ field: 'summary', fieldtype: 'jira', fieldId: 'summary', from: null, fromString: 'a', to: null, toString: 'b' }] } };
    await handleIssueUpdated(event, NOW);
    expect(api.calls).toHaveLength(0);
    expect(forge.jira.calls).toHaveLength(0);
    expect(texts()).toEqual([]);
  });

  it('does nothing for a status the settings do not name, when closing does nothing', async () => {
    forge = site();
    configure(forge, api, { onClose: 'nothing' });
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.done), NOW);
    expect(api.calls).toHaveLength(0);
    expect(forge.jira.calls).toHaveLength(0);
  });

  it('posts a setup comment and calls no API when the app is not configured', async () => {
    forge = site();
    configure(forge, undefined);
    await handleIssueUpdated(toReady(), NOW);
    expect(api.calls).toHaveLength(0);
    expect(texts()).toEqual([expect.stringContaining('A Jira administrator needs to set: API URL, AWS region, access key id, secret access key')]);
  });
});

describe('invalid request fields', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['client with upper case', { [FIELD.client]: 'Acme Corp' }, 'Client', /"Acme Corp" use lower-case letters/],
    ['missing developer', { [FIELD.developer]: null }, 'Developer', /is empty; fill it in/],
    ['developer with shell characters', { [FIELD.developer]: 'j;rm -rf' }, 'Developer', /use lower-case letters/],
    ['instance type not allowed', { [FIELD.instanceType]: { value: 'p4d.24xlarge' } }, 'Instance type', /not allowed; choose one of t3.medium, t3.large/],
    ['operating system not allowed', { [FIELD.os]: { value: 'rhel-9' } }, 'Operating system', /"rhel-9" is not allowed/],
    ['start time not HH:MM', { [FIELD.start]: '8am' }, 'Start time', /must be a 24-hour time HH:MM/],
    ['stop time out of range', { [FIELD.stop]: '24:30' }, 'Stop time', /must be a 24-hour time HH:MM/],
    ['unknown time zone', { [FIELD.timezone]: 'Mars/Olympus' }, 'Time zone', /not an IANA time zone/],
    ['days misspelled', { [FIELD.days]: 'Monday-Friday' }, 'Working days', /must be days such as "MON-FRI"/],
    ['cost center that cannot be an AWS tag value', { [FIELD.costCenter]: 'CC#12 (R&D)' }, 'Cost center', /"CC#12 \(R&D\)" may contain only letters, digits, spaces and \+ - = \. _ : \/ @ \(it becomes an AWS tag value\)/],
  ];
  it.each(cases)('%s: one comment naming the field and how to fix it, no API call', async (_name, fields, label, message) => {
    const issue = goodIssue();
    forge = site([{ ...issue, fields: { ...issue.fields, ...fields } }]);
    configure(forge, api);
    await handleIssueUpdated(toReady(), NOW);
    expect(api.calls).toHaveLength(0);
    const all = texts();
    expect(all).toHaveLength(1);
    expect(all[0]).toContain('No dev VM was requested.');
    expect(all[0]).toContain(label);
    expect(all[0]).toMatch(message);
    expect(forge.jira.property('OPS-42', 'dev-vm')).toBeUndefined();
  });

  it('lists every bad field in the same comment', async () => {
    const issue = goodIssue();
    forge = site([{ ...issue, fields: { ...issue.fields, [FIELD.client]: 'X', [FIELD.start]: '8', [FIELD.timezone]: 'Nowhere' } }]);
    configure(forge, api);
    await handleIssueUpdated(toReady(), NOW);
    const [only] = texts();
    expect(only).toMatch(/Client[\s\S]*Start time[\s\S]*Time zone/);
    expect(api.calls).toHaveLength(0);
  });
});

describe('when the VM API is down', () => {
  it('says so once, queues a retry with the same key, and the retry launches exactly one VM', async () => {
    forge = site();
    configure(forge, api);
    api.mode = 'down';
    await handleIssueUpdated(toReady(), NOW);

    expect(provisionCalls()).toHaveLength(0); // 503 before routing: nothing reached provisioning
    expect(api.calls).toHaveLength(1);
    // A code and a reference, not the API's own words ("EC2 is unavailable"): those go to the log.
    expect(texts()).toEqual([expect.stringMatching(/did not go through yet\. It is kept and retried automatically in about 1 minute.* AWS_FAILED: .* Reference [0-9a-f]{8}\.$/)]);
    expect(forge.queue).toHaveLength(1);
    expect(forge.queue[0]).toMatchObject({ queueName: RETRY_QUEUE_KEY, delayInSeconds: 60, body: { kind: 'provision', issueKey: 'OPS-42', attempt: 2, request: { idempotencyKey: 'jira:10042:cl10400' } } });
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).pending?.request.idempotencyKey).toBe('jira:10042:cl10400');

    // Forge redelivers the original event while the retry is pending: nothing new happens.
    await handleIssueUpdated(toReady(), NOW);
    expect(forge.queue).toHaveLength(1);
    expect(texts()).toHaveLength(1);

    api.mode = 'up';
    const job = forge.queue[0];
    await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect(provisionCalls()).toHaveLength(1);
    expect(provisionCalls()[0]?.body).toMatchObject({ idempotencyKey: 'jira:10042:cl10400' });
    expect(api.vms.size).toBe(1);
    const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
    expect(prop.vm).toBeDefined();
    expect(prop.pending).toBeUndefined();

    // A duplicate delivery of the same queue event finds the VM and does nothing.
    await handleQueueEvent(job, NOW);
    expect(provisionCalls()).toHaveLength(1);
    expect(texts()).toHaveLength(2);
  });

  it('keeps the pending request when the issue re-enters the provision status: no second key, one VM', async () => {
    forge = site();
    configure(forge, api);
    api.mode = 'down';
    await handleIssueUpdated(toReady('10400'), NOW);
    // Moved out and back in while the retry waits: a new changelog entry. The first call may have
    // launched a VM whose answer was lost, so a new key could launch a second one.
    await handleIssueUpdated(toReady('10401'), NOW);
    const keys = new Set(api.calls.map((c) => (c.body as { idempotencyKey?: string } | undefined)?.idempotencyKey));
    expect([...keys]).toEqual(['jira:10042:cl10400']);
    expect(forge.queue).toHaveLength(1);
    expect(texts()).toHaveLength(1);

    api.mode = 'up';
    await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect(provisionCalls().map((c) => c.body)).toEqual([expect.objectContaining({ idempotencyKey: 'jira:10042:cl10400' })]);
    expect(api.vms.size).toBe(1);
  });

  it('sends a pending request whose queued job was lost again on the next transition, under its own key', async () => {
    forge = site();
    configure(forge, api);
    api.mode = 'down';
    await handleIssueUpdated(toReady('10400'), NOW);
    forge.queue.length = 0; // the push was lost: nothing will retry it
    api.mode = 'up';
    await handleIssueUpdated(toReady('10401'), new Date(NOW.getTime() + 60 * 60_000));
    expect(provisionCalls().map((c) => c.body)).toEqual([expect.objectContaining({ idempotencyKey: 'jira:10042:cl10400' })]);
    expect(api.vms.size).toBe(1);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).pending).toBeUndefined();
  });

  it('backs off and finally gives up with a comment, never launching anything', async () => {
    forge = site();
    configure(forge, api);
    api.mode = 'down';
    await handleIssueUpdated(toReady(), NOW);
    const delays: (number | undefined)[] = [];
    await forge.drainQueue((e) => {
      delays.push(e.delayInSeconds);
      return handleQueueEvent(e, NOW);
    });
    expect(delays).toEqual([60, 300, 900]);
    expect(api.calls).toHaveLength(4);
    expect(api.vms.size).toBe(0);
    const all = texts();
    expect(all).toHaveLength(2);
    expect(all[1]).toMatch(/^No dev VM was launched after 4 attempts; .* AWS_FAILED: .* Reference [0-9a-f]{8}\.$/);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).pending).toBeUndefined();
  });

  it('does not retry a request the API refuses, and says why', async () => {
    forge = site();
    configure(forge, api);
    const wrong = { ...api.credentials, secretAccessKey: 'x'.repeat(40) };
    forge.kvs.secrets.set('secret:aws-secret-access-key', { value: wrong.secretAccessKey, createdAt: 0, updatedAt: 0 });
    await handleIssueUpdated(toReady(), NOW);
    expect(api.calls.map((c) => c.signature)).toEqual(['invalid']);
    expect(forge.queue).toHaveLength(0);
    expect(texts()).toEqual([expect.stringMatching(/^The dev VM request was refused\. VM_API_CREDENTIALS: .*check the access key and region.* Reference [0-9a-f]{8}\.$/)]);
  });
});

describe('stop and terminate statuses', () => {
  async function provisioned(): Promise<string> {
    forge = site();
    configure(forge, api);
    await handleIssueUpdated(toReady(), NOW);
    const id = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.id;
    if (!id) throw new Error('no VM');
    return id;
  }

  it('stops the issue’s VM when it enters a stop status and says so', async () => {
    const id = await provisioned();
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.parked, '10410'), NOW);
    expect(api.calls.filter((c) => c.op === 'stopVm')).toEqual([expect.objectContaining({ path: `/vms/${id}/stop`, signature: 'valid' })]);
    expect(texts()[1]).toContain(`Stopped and parked the dev VM ${id}`);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('stopping');
  });

  describe('parking (issue 13)', () => {
    it('a status-driven stop parks the VM and the comment says what that means', async () => {
      const id = await provisioned();
      forge.jira.issue('OPS-42').statusId = STATUS.done;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.done, '10440'), NOW);
      expect(api.calls.filter((c) => c.op === 'updateLifecycle')).toEqual([expect.objectContaining({ path: `/vms/${id}/lifecycle`, body: { parked: true } })]);
      expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.parkedAt).toBeDefined();
      expect(texts()[1]).toMatch(/Stopped and parked the dev VM .* because the issue moved to Done\. Its working hours will not start it until the issue is reopened/);
    });

    it('closing an issue whose VM is already stopped still parks it (the schedule would start it tomorrow)', async () => {
      const id = await provisioned();
      api.vms.set(id, { ...api.vms.get(id)!, state: 'stopped' });
      const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
      forge.jira.issue('OPS-42').properties.set('dev-vm', { ...prop, vm: { ...prop.vm!, state: 'stopped' } });
      forge.jira.issue('OPS-42').statusId = STATUS.done;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.done, '10441'), NOW);
      expect(api.calls.filter((c) => c.op === 'stopVm')).toHaveLength(0);
      expect(api.calls.filter((c) => c.op === 'updateLifecycle').map((c) => c.body)).toEqual([{ parked: true }]);
      expect(texts()[1]).toContain(`Parked the dev VM ${id}`);
    });

    it('moving the closed issue back to a provision status unparks its VM and launches nothing', async () => {
      const id = await provisioned();
      forge.jira.issue('OPS-42').statusId = STATUS.done;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.done, '10442'), NOW);
      forge.jira.issue('OPS-42').statusId = STATUS.ready;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.done, STATUS.ready, '10443'), NOW);
      expect(api.calls.filter((c) => c.op === 'updateLifecycle').map((c) => c.body)).toEqual([{ parked: true }, { parked: false }]);
      expect(provisionCalls()).toHaveLength(1);
      expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.parkedAt).toBeUndefined();
      expect(texts().at(-1)).toContain(`Unparked the dev VM ${id}`);
    });
  });

  describe('when closing does nothing (onClose: nothing)', () => {
    async function provisionedKeepingOnClose(): Promise<string> {
      forge = site();
      configure(forge, api, { onClose: 'nothing' });
      await handleIssueUpdated(toReady(), NOW);
      const id = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.id;
      if (!id) throw new Error('no VM');
      return id;
    }

    it('closing and reopening leave the running VM alone: nothing is stopped, parked or unparked, and nothing is said', async () => {
      const id = await provisionedKeepingOnClose();
      const before = { calls: api.calls.length, comments: texts().length };
      forge.jira.issue('OPS-42').statusId = STATUS.done;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.done, '10450'), NOW);
      forge.jira.issue('OPS-42').statusId = STATUS.inProgress;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.done, STATUS.inProgress, '10451'), NOW);
      expect(api.calls.length).toBe(before.calls);
      expect(texts().length).toBe(before.comments);
      expect(api.vms.get(id)?.parkedAt).toBeUndefined();
      expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm).toMatchObject({ id, state: 'pending' });
    });

    it('a VM parked by a stop status is still unparked when the issue moves back to work', async () => {
      const id = await provisionedKeepingOnClose();
      forge.jira.issue('OPS-42').statusId = STATUS.parked;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.parked, '10452'), NOW);
      forge.jira.issue('OPS-42').statusId = STATUS.inProgress;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.parked, STATUS.inProgress, '10453'), NOW);
      expect(api.calls.filter((c) => c.op === 'updateLifecycle').map((c) => c.body)).toEqual([{ parked: true }, { parked: false }]);
      expect(api.vms.get(id)?.parkedAt).toBeUndefined();
      expect(texts().at(-1)).toContain(`Unparked the dev VM ${id}`);
    });
  });

  it('terminates when it enters a terminate status', async () => {
    const id = await provisioned();
    forge.jira.issue('OPS-42').statusId = STATUS.retired;
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.retired, '10411'), NOW);
    expect(api.calls.filter((c) => c.op === 'terminateVm').map((c) => c.path)).toEqual([`/vms/${id}/terminate`]);
    expect(texts()[1]).toContain('because the issue moved to Retired');
  });

  it('applies the close setting to a done status that no list names', async () => {
    const id = await provisioned();
    forge.jira.issue('OPS-42').statusId = STATUS.done;
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.done, '10412'), NOW);
    expect(api.calls.filter((c) => c.op === 'stopVm').map((c) => c.path)).toEqual([`/vms/${id}/stop`]);
  });

  it.each([
    ['a terminate status', STATUS.retired],
    ['a done status (close setting: stop)', STATUS.done],
  ])('cancels a provision request still queued for retry when the issue enters %s', async (_n, to) => {
    forge = site();
    configure(forge, api);
    api.mode = 'down';
    await handleIssueUpdated(toReady(), NOW);
    forge.jira.issue('OPS-42').statusId = to;
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, to, '10413'), NOW);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).pending).toBeUndefined();
    expect(texts()[1]).toMatch(/queued dev VM request was cancelled because the issue moved to/);
    api.mode = 'up';
    await forge.drainQueue((e) => handleQueueEvent(e, NOW));
    expect(provisionCalls()).toHaveLength(0);
    expect(api.vms.size).toBe(0);
  });

  it('a lifecycle event observed before a status-driven stop does not bring "running" back (issue 12, item 8)', async () => {
    const id = await provisioned();
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.parked, '10430'), NOW);
    const body = JSON.stringify({
      id: randomUUID(),
      type: 'vm.running',
      time: '2026-11-26T08:59:00Z',
      instanceId: id,
      issueKey: 'OPS-42',
      client: 'acme-corp',
      developer: 'jdoe',
      cause: 'ec2',
      state: 'running',
      observedAt: '2026-11-26T08:59:00Z',
      sequence: 0,
    });
    const { timestamp, signature } = signEvent(HMAC_SECRET, body, NOW);
    const res = await handleLifecycleEvent({ method: 'POST', headers: { 'X-DevVm-Timestamp': [timestamp], 'X-DevVm-Signature': [signature] }, body }, NOW);
    expect(res.statusCode).toBe(200);
    expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('stopping');
  });

  describe('reopened after a terminate (issue 12, item 9)', () => {
    async function terminatedThenReady(afterwards: (id: string) => void): Promise<string> {
      const id = await provisioned();
      forge.jira.issue('OPS-42').statusId = STATUS.retired;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.ready, STATUS.retired, '10420'), NOW);
      // The issue records what the terminate call answered; no event has updated it since.
      expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('shutting-down');
      afterwards(id);
      forge.jira.issue('OPS-42').statusId = STATUS.ready;
      await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.retired, STATUS.ready, '10421'), NOW);
      return id;
    }

    it('asks the API for the recorded VM and provisions a new one when EC2 says it is terminated', async () => {
      const old = await terminatedThenReady((id) => api.vms.set(id, { ...api.vms.get(id)!, state: 'terminated' }));
      expect(api.calls.filter((c) => c.op === 'getVm').map((c) => c.path)).toEqual([`/vms/${old}`]);
      expect(provisionCalls()).toHaveLength(2);
      const prop = DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm'));
      expect(prop.vm?.id).not.toBe(old);
      expect(prop.vm?.state).toBe('pending');
    });

    it('provisions a new one when the recorded VM no longer exists (404)', async () => {
      await terminatedThenReady((id) => api.vms.delete(id));
      expect(provisionCalls()).toHaveLength(2);
    });

    it('provisions a new one while the recorded VM is still shutting down', async () => {
      await terminatedThenReady(() => undefined);
      expect(provisionCalls()).toHaveLength(2);
    });

    it('requests nothing when the API says the recorded VM is alive, and records its real state', async () => {
      const id = await provisioned();
      api.vms.set(id, { ...api.vms.get(id)!, state: 'stopped' });
      await handleIssueUpdated(toReady('10422'), NOW);
      expect(provisionCalls()).toHaveLength(1);
      expect(DevVmProperty.parse(forge.jira.property('OPS-42', 'dev-vm')).vm?.state).toBe('stopped');
    });
  });

  it('does nothing, and posts nothing, for an issue without a VM', async () => {
    forge = site();
    configure(forge, api);
    await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.parked), NOW);
    expect(api.calls).toHaveLength(0);
    expect(texts()).toEqual([]);
  });
});

describe('the app’s own request fields', () => {
  // The stand-in runtime's app and environment ids (local/forge-runtime.ts appContext).
  const ari = (key: string, env = 'env-stand-in') => `ari:cloud:ecosystem::extension/6b1a3f52-8d0e-4c7a-9f3e-2d5b7c9e1a40/${env}/static/${key}`;
  it('are used for every role the admin left unmapped, on a site with no field setup', async () => {
    forge = site([
      goodIssue({
        fields: { customfield_20001: 'globex', customfield_20002: 'asmith', customfield_20005: '07:00', customfield_20006: '16:00', customfield_20007: 'Asia/Tokyo' },
      }),
    ]);
    forge.jira.fields.push(
      { id: 'customfield_20001', name: 'Dev VM client', schemaCustom: ari('dev-vm-client') },
      { id: 'customfield_20002', name: 'Dev VM developer', schemaCustom: ari('dev-vm-developer') },
      { id: 'customfield_20005', name: 'Dev VM start time', schemaCustom: ari('dev-vm-start') },
      { id: 'customfield_20006', name: 'Dev VM stop time', schemaCustom: ari('dev-vm-stop') },
      { id: 'customfield_20007', name: 'Dev VM time zone', schemaCustom: ari('dev-vm-timezone') },
    );
    // asmith is the assignee, bob the reporter of the issues below (identity map rule).
    const identity = identityFor([{ developer: 'asmith', accountId: PEOPLE.assignee }, { developer: 'bob', accountId: PEOPLE.reporter }], { knownClients: ['globex'] });
    configure(forge, api, { fields: {}, identity });
    await handleIssueUpdated(toReady(), NOW);
    expect(provisionCalls()[0]?.body).toMatchObject({ client: 'globex', developer: 'asmith', instanceType: 't3.medium', schedule: { start: '07:00', stop: '16:00', timezone: 'Asia/Tokyo' } });

    // The lookup is cached: a second request on another issue does not list Jira's fields again.
    forge.jira.addIssue(goodIssue({ id: '10050', key: 'OPS-50', fields: { customfield_20001: 'globex', customfield_20002: 'bob' } }));
    await handleIssueUpdated(statusChangedEvent({ id: '10050', key: 'OPS-50' }, STATUS.inProgress, STATUS.ready, '10600'), NOW);
    expect(forge.jira.calls.filter((c) => c.path === '/rest/api/3/field')).toHaveLength(1);
    expect(api.vms.size).toBe(2);
  });

  it('are this environment’s fields, not those of the same app’s other environment on the site (issue 12 item 6)', async () => {
    forge = site([goodIssue({ fields: { customfield_20101: 'wrong-env', customfield_20102: 'wrong', customfield_20001: 'globex', customfield_20002: 'asmith' } })]);
    forge.jira.fields.push(
      // The development environment's fields come first in Jira's list.
      { id: 'customfield_20101', name: 'Dev VM client', schemaCustom: ari('dev-vm-client', 'env-development') },
      { id: 'customfield_20102', name: 'Dev VM developer', schemaCustom: ari('dev-vm-developer', 'env-development') },
      { id: 'customfield_20001', name: 'Dev VM client', schemaCustom: ari('dev-vm-client') },
      { id: 'customfield_20002', name: 'Dev VM developer', schemaCustom: ari('dev-vm-developer') },
      // Another app's field with the same module key.
      { id: 'customfield_20201', name: 'Client', schemaCustom: 'ari:cloud:ecosystem::extension/00000000-0000-4000-8000-000000000000/env-stand-in/static/dev-vm-client' },
    );
    configure(forge, api, {
      fields: { start: FIELD.start, stop: FIELD.stop, timezone: FIELD.timezone, days: FIELD.days },
      identity: identityFor([{ developer: 'asmith', accountId: PEOPLE.assignee }], { knownClients: ['globex'] }),
    });
    await handleIssueUpdated(toReady(), NOW);
    expect(provisionCalls()[0]?.body).toMatchObject({ client: 'globex', developer: 'asmith' });
  });
});
