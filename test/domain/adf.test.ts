import type { LifecycleEvent } from '../../src/contract/events';
import type { Vm } from '../../src/contract/vm-api';
import { adfToText, doc, formatInZone, paragraph } from '../../src/domain/adf';
import {
  apiGaveUpComment,
  apiRejectedComment,
  apiUnavailableComment,
  auditComment,
  describeSchedule,
  lifecycleComment,
  noTransitionComment,
  notConfiguredComment,
  problemsComment,
  provisioningComment,
  readyComment,
  statusActionComment,
} from '../../src/domain/comments';
import { adfProblems } from '../../local/adf-validator';

const vm: Vm = {
  id: 'i-0abc12345def67890',
  issueKey: 'OPS-1',
  client: 'acme',
  developer: 'jdoe',
  instanceType: 't3.large',
  os: 'al2023',
  state: 'running',
  createdAt: '2026-11-26T08:00:00Z',
  schedule: { start: '08:00', stop: '18:00', timezone: 'Asia/Kolkata', days: 'MON-FRI', enabled: true },
  connection: {
    region: 'eu-west-1',
    ssmCommand: 'aws ssm start-session --target i-0abc12345def67890 --region eu-west-1',
    homePath: '/home/jdoe',
    databases: [{ engine: 'postgres', host: 'pg', port: 5432, database: 'client_acme', user: 'dev_jdoe', secretName: 'dev-vm/db/jdoe' }],
  },
};
const ev = (type: LifecycleEvent['type'], over: Partial<LifecycleEvent> = {}): LifecycleEvent => ({
  id: '6f1c1d1e-0000-4000-8000-000000000001',
  type,
  time: '2026-11-26T12:00:00Z',
  instanceId: vm.id,
  issueKey: 'OPS-1',
  client: 'acme',
  developer: 'jdoe',
  cause: 'schedule',
  ...over,
});

describe('every comment the app posts is valid ADF (Atlassian’s JSON schema)', () => {
  const req = { issueKey: 'OPS-1', client: 'acme', developer: 'jdoe', instanceType: 't3.large', os: 'al2023' as const, schedule: vm.schedule };
  it.each([
    ['problems', problemsComment([{ field: 'customfield_1', label: 'Client', message: 'is empty' }])],
    ['provisioning', provisioningComment(req, vm)],
    ['status action', statusActionComment('stop', vm, 'Parked')],
    ['api unavailable', apiUnavailableComment({ code: 'VM_API_UNREACHABLE', cause: 'The VM API did not answer.', ref: '0a1b2c3d' }, 1)],
    ['api gave up', apiGaveUpComment({ code: 'VM_API_UNREACHABLE', cause: 'The VM API did not answer.', ref: '0a1b2c3d' }, 4)],
    ['api rejected', apiRejectedComment({ code: 'NO_CAPACITY', cause: 'AWS has no capacity.', ref: '0a1b2c3d' })],
    ['not configured', notConfiguredComment(['API URL'])],
    ['ready', readyComment(vm)],
    ['ready without private IP', readyComment({ ...vm, connection: { ...vm.connection, databases: [] } })],
    ['stopped', lifecycleComment(ev('vm.stopped'), 'UTC')],
    ['started again', lifecycleComment(ev('vm.running', { vm }), 'UTC', false)],
    ['start failed', lifecycleComment(ev('vm.start-failed', { reason: 'capacity' }), 'UTC')],
    ['idle warning', lifecycleComment(ev('vm.idle-warning', { terminateAt: '2026-12-01T00:00:00Z' }), 'Europe/Paris')],
    ['terminated', lifecycleComment(ev('vm.terminated'), 'UTC')],
    ['first boot under way', lifecycleComment(ev('vm.running', { vm }), 'UTC', true)],
    ['ready without a known VM', lifecycleComment(ev('vm.ready', { cause: 'boot' }), 'UTC')],
    ['boot failed', lifecycleComment(ev('vm.boot-failed', { cause: 'boot', bootStep: 'home' }), 'UTC')],
    ['boot failed, step unknown', lifecycleComment(ev('vm.boot-failed', { cause: 'boot', reason: 'no ready signal within 30 minutes' }), 'UTC')],
    ['no transition', noTransitionComment('Provisioned')],
    ['audit', auditComment({ accountId: '5b10a2844c20165700ede21g', name: 'Jane Doe' }, 'stop', '2026-11-26T09:15:00Z', 'Asia/Kolkata', 'i-0abc12345def67890')],
  ])('%s', (_name, comment) => {
    expect(comment).toBeDefined();
    expect(adfProblems(comment)).toEqual([]);
  });

  it('the validator is strict: empty text and unknown nodes fail', () => {
    expect(adfProblems({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] })).not.toEqual([]);
    expect(adfProblems({ type: 'doc', version: 1, content: [{ type: 'shout', content: [] }] })).not.toEqual([]);
    expect(adfProblems({ type: 'doc', content: [] })).not.toEqual([]);
  });

  it('drops empty strings instead of emitting empty text nodes', () => {
    expect(doc(paragraph('', 'a', ''))).toEqual({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }] }] });
  });
});

