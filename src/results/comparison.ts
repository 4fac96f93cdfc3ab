/**
 * The comparison of two runs as data: what `kvmbench compare` computes (compare/) and what the
 * terminal, Markdown and HTML renderings read (compare/, report/). It lives here, beside the
 * results it is made from, so that report/ takes a comparison as input without importing compare/.
 */
import type { HostFingerprint } from './types.js';

export type Verdict = 'regressed' | 'improved' | 'no significant change';

export interface CellRef {
  workload: string;
  binding: string;
}

export interface CellComparison extends CellRef {
  verdict: Verdict;
  /** The smallest change in percent this cell's verdict counts. */
  thresholdPercent: number;
  /** Median of the turn medians (see unitsOf in compare/), ns. */
  baselineMedianNs: number;
  currentMedianNs: number;
  baselineSamples: number;
  currentSamples: number;
  /** Turns: the independent units the statistics rest on (one cell's batch in one round of one process). */
  baselineTurns: number;
  currentTurns: number;
  /** median(current turns) / median(baseline turns): above 1 means slower. */
  ratio: number;
  /** Bootstrap 95 % percentile interval of the ratio, resampling turns. */
  ratioCi95: [number, number];
  /** median(current) - median(baseline), ns. */
  differenceNs: number;
  differenceCi95: [number, number];
  /** Two-sided Mann-Whitney U p-value on the turn medians of this cell alone. */
  pValue: number;
  /** p-value after Holm-Bonferroni across every compared cell: the one the verdict uses. */
  pValueHolm: number;
}

/** A cell measured in both runs that could not be compared, and why. */
export interface UncomparedCell extends CellRef {
  reason: string;
}

export interface RunReference {
  /** The file or folder it was read from ('' when given as an object). */
  source: string;
  id: string;
  startedAt: string;
  status: string;
  kvmbench: string;
  host: HostFingerprint;
}

export interface ComparisonMethod {
  alpha: number;
  defaultThresholdPercent: number;
  thresholdOverrides: Record<string, number>;
  bootstrapResamples: number;
  seed: number;
  /** How many cells Holm's correction covered. */
  comparisons: number;
}

export interface HostDifference {
  /** The fingerprint field, with a path for module parameters (kvmModules.kvm_intel.ept). */
  field: string;
  baseline: string;
  current: string;
  /** Whether the field changes performance: such differences make runs incomparable. */
  affectsPerformance: boolean;
}

export interface Comparison {
  baseline: RunReference;
  current: RunReference;
  method: ComparisonMethod;
  /** In the order the runs list them; renderings sort with orderByEffect. */
  cells: CellComparison[];
  /** Cells only in the current run. */
  added: CellRef[];
  /** Cells only in the baseline. */
  removed: CellRef[];
  notCompared: UncomparedCell[];
  /** Every fingerprint difference (performance-relevant ones only with allowDifferentHosts). */
  hostDifferences: HostDifference[];
  warnings: string[];
  summary: { regressed: number; improved: number; unchanged: number };
}

const VERDICT_RANK: Record<Verdict, number> = { regressed: 0, improved: 1, 'no significant change': 2 };

/** Regressions first (largest slowdown first), then improvements (largest speed-up first), then the rest by size. */
export function orderByEffect(cells: readonly CellComparison[]): CellComparison[] {
  const size = (cell: CellComparison): number => Math.abs(Math.log(cell.ratio));
  return [...cells].sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || size(b) - size(a));
}
