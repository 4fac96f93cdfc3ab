/** Two CSV files: summary.csv (one row per workload × binding) and samples.csv (one row per sample). */
import { stringify } from 'csv-stringify/sync';
import type { Measurement } from '../bench/results.js';
import type { Exporter } from './exporter.js';

const round = (value: number | undefined, digits = 1) => (value === undefined ? '' : Number(value.toFixed(digits)));

function summaryRow(m: Measurement) {
  const s = m.stats;
  return {
    workload: m.workload,
    binding: m.binding,
    status: m.status,
    n: s?.n ?? 0,
    iterations_per_sample: m.iterationsPerSample,
    median_ns: round(s?.median),
    median_ci_low_ns: round(s?.medianCi95[0]),
    median_ci_high_ns: round(s?.medianCi95[1]),
    mean_ns: round(s?.mean),
    sd_ns: round(s?.sd),
    cv: round(s?.cv, 4),
    min_ns: round(s?.min),
    p90_ns: round(s?.p90),
    p99_ns: round(s?.p99),
    p999_ns: round(s?.p999),
    max_ns: round(s?.max),
    outliers_low: s?.outliers.low ?? '',
    outliers_high: s?.outliers.high ?? '',
    median_cycles: round(m.medianCycles, 0),
    vs_c_loop_ratio: round(m.overheadVsFloor?.ratio, 4),
    vs_c_loop_ratio_ci_low: round(m.overheadVsFloor?.ratioCi95[0], 4),
    vs_c_loop_ratio_ci_high: round(m.overheadVsFloor?.ratioCi95[1], 4),
    vs_c_loop_ns: round(m.overheadVsFloor?.differenceNs),
    exit_count_matched: m.exitCountCheck?.matched ?? '',
    error: m.error ?? '',
  };
}

export const csvExporter: Exporter = {
  format: 'csv',
  description: 'summary.csv (one row per workload × binding) and samples.csv (every sample, in run order)',
  export(results) {
    const summary = stringify(results.measurements.map(summaryRow), { header: true });
    const samples = stringify(
      results.measurements.flatMap((m) =>
        m.samples.map((ns, i) => ({
          workload: m.workload,
          binding: m.binding,
          sample: i,
          round: m.sampleRounds[i],
          time_ms: round(m.sampleTimesMs[i], 3),
          ns_per_iteration: round(ns),
          iterations: m.iterationsPerSample,
        })),
      ),
      {
        header: true,
        columns: ['workload', 'binding', 'sample', 'round', 'time_ms', 'ns_per_iteration', 'iterations'],
      },
    );
    return [
      { name: 'summary.csv', content: summary },
      { name: 'samples.csv', content: samples },
    ];
  },
};
