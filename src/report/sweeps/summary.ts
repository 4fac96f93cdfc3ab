/**
 * Results -> sweep series: the measurements that are sweep points, grouped into one line per
 * series and binding, each with its points' statistics and its growth fit. Pure, computed from the
 * results file (turn medians come from the samples), so every reader of a results file gets the
 * same fit without it being stored.
 */

import { pointUnits, SERIES, type SeriesName, type SweepKind } from '../../results/sweep-points.js';
import type { Measurement, Results } from '../../results/types.js';
import { turnMedians } from '../../stats/estimates.js';
import { fitGrowth, type GrowthFit } from './fit.js';

export interface SeriesPointStats {
  workload: string;
  size: number;
  units: number;
  median: number;
  ci95: [number, number];
  turns: number;
  /** vcpu-exits: exits per second on all vCPUs; vms: VMs per second. */
  perSecond?: number;
  /** Memory points: each step's median over turns (map, set_memory_region, touch, ...). */
  steps?: { name: string; median: number }[];
}

export interface SweepSeries {
  sweep: SweepKind;
  series: SeriesName;
  binding: string;
  unit: string;
  points: SeriesPointStats[];
  fit?: GrowthFit;
}

function turnValues(m: Measurement): number[] {
  if (m.samples.length === 0) return [];
  return turnMedians(m.samples, m.sampleRounds, m.sampleProcesses).map((turn) => turn.median);
}

/** What one iteration at a point delivers per second: exits on all vCPUs, or VMs. */
export function perSecond(series: SeriesName, size: number, medianNs: number): number | undefined {
  if (!(medianNs > 0)) return undefined;
  return series === 'vcpu-exits' || series === 'vms' ? (size * 1e9) / medianNs : undefined;
}

export function sweepSeries(results: Results): SweepSeries[] {
  const byKey = new Map<
    string,
    { series: SeriesName; binding: string; cells: { m: Measurement; size: number; units: number }[] }
  >();
  for (const m of results.measurements) {
    const point = m.point;
    if (!point || !m.stats || (m.status !== 'ok' && m.status !== 'suspect')) continue;
    const key = `${point.series}\u0000${m.binding}`;
    const entry = byKey.get(key) ?? { series: point.series, binding: m.binding, cells: [] };
    entry.cells.push({ m, size: point.size, units: pointUnits(point) });
    byKey.set(key, entry);
  }
  const order = Object.keys(SERIES);
  return [...byKey.values()]
    .sort((a, b) => order.indexOf(a.series) - order.indexOf(b.series) || a.binding.localeCompare(b.binding))
    .map(({ series, binding, cells }) => {
      cells.sort((a, b) => a.size - b.size);
      const fitted = cells.map((cell) => ({ units: cell.units, turns: turnValues(cell.m) }));
      const fit = fitGrowth(fitted);
      const info = SERIES[series];
      return {
        sweep: info.sweep,
        series,
        binding,
        unit: info.unit,
        points: cells.map(({ m, size, units }) => {
          const stats = m.stats as NonNullable<Measurement['stats']>;
          const rate = perSecond(series, size, stats.median);
          return {
            workload: m.workload,
            size,
            units,
            median: stats.median,
            ci95: stats.medianCi95,
            turns: stats.turns ?? stats.n,
            ...(rate === undefined ? {} : { perSecond: rate }),
            ...(m.steps ? { steps: m.steps.map((step) => ({ name: step.name, median: step.stats.median })) } : {}),
          };
        }),
        ...(fit ? { fit } : {}),
      };
    });
}
