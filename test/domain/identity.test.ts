import type { Vm } from '../../src/contract/vm-api';
import { checkIdentity, checkProvisionStatus, provisionStatusHint } from '../../src/domain/identity';
import { ownedVmSource } from '../../src/domain/ownership';
import { USER_ERROR_CODES, userErrorOf } from '../../src/domain/user-errors';
import type { DevVmProperty } from '../../src/domain/vm-property';

const vm = { id: 'i-0123456789abcdef0' } as Vm;
const prop = (v: Vm | undefined): DevVmProperty => ({ ...(v ? { vm: v } : {}), updatedAt: '2026-11-30T00:00:00Z' });

describe('ownedVmSource', () => {
  it('uses the property copy only when it shows the recorded instance', () => {
    const record = { instanceId: vm.id, recordedAt: 'x' };
    expect(ownedVmSource(record, prop(vm))).toEqual({ kind: 'copy', vm });
    expect(ownedVmSource(record, prop({ ...vm, id: 'i-0fffffffffffffff0' }))).toEqual({ kind: 'fetch', instanceId: vm.id });
    expect(ownedVmSource(record, undefined)).toEqual({ kind: 'fetch', instanceId: vm.id });
    expect(ownedVmSource(undefined, prop(vm))).toEqual({ kind: 'verify', instanceId: vm.id });
    expect(ownedVmSource(undefined, prop(undefined))).toEqual({ kind: 'none' });
  });
});

describe('checkIdentity', () => {
  const identity = { developers: [{ developer: 'jdoe', accountId: 'a1', clients: ['acme'] as string[] }], knownClients: ['acme', 'globex'], allowNewClients: false };
  const base = { developer: 'jdoe', client: 'acme', identity, people: { assigneeAccountId: 'a1' }, actorIsAdmin: false, clientProvisionedBefore: false };
  it.each([
    [{}, undefined],
    [{ developer: 'bob' }, 'DEVELOPER_NOT_MAPPED'],
    [{ people: { reporterAccountId: 'a2' } }, 'DEVELOPER_NOT_ON_ISSUE'],
    [{ people: {}, actorIsAdmin: true }, undefined],
    [{ client: 'globex' }, 'CLIENT_NOT_ALLOWED'],
    [{ client: 'globex', actorIsAdmin: true }, 'CLIENT_NOT_ALLOWED'],
    [{ identity: { ...identity, developers: [{ ...identity.developers[0]!, clients: 'any' as const }] }, client: 'initech' }, 'CLIENT_UNKNOWN'],
    [{ identity: { ...identity, developers: [{ ...identity.developers[0]!, clients: 'any' as const }] }, client: 'initech', clientProvisionedBefore: true }, undefined],
    [{ identity: { ...identity, allowNewClients: true, developers: [{ ...identity.developers[0]!, clients: 'any' as const }] }, client: 'initech' }, undefined],
  ])('%j → %s', (over, rule) => {
    expect(checkIdentity({ ...base, ...over })?.rule).toBe(rule);
  });

  it('allows the panel to provision only in a provision status, unless an admin', () => {
    expect(checkProvisionStatus('3', ['10001'], false)?.rule).toBe('NOT_PROVISION_STATUS');
    expect(checkProvisionStatus('10001', ['10001'], false)).toBeUndefined();
    expect(checkProvisionStatus(undefined, ['10001'], true)).toBeUndefined();
  });

  it('names the statuses to move to when Provision is offered disabled', () => {
    expect(provisionStatusHint(['Ready'])).toBe('Move the issue to “Ready” to provision a VM.');
    expect(provisionStatusHint(['Ready', 'Approved', 'Go'])).toBe('Move the issue to “Ready”, “Approved” or “Go” to provision a VM.');
    expect(provisionStatusHint([])).toBe('No status provisions a VM yet: a Jira administrator chooses one on the Dev VM settings page.');
  });
});

describe('userErrorOf', () => {
  it('gives every failure a known code and a one-line cause', () => {
    const kinds = ['dns', 'timeout', 'network', 'signature', 'not-found', 'http', 'bad-response', 'rejected'] as const;
    const apiCodes = [undefined, 'VALIDATION_FAILED', 'NOT_ALLOWED', 'NOT_FOUND', 'CONFLICT', 'INSUFFICIENT_CAPACITY', 'THROTTLED', 'UNAUTHORIZED', 'UPSTREAM_FAILED', 'INTERNAL'];
    for (const kind of kinds)
      for (const apiCode of apiCodes) {
        const e = userErrorOf({ kind, apiCode });
        expect(USER_ERROR_CODES).toContain(e.code);
        expect(e.cause).not.toMatch(/\n/);
      }
  });
});
