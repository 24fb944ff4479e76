import { useEffect, useRef, useState, type RefObject } from 'react';
import { token } from '@atlaskit/tokens';

/**
 * The fleet page's bar charts (cost per client, hours per day): Chart.js (canvas, tree-shaken to
 * the bar chart) is imported on demand, so it is a chunk of the fleet page's own build, fetched
 * after the table is on screen; the issue panel never loads it.
 */

/**
 * A design token's current value (canvas cannot use CSS variables), so the chart follows the theme.
 * token() gives `var(--ds-…)`, with a fallback only when one is passed; without a live value and a
 * fallback a canvas would paint black, so every series would look the same.
 */
function resolved(tokenValue: string): string {
  const m = /^var\((--[^,)]+)(?:,\s*(.+))?\)$/.exec(tokenValue);
  if (!m) return tokenValue;
  const live = getComputedStyle(document.documentElement).getPropertyValue(m[1] as string).trim();
  return live || (m[2] ?? '').trim() || 'gray';
}

export interface BarChartSpec {
  labels: string[];
  /** `color`: a design token, resolved when the chart is drawn. */
  datasets: { label: string; data: number[]; color: string }[];
  stacked?: boolean;
  xTitle?: string;
  yTick: (value: string) => string;
}

/**
 * Draws `spec()` on the canvas once `loading` is over (every page of the fleet is in, not again
 * for each page as it arrives) and again when `key` changes. `failed`: Chart.js could not be
 * loaded; the page then points to its table instead.
 */
export function useBarChart(key: string, loading: boolean, spec: () => BarChartSpec): { canvas: RefObject<HTMLCanvasElement>; failed: boolean } {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (loading) return;
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    import('chart.js')
      .then(({ Chart, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip }) => {
        if (cancelled || !canvas.current) return;
        Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
        const s = spec();
        const text = resolved(token('color.text.subtle'));
        const grid = resolved(token('color.border'));
        chart = new Chart(canvas.current, {
          type: 'bar',
          data: { labels: s.labels, datasets: s.datasets.map((d) => ({ label: d.label, data: d.data, backgroundColor: resolved(d.color) })) },
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            scales: {
              x: { stacked: s.stacked === true, ticks: { color: text }, grid: { color: grid }, ...(s.xTitle ? { title: { display: true, text: s.xTitle, color: text } } : {}) },
              y: { stacked: s.stacked === true, beginAtZero: true, ticks: { color: text, callback: (v) => s.yTick(String(v)) }, grid: { color: grid } },
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
    // `spec` is rebuilt every render; `key` says when its figures changed.
  }, [key, loading]);
  return { canvas, failed };
}
