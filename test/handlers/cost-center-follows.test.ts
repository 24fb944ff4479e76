import { handleIssueUpdated } from '../../src/handlers/issue-updated';
import { adfToText, type AdfDoc } from '../../src/domain/adf';
import { DevVmProperty } from '../../src/domain/vm-property';
import type { ForgeStandIn } from '../../local/forge-runtime';
import { startVmApiStandIn, type VmApiStandIn } from '../../local/vm-api-server';
import { FIELD, PEOPLE, STATUS, configure, goodIssue, site, statusChangedEvent } from '../../local/site-fixtures';

/**
 * Issue 13 item 6: the cost center follows the issue. Through the Forge/Jira stand-ins and the
 * signed VM API stand-in: an edit of the mapped cost-center field on an issue with a live VM
 * retags it (PUT /vms/{id}/cost-center?issueKey=), an invalid value gets a comment naming the
 * field, a cleared field removes the tag, and a VM id written into another issue's property is
 * never retagged. (The Lambda side, with the instance, volume and EFS tags, is proven in
 * test/lambda/vm-api/handler-stand-in.test.ts; its IAM in test/infra/cost-center-iam.test.ts.)
 */

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
beforeEach(() => api.reset());
afterEach(() => {
  expect(forge.violations()).toEqual([]);
  forge.uninstall();
});

const texts = (key = 'OPS-42') => forge.jira.commentsOn(key).map((c) => adfToText(c.body as AdfDoc));
const retagCalls = () => api.calls.filter((c) => c.op === 'updateCostCenter');
const stored = (key = 'OPS-42') => DevVmProperty.parse(forge.jira.property(key, 'dev-vm'));

/** The user edits the cost-center field: Jira stores it and sends avi:jira:updated:issue with the field's changelog item. */
function editCostCenter(value: unknown, changelogId: string, key = 'OPS-42', id = '10042'): Record<string, unknown> {
  forge.jira.issue(key).fields[FIELD.costCenter] = value;
  return {
    eventType: 'avi:jira:updated:issue',
    atlassianId: PEOPLE.assignee,
    issue: { id, key, fields: { summary: 'Dev VM for jdoe' } },
    associatedUsers: [{ accountId: PEOPLE.assignee }],
    changelog: { id: changelogId, items: [{ field: 'Cost center', fieldtype: 'custom', fieldId: FIELD.costCenter, from: null, fromString: 'before', to: null, toString: String(value ?? '') }] },
  };
}

async function provisioned(): Promise<string> {
  await handleIssueUpdated(statusChangedEvent({ id: '10042', key: 'OPS-42' }, STATUS.inProgress, STATUS.ready, '10400'), NOW);
  const id = stored().vm?.id;
  if (!id) throw new Error('no VM provisioned');
  return id;
}

describe('the cost center follows the issue', () => {
  it('retags the live VM when the mapped field changes, once however often the event is delivered; an empty field removes the tag', async () => {
    const issue = goodIssue();
    forge = site([{ ...issue, fields: { ...issue.fields, [FIELD.costCenter]: 'CC-1234' } }]);
    configure(forge, api);
    const id = await provisioned();
    expect(stored().vm?.costCenter).toBe('CC-1234');

    const edit = editCostCenter({ value: 'CC-9', id: '10200' }, '10500'); // a select list field: its option's value
    await handleIssueUpdated(edit, NOW);
    expect(retagCalls()).toEqual([expect.objectContaining({ method: 'PUT', path: `/vms/${id}/cost-center`, status: 200, signature: 'valid', body: { costCenter: 'CC-9' } })]);
    expect(api.vms.get(id)?.costCenter).toBe('CC-9');
    expect(stored().vm?.costCenter).toBe('CC-9');
    await handleIssueUpdated(edit, NOW); // redelivered: the record already says CC-9
    expect(retagCalls()).toHaveLength(1);

    await handleIssueUpdated(editCostCenter(null, '10501'), NOW);
    expect(retagCalls().map((c) => c.body)).toEqual([{ costCenter: 'CC-9' }, { costCenter: null }]);
    expect(api.vms.get(id)?.costCenter).toBeUndefined();
    expect(stored().vm?.costCenter).toBeUndefined();
    expect(texts()).toHaveLength(1); // the provisioning comment only: a retag is silent
  });

  it('refuses a value that cannot be an AWS tag value with a comment naming the field; the VM keeps its tag', async () => {
    const issue = goodIssue();
    forge = site([{ ...issue, fields: { ...issue.fields, [FIELD.costCenter]: 'CC-1234' } }]);
    configure(forge, api);
    const id = await provisioned();
    await handleIssueUpdated(editCostCenter('CC#12 (R&D)', '10502'), NOW);
    expect(retagCalls()).toHaveLength(0);
    expect(texts().at(-1)).toBe(
      `The dev VM’s cost center was not changed. COST_CENTER_INVALID: Cost center ${FIELD.costCenter}: "CC#12 (R&D)" may contain only letters, digits, spaces and + - = . _ : / @ (it becomes an AWS tag value). The VM ${id} keeps its CostCenter tag "CC-1234" until the field holds a valid value.`,
    );
    expect(api.vms.get(id)?.costCenter).toBe('CC-1234');
  });

  it('ignores edits of other fields, and issues without a VM', async () => {
    forge = site();
    configure(forge, api);
    await handleIssueUpdated(editCostCenter('CC-1', '10503'), NOW); // no VM yet: nothing to retag
    expect(retagCalls()).toHaveLength(0);
    const id = await provisioned(); // launched with the field's value
    expect(api.vms.get(id)?.costCenter).toBe('CC-1');
    const summary = { ...editCostCenter('CC-2', '10504'), changelog: { id: '10504', items: [{ field: 'summary', fieldtype: 'jira', fieldId: 'summary', from: null, fromString: 'a', to: null, toString: 'b' }] } };
    await handleIssueUpdated(summary, NOW); // the changelog names only the summary
    expect(retagCalls()).toHaveLength(0);
    expect(api.vms.get(id)?.costCenter).toBe('CC-1');
  });

  it('never retags a VM whose id was written into another issue’s property (user-writable): only the app’s own record counts', async () => {
    forge = site([goodIssue(), goodIssue({ id: '10043', key: 'OPS-43' })]);
    configure(forge, api);
    const id = await provisioned();
    // The attack: OPS-43's property is edited (issue properties are writable by anyone who can edit the issue) to claim OPS-42's VM.
    forge.jira.issue('OPS-43').properties.set('dev-vm', JSON.parse(JSON.stringify(forge.jira.property('OPS-42', 'dev-vm'))));
    await handleIssueUpdated(editCostCenter('CC-EVIL', '10505', 'OPS-43', '10043'), NOW);
    expect(retagCalls()).toHaveLength(0);
    expect(api.vms.get(id)?.costCenter).toBeUndefined();
  });
});