describe('what the comments say', () => {
  it('the ready comment names the secret, never a password', () => {
    const text = adfToText(readyComment(vm));
    expect(text).toContain('dev-vm/db/jdoe');
    expect(text).toContain('Mon–Fri 08:00–18:00 (Asia/Kolkata)');
  });
  it('times are shown in the developer’s zone', () => {
    expect(formatInZone('2026-11-26T12:00:00Z', 'Asia/Kolkata')).toBe('2026-11-26 17:30 (Asia/Kolkata)');
    expect(formatInZone('2026-11-26T12:00:00Z', 'Not/AZone')).toBe('2026-11-26 12:00 (UTC)');
  });
  it('describes schedules, including disabled and start-only ones', () => {
    expect(describeSchedule({ ...vm.schedule, enabled: false })).toContain('not scheduled');
    expect(describeSchedule({ start: '09:00', timezone: 'UTC', days: 'SAT-MON', enabled: true })).toBe('Sat–Mon starts 09:00 (UTC)');
    // Days from a checkbox field come as a list: said as the panel says them.
    expect(describeSchedule({ start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON,TUE,WED,THU,FRI', enabled: true })).toBe('Mon–Fri 08:00–18:00 (UTC)');
    expect(describeSchedule({ start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON,WED,THU,FRI,SUN', enabled: true })).toBe('Mon, Wed–Fri, Sun 08:00–18:00 (UTC)');
    expect(describeSchedule({ start: '08:00', stop: '18:00', timezone: 'UTC', days: 'MON,TUE', enabled: true })).toBe('Mon–Tue 08:00–18:00 (UTC)');
  });

  // Item 12: the cause and the time a person reads are the real ones.
  it('a scheduled start is dated by the instance’s launch time, not by when a run noticed it', () => {
    const text = adfToText(lifecycleComment(ev('vm.running', { time: '2026-11-26T02:40:00Z', cause: 'schedule', vm: { ...vm, launchTime: '2026-11-26T02:35:00Z' } }), 'Asia/Kolkata', false) ?? doc());
    expect(text).toContain('Dev VM started at 2026-11-26 08:05 (Asia/Kolkata) (start of working hours).');
  });
  it('a stop after a Keep running hold ended says so; a stop at a working-hours boundary says end of working hours', () => {
    // Hold until 20:00 Kolkata on Thursday 26 Nov; the 18:00 stop was held back; stopped at 20:05.
    const held = { ...vm, keepRunningUntil: '2026-11-26T14:30:00Z' };
    const afterHold = adfToText(lifecycleComment(ev('vm.stopped', { time: '2026-11-26T14:35:00Z', cause: 'schedule', vm: held }), 'Asia/Kolkata') ?? doc());
    expect(afterHold).toContain('(the Keep running hold ended at 2026-11-26 20:00 (Asia/Kolkata)).');
    expect(afterHold).not.toContain('end of working hours');
    // An old hold (yesterday) and today's 18:00 stop: the working hours ended.
    const old = { ...vm, keepRunningUntil: '2026-11-25T14:30:00Z' };
    expect(adfToText(lifecycleComment(ev('vm.stopped', { time: '2026-11-26T12:32:00Z', cause: 'schedule', vm: old }), 'Asia/Kolkata') ?? doc())).toContain('(end of working hours).');
  });
  it('the audit comment names the person and uses the VM’s zone, never raw UTC', () => {
    const c = auditComment({ accountId: '5b10a2844c20165700ede21g', name: 'Jane Doe' }, 'keepRunning', '2026-11-26T09:15:00Z', 'Asia/Kolkata', 'until 2026-11-26 20:00 (Asia/Kolkata)');
    expect(adfToText(c)).toBe('@Jane Doe kept the dev VM running from the Dev VM panel at 2026-11-26 14:45 (Asia/Kolkata): until 2026-11-26 20:00 (Asia/Kolkata).');
  });
});
