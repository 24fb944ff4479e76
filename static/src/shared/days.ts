import { DAY_NAMES, expandDays, type DayName } from '../../../src/contract/schedule';

/** Day toggles ↔ the contract's days grammar ("MON-FRI", "MON,WED,FRI"). */

export const DAY_LABELS: Record<DayName, string> = { MON: 'Mon', TUE: 'Tue', WED: 'Wed', THU: 'Thu', FRI: 'Fri', SAT: 'Sat', SUN: 'Sun' };

export function daysFromSpec(spec: string): Set<DayName> {
  try {
    return expandDays(spec);
  } catch {
    return new Set();
  }
}

/** Runs of two or more consecutive days become a range, single days stay single; "" when none is chosen. */
export function specFromDays(days: ReadonlySet<DayName>): string {
  const parts: string[] = [];
  let i = 0;
  while (i < DAY_NAMES.length) {
    if (!days.has(DAY_NAMES[i] as DayName)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < DAY_NAMES.length && days.has(DAY_NAMES[j + 1] as DayName)) j++;
    parts.push(j > i ? `${DAY_NAMES[i]}-${DAY_NAMES[j]}` : (DAY_NAMES[i] as string));
    i = j + 1;
  }
  return parts.join(',');
}

export function describeDays(spec: string): string {
  const set = daysFromSpec(spec);
  if (set.size === 7) return 'every day';
  return specFromDays(set)
    .split(',')
    .map((p) => p.split('-').map((d) => DAY_LABELS[d as DayName]).join('–'))
    .join(', ');
}
