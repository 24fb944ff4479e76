import { decideCanAct } from '../../src/domain/permissions';
import { decideStatusAction, findStatusChange } from '../../src/domain/status-change';

const people = { assigneeAccountId: 'assignee', reporterAccountId: 'reporter' };

describe('who may act on an issue’s VM', () => {
  it.each([
    ['assignee', false, true],
    ['reporter', false, true],
    ['someone', true, true],
    ['someone', false, false],
  ])('%s (admin: %s) → %s', (caller, admin, can) => {
    expect(decideCanAct(caller, people, admin).canAct).toBe(can);
  });

  it('refuses an anonymous caller even when the issue has no assignee', () => {
    expect(decideCanAct(undefined, {}, false)).toEqual({ canAct: false, reason: expect.stringContaining('signed in') });
  });

  it('explains the refusal', () => {
    expect(decideCanAct('someone', people, false)).toEqual({ canAct: false, reason: expect.stringContaining('assignee') });
  });
});

describe('what a status change means', () => {
  const statuses = { provision: ['10'], stop: ['20'], terminate: ['30'] };
  it('finds the status item of a changelog', () => {
    expect(findStatusChange({ id: '1', items: [{ field: 'summary', fieldId: 'summary' }, { field: 'status', fieldId: 'status', from: '1', to: '10' }] })).toEqual({ fromStatusId: '1', toStatusId: '10' });
    expect(findStatusChange({ id: '1', items: [{ field: 'summary', fieldId: 'summary', from: null, to: null }] })).toBeUndefined();
    expect(findStatusChange(undefined)).toBeUndefined();
  });
  it.each([
    ['10', undefined, 'stop', 'provision'],
    ['20', undefined, 'stop', 'stop'],
    ['30', 'done', 'stop', 'terminate'],
    ['40', 'done', 'terminate', 'terminate'],
    ['40', 'done', 'stop', 'stop'],
    ['40', 'done', 'nothing', 'none'],
    ['40', 'indeterminate', 'stop', 'none'],
  ] as const)('to %s (category %s, on close %s) → %s', (to, category, onClose, action) => {
    expect(decideStatusAction({ fromStatusId: '1', toStatusId: to }, statuses, onClose, category)).toBe(action);
  });
  it('ignores a change to the same status', () => {
    expect(decideStatusAction({ fromStatusId: '10', toStatusId: '10' }, statuses, 'stop', undefined)).toBe('none');
  });
});
