import { useState } from 'react';
import { token } from '@atlaskit/tokens';
import { mutedText } from '../shared/ui';
import { useBarChart } from './bar-chart';
import type { DailySeries } from './table-model';

/**
 * Running hours per UTC day of the month, one bar per day stacked by client (the VMs shown). Like
 * the cost chart, Chart.js is fetched on demand, after the table. The canvas is an image with a
 * one-line summary; the full figures are in the table under it (closed by default), which is what
 * a screen reader or a keyboard user reads instead of the picture.
 */

const PALETTE = [
  token('color.chart.categorical.1'),
  token('color.chart.categorical.2'),
  token('color.chart.categorical.3'),
  token('color.chart.categorical.4'),
  token('color.chart.categorical.5'),
  token('color.chart.categorical.6'),
  token('color.chart.categorical.7'),
  token('color.chart.categorical.8'),
];

export function DailyChart(props: { data: DailySeries; month: string; loading: boolean }) {
  // The table is built when opened: the first page of the fleet renders without it.
  const [open, setOpen] = useState(false);
  const { days, series, unsplitHours } = props.data;
  const key = JSON.stringify([days.length, series]);
  const { canvas, failed } = useBarChart(key, props.loading, () => ({
    labels: days.map(String),
    datasets: series.map((s, i) => ({ label: s.client, data: s.hours, color: PALETTE[i % PALETTE.length] as string })),
    stacked: true,
    xTitle: 'Day of the month (UTC)',
    yTick: (v) => `${v} h`,
  }));

  const totals = days.map((_, i) => series.reduce((a, s) => a + (s.hours[i] ?? 0), 0));
  const busiest = totals.reduce((best, h, i) => (h > (totals[best] ?? 0) ? i : best), 0);
  const summary = days.length
    ? `Running hours per day in ${props.month}, stacked by client, days 1 to ${days.length}: ${totals.reduce((a, b) => a + b, 0).toFixed(1)} h in all, busiest day ${busiest + 1} with ${(totals[busiest] ?? 0).toFixed(1)} h`
    : 'No running hours per day recorded yet this month';
  return (
    <>
      {failed ? (
        <p style={mutedText}>The chart could not be loaded; the figures are in the table below.</p>
      ) : (
        <div style={{ position: 'relative', height: '280px', maxWidth: '900px', marginBlockStart: token('space.100') }}>
          <canvas ref={canvas} data-testid="daily-chart" role="img" aria-label={summary} />
        </div>
      )}
      {unsplitHours > 0 && (
        <p style={mutedText} data-testid="daily-undated">
          {unsplitHours.toFixed(1)} h of this month were recorded before hours were kept per day, and are in the totals but on no day here.
        </p>
      )}
      <details onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>Running hours per day as a table</summary>
        {/* Scrollable, so reachable by keyboard (tabIndex) and named as a region. */}
        {open && (
          <div style={{ overflowX: 'auto', maxHeight: '24rem' }} tabIndex={0} role="region" aria-label="Running hours per day, per client">
            <table className="dv-table" data-testid="daily-table">
              <caption className="dv-visually-hidden">Running hours per day of {props.month} (UTC), per client</caption>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  {series.map((s) => (
                    <th key={s.client} scope="col">
                      {s.client}
                    </th>
                  ))}
                  <th scope="col">All</th>
                </tr>
              </thead>
              <tbody>
                {days.map((d, i) => (
                  <tr key={d}>
                    <th scope="row">{d}</th>
                    {series.map((s) => (
                      <td key={s.client} className="dv-num">
                        {(s.hours[i] ?? 0).toFixed(2)}
                      </td>
                    ))}
                    <td className="dv-num">{(totals[i] ?? 0).toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </>
  );
}
