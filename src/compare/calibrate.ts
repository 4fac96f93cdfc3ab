/**
 * A/A calibration: the same build measured several times in a row, each run compared with the
 * first. The largest change seen between identical builds is the noise a threshold must clear: a
 * verdict needs the whole interval beyond the threshold, and an interval's near edge lies on the 1
 * side of its change, so no A/A pair whose change stays below the threshold can be called a
 * regression. The suggested threshold leaves a margin above the largest change.
 */
import type { Results } from '../results/types.js';
import { compareResults } from './compare-results.js';

export interface WorkloadNoise {
  workload: string;
  /** Largest |median ratio - 1| of a run against the first, over bindings and runs, in percent. */
  worstChangePercent: number;
  /** Largest distance from 1 of any ratio CI bound, in percent: what a verdict would have to clear. */
  worstCiEdgePercent: number;
  /** Threshold above every A/A change seen, with a 1.5x margin; at least 1 %. */
  suggestedThresholdPercent: number;
}

export function calibrate(runs: readonly Results[]): WorkloadNoise[] {
  if (runs.length < 2) throw new Error('calibration needs at least two runs');
  const [first, ...rest] = runs as [Results, ...Results[]];
  const byWorkload = new Map<string, { change: number; edge: number }>();
  for (const run of rest) {
    for (const cell of compareResults(first, run).cells) {
      const change = Math.abs(cell.ratio - 1) * 100;
      const edge = Math.max(Math.abs(cell.ratioCi95[0] - 1), Math.abs(cell.ratioCi95[1] - 1)) * 100;
      const worst = byWorkload.get(cell.workload) ?? { change: 0, edge: 0 };
      byWorkload.set(cell.workload, { change: Math.max(worst.change, change), edge: Math.max(worst.edge, edge) });
    }
  }
  return [...byWorkload].map(([workload, worst]) => ({
    workload,
    worstChangePercent: worst.change,
    worstCiEdgePercent: worst.edge,
    suggestedThresholdPercent: Math.max(1, Math.ceil(worst.change * 1.5)),
  }));
}

/** The --threshold-for value to paste into `kvmbench compare`. */
export function thresholdOption(noise: readonly WorkloadNoise[]): string {
  return noise.map((n) => `${n.workload}=${n.suggestedThresholdPercent}`).join(',');
}
