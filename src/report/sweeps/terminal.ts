/** The terminal's few lines on a sweep: per series and binding, its growth fit and throughput. */

import { formatNs } from '../../format/units.js';
import type { Results } from '../../results/types.js';
import { sweepSeries } from './summary.js';

const ci = (low: number, high: number, format: (value: number) => string) => `[${format(low)}, ${format(high)}]`;

export function sweepSummaryLines(results: Results): string[] {
  const lines: string[] = [];
  for (const line of sweepSeries(results)) {
    const fit = line.fit;
    const head = `  ${line.series.padEnd(12)} ${line.binding.padEnd(14)}`;
    if (!fit) {
      lines.push(`${head} fewer than two measured points: no fit`);
      continue;
    }
    const exponent = `growth exponent ${fit.exponent.toFixed(2)} ${ci(fit.exponentCi95[0], fit.exponentCi95[1], (v) => v.toFixed(2))}`;
    const off = fit.departures.length ? `; off the line at ${fit.departures.length} point(s)` : '';
    const rates = line.points.filter((point) => point.perSecond !== undefined);
    const rate = rates.length
      ? `; ${rates.map((point) => Math.round(point.perSecond as number).toLocaleString('en-US')).join(' → ')} ${line.series === 'vms' ? 'VMs' : 'exits'}/s`
      : '';
    lines.push(
      `${head} ${formatNs(fit.slope)} ${ci(fit.slopeCi95[0], fit.slopeCi95[1], formatNs)} per ${line.unit}, fixed ${formatNs(fit.fixed)}, ${exponent}${off}${rate}`,
    );
  }
  return lines.length ? ['', 'growth (fit over the points, 95 % CI from a bootstrap over turns):', ...lines, ''] : [];
}
