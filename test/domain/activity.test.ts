import { activityFrom, type CpuSeries } from '../../src/domain/activity';

const NOW = new Date('2026-11-25T15:00:00Z');
const T = { cpuPercent: 10, cpuSustainMinutes: 15, periodMinutes: 5 };
const series = (id: string, values: number[]): CpuSeries => ({
  id,
  // Newest last, ending at the period before now (CloudWatch's latest complete period).
  timestamps: values.map((_, i) => new Date(NOW.getTime() - (values.length - i) * 5 * 60_000)),
  values,
});

describe('activity from sessions and CPU', () => {
  it('an open session is busy now; a closed one is activity at its end', () => {
    const a = activityFrom(
      [
        { target: 'i-open', startDate: new Date('2026-11-25T14:00:00Z'), status: 'Connected' },
        { target: 'i-closed', startDate: new Date('2026-11-25T09:00:00Z'), endDate: new Date('2026-11-25T11:00:00Z'), status: 'Terminated' },
      ],
      [],
      NOW,
      T,
    );
    expect(a.get('i-open')).toEqual({ busy: true, busyBy: ['session'], lastActiveAt: NOW });
    expect(a.get('i-closed')).toEqual({ busy: false, lastActiveAt: new Date('2026-11-25T11:00:00Z') });
  });

  it('CPU counts only when above the threshold for the sustained period, not for a boot spike', () => {
    const a = activityFrom([], [series('i-spike', [2, 80, 3, 2, 2, 2]), series('i-busy', [2, 40, 45, 50, 60]), series('i-was', [50, 50, 50, 2, 2, 2])], NOW, T);
    expect(a.has('i-spike')).toBe(false);
    expect(a.get('i-busy')).toEqual({ busy: true, busyBy: ['cpu'], lastActiveAt: NOW });
    expect(a.get('i-was')).toEqual({ busy: false, lastActiveAt: new Date('2026-11-25T14:45:00Z') });
  });

  it('says what keeps a VM busy: a session and CPU together', () => {
    const a = activityFrom([{ target: 'i-both', startDate: new Date('2026-11-25T14:00:00Z'), status: 'Connected' }], [series('i-both', [40, 45, 50, 60])], NOW, T);
    expect(a.get('i-both')).toEqual({ busy: true, busyBy: ['session', 'cpu'], lastActiveAt: NOW });
  });

  it('a gap in the samples (the VM was stopped) breaks a busy run', () => {
    const gappy: CpuSeries = { id: 'i-gap', timestamps: ['14:00', '14:05', '14:30'].map((h) => new Date(`2026-11-25T${h}:00Z`)), values: [50, 50, 50] };
    expect(activityFrom([], [gappy], NOW, T).has('i-gap')).toBe(false);
  });
});
