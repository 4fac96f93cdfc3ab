/**
 * Bencher Metric Format (bencher.json) for `bencher run --adapter json --file bencher.json`: one
 * benchmark per measured workload × binding, its median in the built-in `latency` measure (ns),
 * with the 95 % CI of the median (over turns) as lower and upper values, rounded to 0.001 ns like the
 * github-action-benchmark export (no `884589.0000000054`).
 */

import type { Results } from '../results/types.js';
import { summarize } from '../stats/estimates.js';
import type { ExportedFile, Exporter } from './exporter.js';
import { roundNs } from './github-benchmark.js';

export interface BencherMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}

/** Benchmark name → measure slug → metric. */
export type BencherMetricFormat = Record<string, Record<string, BencherMetric>>;

export function bencherMetrics(results: Results): BencherMetricFormat {
  const metrics: BencherMetricFormat = {};
  for (const measurement of results.measurements) {
    if (measurement.status !== 'ok' || measurement.samples.length === 0) continue;
    const stats = measurement.stats ?? summarize(measurement.samples);
    const [low, high] = stats.medianCi95;
    metrics[`${measurement.workload} / ${measurement.binding}`] = {
      latency: { value: roundNs(stats.median), lower_value: roundNs(low), upper_value: roundNs(high) },
    };
  }
  return metrics;
}

export const bencherExporter: Exporter = {
  format: 'bencher',
  description: 'bencher.json: Bencher Metric Format, the median and its 95 % CI as latency in ns',
  export: (results: Results): ExportedFile[] => [
    { name: 'bencher.json', content: `${JSON.stringify(bencherMetrics(results), null, 2)}\n` },
  ],
};
