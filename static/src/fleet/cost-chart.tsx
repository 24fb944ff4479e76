import { useEffect, useRef, useState } from 'react';
import { token } from '@atlaskit/tokens';
import type { Totals } from './table-model';
import { mutedText } from '../shared/ui';

/**
 * Cost this month per client against what the same VMs would have cost running 24/7, as a bar
 * chart. Chart.js (canvas, tree-shaken to the bar chart) is imported on demand, so it is a chunk of
 * the fleet page's own build, fetched after the table is on screen; the issue panel never loads it.
 * The canvas is an image with a text summary; the same figures are in the "Per client" table.
 */

/**
 * A design token's current value (canvas cannot use CSS variables), so the chart follows the theme.
 * token() gives `var(--ds-…)`, with a fallback only when one is passed; without a live value and a
 * fallback a canvas would paint black, so every series would look the same.
 */
export function resolved(tokenValue: string): string {
  const m = /^var\((--[^,)]+)(?:,\s*(.+))?\)$/.exec(tokenValue);
  if (!m) return tokenValue;
  const live = getComputedStyle(document.documentElement).getPropertyValue(m[1] as string).trim();
  return live || (m[2] ?? '').trim() || 'gray';
}

const TOP = 12;

export function CostChart(props: { totals: Totals[]; loading: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  const top = props.totals.slice(0, TOP);
  const key = JSON.stringify(top.map((t) => [t.key, t.costUsd, t.alwaysOnUsd]));

  useEffect(() => {
    // Drawn once every page of the fleet is in, not again for each page as it arrives.
    if (props.loading) return;
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    import('chart.js')
      .then(({ Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip }) => {
        if (cancelled || !canvas.current) return;
        Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
        const text = resolved(token('color.text.subtle'));
        const grid = resolved(token('color.border'));
        chart = new Chart(canvas.current, {
          type: 'bar',
          data: {
            labels: top.map((t) => t.key),
            datasets: [
              { label: 'Cost this month', data: top.map((t) => Math.round(t.costUsd * 100) / 100), backgroundColor: resolved(token('color.chart.brand')) },
              { label: 'Same VMs 24/7', data: top.map((t) => Math.round(t.alwaysOnUsd * 100) / 100), backgroundColor: resolved(token('color.chart.neutral')) },
            ],
          },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: {
              x: { ticks: { color: text }, grid: { color: grid } },
              y: { ticks: { color: text, callback: (v) => `$${String(v)}` }, grid: { color: grid }, beginAtZero: true },
            },
            plugins: { legend: { labels: { color: text } } },
          },
        });
        canvas.current.dataset.ready = 'true';
      })
      .catch(() => setFailed(true));
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [key, props.loading]);

  if (failed) return <p style={mutedText}>The chart could not be loaded; the figures are in the “Per client” table.</p>;
  const summary = top.map((t) => `${t.key} $${t.costUsd.toFixed(2)} of $${t.alwaysOnUsd.toFixed(2)}`).join('; ');
  return (
    <div style={{ position: 'relative', height: '280px', maxWidth: '900px', marginBlockStart: token('space.100') }}>
      <canvas ref={canvas} data-testid="cost-chart" role="img" aria-label={`Cost this month per client against 24/7 (top ${top.length}): ${summary}`} />
    </div>
  );
}
