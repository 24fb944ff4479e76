import type { Vm } from '../../src/contract/vm-api';
import { adfToText } from '../../scripts/preview/adf-text';
import { startPreview, type Preview } from '../../scripts/preview/server';
import { FIELD, ISSUE, STATUS } from '../../scripts/preview/site';

/**
 * Issue 13 item 6 through every layer with the preview's wiring: the issue's cost-center field is
 * edited → onIssueUpdated → signed PUT /vms/{id}/cost-center?issueKey= → function URL (SigV4
 * verified) → the VM API Lambda → simulated AWS: the instance, its root volume and the
 * developer's EFS access point carry the new CostCenter; clearing the field removes the tag from
 * all three; a value that cannot be a tag gets a comment naming the field and changes nothing.
 */

let preview: Preview;

beforeAll(async () => {
  process.env.DEV_VM_SILENT_LOGS = '1';
  preview = await startPreview({ port: 0, pages: false, databases: false, dbSuffix: 'costcenter', transitionSeconds: 0, lambdaLogLevel: 'SILENT' });
}, 120_000);

afterAll(async () => {
  await preview?.close();
});

const vmOf = (key: string) => (preview.stack.forge.jira.property(key, 'dev-vm') as { vm?: Vm } | undefined)?.vm;
const comments = (key: string) => preview.stack.forge.jira.commentsOn(key).map((c) => adfToText(c.body));

describe('the cost center follows the issue, end to end', () => {
  it('retags the instance, its volume and the EFS home when the field changes; clears them; refuses an invalid value with a comment', async () => {
    const { stack } = preview;
    const state = stack.standIn?.state;
    if (!state) throw new Error('this story needs the simulated AWS');
    await stack.editField(ISSUE.key, FIELD.costCenter, 'CC-100');
    await stack.transition(ISSUE.key, STATUS.ready);
    const id = vmOf(ISSUE.key)?.id as string;
    expect(id).toMatch(/^i-/);
    const tags = () => {
      const inst = state.instances.get(id);
      const home = [...state.accessPoints.values()].find((ap) => ap.tags.get('DeveloperName') === inst?.tags.get('DeveloperName'));
      return { instance: inst?.tags.get('CostCenter'), volume: inst?.rootVolume?.tags.get('CostCenter'), home: home?.tags.get('CostCenter') };
    };
    expect(tags()).toEqual({ instance: 'CC-100', volume: 'CC-100', home: 'CC-100' });
    const before = comments(ISSUE.key).length;

    await stack.editField(ISSUE.key, FIELD.costCenter, 'CC-200');
    expect(tags()).toEqual({ instance: 'CC-200', volume: 'CC-200', home: 'CC-200' });
    expect(vmOf(ISSUE.key)?.costCenter).toBe('CC-200');
    const signed = stack.functionUrl.calls.filter((c) => c.path === `/vms/${id}/cost-center`);
    expect(signed.map((c) => [c.method, c.status, c.auth])).toEqual([['PUT', 200, 'valid']]);

    await stack.editField(ISSUE.key, FIELD.costCenter, 'CC 200 (R&D)');
    expect(tags()).toEqual({ instance: 'CC-200', volume: 'CC-200', home: 'CC-200' });
    expect(comments(ISSUE.key).at(-1)).toContain(`COST_CENTER_INVALID: Cost center ${FIELD.costCenter}: "CC 200 (R&D)"`);

    await stack.editField(ISSUE.key, FIELD.costCenter, null);
    expect(tags()).toEqual({ instance: undefined, volume: undefined, home: undefined });
    expect(vmOf(ISSUE.key)?.costCenter).toBeUndefined();
    expect(comments(ISSUE.key).length).toBe(before + 1); // the invalid value's comment only
    expect(stack.forge.violations()).toEqual([]);
  });
});
