/**
 * The comparison of two runs as data: what `kvmbench compare` computes (compare/) and what the
 * terminal, Markdown and HTML renderings read (compare/, report/). It lives here, beside the
 * results it is made from, so that report/ takes a comparison as input without importing compare/.
 */
import type { HostFingerprint } from './types.js';

/**
 * regressed / improved: significant after Holm and beyond the threshold; inconclusive: not
 * significant, but the interval reaches beyond the threshold (the data cannot rule a change out);
 * no significant change: neither.
 */
export type Verdict = 'regressed' | 'improved' | 'inconclusive' | 'no significant change';

/**
 * What a verdict rests on. ratio-to-floor: the binding's time over the C floor's (c-loop) in the same
 * process and round, which a host-wide speed change leaves alone; absolute: ns per iteration, which
 * moves with the host's speed (host-sensitive).
 */
export type VerdictBasis = 'ratio-to-floor' | 'absolute';

export interface CellRef {
  workload: string;
  binding: string;
}

/** One quantity of a cell tested between the runs (Welch's t on the logs of its units). */
export interface ChangeTest {
  basis: VerdictBasis;
  verdict: Verdict;
  /** The smallest change in percent this verdict counts. */
  thresholdPercent: number;
  /** Geometric-mean ratio of the units, current over baseline: above 1 means slower. */
  ratio: number;
  /** 95 % interval of the ratio (Welch's t on the logs). */
  ratioCi95: [number, number];
  /** Welch's two-sided p-value for this cell alone. */
  pValue: number;
  /** p after Holm-Bonferroni across the cells of its family: the one the verdict uses. */
  pValueHolm: number;
  /** process: per-process medians (the default run); turn: turn medians (runs of one process: a lower bound). */
  unit: 'process' | 'turn';
  baselineUnits: number;
  currentUnits: number;
}

export interface CellComparison extends CellRef, ChangeTest {
  /**
   * Whether this verdict can fail the gate: every binding's, and the floor's only with --on absolute
   * or when a paired design (A B A B runs) confirmed its change in every adjacent pair.
   */
  gates: boolean;
  /** Median of the turn medians (see unitsOf in compare/), ns; pooled over the runs of a side. */
  baselineMedianNs: number;
  currentMedianNs: number;
  baselineSamples: number;
  currentSamples: number;
  /** Turns: one cell's batch in one round of one process. */
  baselineTurns: number;
  currentTurns: number;
  /** currentMedianNs - baselineMedianNs, and its interval from the absolute ratio's. */
  differenceNs: number;
  differenceCi95: [number, number];
  /** Median over turns of the binding's time over the floor's, each run side (basis ratio-to-floor). */
  baselineOverFloor?: number;
  currentOverFloor?: number;
  /** The absolute change beside a ratio-to-floor verdict: host-sensitive, never gates. */
  absolute?: ChangeTest;
  /** Paired design, floor cells: the floor's change in each adjacent baseline/current pair of runs, in time order. */
  pairChanges?: number[];
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
  /** The quantity the binding cells gate on (--on). */
  basis: VerdictBasis;
  /** The floor binding (c-loop) the ratios are formed against. */
  floor: string;
  alpha: number;
  defaultThresholdPercent: number;
  thresholdOverrides: Record<string, number>;
  /** How many cells Holm's correction covered in the gated family. */
  comparisons: number;
  /** The absolute times' threshold, when the verdicts beside rest on them. */
  absoluteThresholdPercent: number;
  /** Runs pooled on each side (several: the paired design). */
  baselineRuns: number;
  currentRuns: number;
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
  /** The first run of each side; all of them in baselineRuns / currentRuns when several were pooled. */
  baseline: RunReference;
  current: RunReference;
  baselineRuns?: RunReference[];
  currentRuns?: RunReference[];
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
  /** Counts of primary verdicts; regressed counts only gating cells (the exit code follows it). */
  summary: {
    regressed: number;
    improved: number;
    unchanged: number;
    inconclusive: number;
    /** Cells (the floor's) with a change that does not gate: host-sensitive, unconfirmed. */
    notGating: number;
  };
}

const VERDICT_RANK: Record<Verdict, number> = {
  regressed: 0,
  improved: 1,
  inconclusive: 2,
  'no significant change': 3,
};

/** Regressions first (largest slowdown first), improvements, inconclusive, then the rest, each by size. */
export function orderByEffect(cells: readonly CellComparison[]): CellComparison[] {
  const size = (cell: CellComparison): number => Math.abs(Math.log(cell.ratio));
  return [...cells].sort((a, b) => VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] || size(b) - size(a));
}
