/** Days of a schedule in words, one rule for the comments and the fleet page. */
const DAY_LABEL: Readonly<Record<string, string>> = { MON: 'Mon', TUE: 'Tue', WED: 'Wed', THU: 'Thu', FRI: 'Fri', SAT: 'Sat', SUN: 'Sun' };

/**
 * A days spec in words. A list of single days (what a checkbox or multi-select field gives,
 * "MON,TUE,WED,THU,FRI") is shortened to its runs ("Mon–Fri"), as the issue panel shows it; a
 * range as written ("SAT-MON") stays as written.
 */
export function daysText(spec: string): string {
  const label = (d: string): string => DAY_LABEL[d] ?? d;
  const items = new Set(spec.split(','));
  if ([...items].some((d) => !(d in DAY_LABEL))) return spec.replace(/[A-Z]{3}/g, label).replace(/-/g, '–').replace(/,/g, ', ');
  const order = Object.keys(DAY_LABEL);
  const runs: string[] = [];
  for (let i = 0; i < order.length; i++) {
    const first = order[i] ?? '';
    if (!items.has(first)) continue;
    let j = i;
    while (j + 1 < order.length && items.has(order[j + 1] ?? '')) j++;
    runs.push(j > i ? `${label(first)}–${label(order[j] ?? '')}` : label(first));
    i = j;
  }
  return runs.join(', ');
}
