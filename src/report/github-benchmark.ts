/**
 * github-action-benchmark's `customSmallerIsBetter` input (github-benchmark.json): one entry per
 * measured workload × binding, its median in ns, with the CI half-width as the range.
 * Workflow: `tool: customSmallerIsBetter`, `output-file-path: <run folder>/github-benchmark.json`.
 */

import type { Results } from '../results/types.js';
import { summarize } from '../stats/estimates.js';
import type { ExportedFile, Exporter } from './exporter.js';

/** One benchmark as github-action-benchmark reads it. */
export interface GithubBenchmarkEntry {
  name: string;
  unit: string;
  value: number;
  /** Shown beside the value; free text, conventionally "± <spread>". */
  range?: string;
  /** Shown in the chart's tooltip. */
  extra?: string;
}

/** Rounded so that the charts do not show float noise; 0.001 ns is far below any timer's resolution. */
export const roundNs = (ns: number): number => Math.round(ns * 1000) / 1000;

export function githubBenchmarkEntries(results: Results): GithubBenchmarkEntry[] {
  return results.measurements
    .filter((measurement) => measurement.status === 'ok' && measurement.samples.length > 0)
    .map((measurement) => {
      const stats = measurement.stats ?? summarize(measurement.samples);
      const [low, high] = stats.medianCi95;
      return {
        name: `${measurement.workload} / ${measurement.binding}`,
        unit: 'ns',
        value: roundNs(stats.median),
        range: `± ${Number(((high - low) / 2).toPrecision(3))}`,
        extra:
          `median of ${stats.n} samples × ${measurement.iterationsPerSample} iterations\n` +
          `95 % CI ${roundNs(low)} – ${roundNs(high)} ns, cv ${(stats.cv * 100).toFixed(1)} %\n` +
          (measurement.overheadVsFloor
            ? `over ${results.floor ?? 'c-loop'}: ${roundNs(measurement.overheadVsFloor.differenceNs)} ns (×${measurement.overheadVsFloor.ratio.toFixed(4)})\n`
            : '') +
          `run ${results.run.id}, kvmbench ${results.tool.version}`,
      };
    });
}

export const githubBenchmarkExporter: Exporter = {
  format: 'github-benchmark',
  description: "github-benchmark.json: github-action-benchmark's customSmallerIsBetter input (medians in ns)",
  export: (results: Results): ExportedFile[] => [
    { name: 'github-benchmark.json', content: `${JSON.stringify(githubBenchmarkEntries(results), null, 2)}\n` },
  ],
};
