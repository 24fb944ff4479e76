import { token } from '@atlaskit/tokens';
import type { Totals } from './table-model';
import { mutedText } from '../shared/ui';
import { useBarChart } from './bar-chart';

/**
 * Cost this month per client against what the same VMs would have cost running 24/7, as a bar
 * chart (bar-chart.ts loads Chart.js on demand). The canvas is an image with a text summary; the
 * same figures are in the "Per client" table.
 */

const TOP = 12;

export function CostChart(props: { totals: Totals[]; loading: boolean }) {
  const top = props.totals.slice(0, TOP);
  const key = JSON.stringify(top.map((t) => [t.key, t.costUsd, t.alwaysOnUsd]));
  const { canvas, failed } = useBarChart(key, props.loading, () => ({
    labels: top.map((t) => t.key),
    datasets: [
      { label: 'Cost this month', data: top.map((t) => Math.round(t.costUsd * 100) / 100), color: token('color.chart.brand') },
      { label: 'Same VMs 24/7', data: top.map((t) => Math.round(t.alwaysOnUsd * 100) / 100), color: token('color.chart.neutral') },
    ],
    yTick: (v) => `$${v}`,
  }));

  if (failed) return <p style={mutedText}>The chart could not be loaded; the figures are in the “Per client” table.</p>;
  const summary = top.map((t) => `${t.key} $${t.costUsd.toFixed(2)} of $${t.alwaysOnUsd.toFixed(2)}`).join('; ');
  return (
    <div style={{ position: 'relative', height: '280px', maxWidth: '900px', marginBlockStart: token('space.100') }}>
      <canvas ref={canvas} data-testid="cost-chart" role="img" aria-label={`Cost this month per client against 24/7 (top ${top.length}): ${summary}`} />
    </div>
  );
}
