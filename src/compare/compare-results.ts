/**
 * Run-to-run comparison: for each workload × binding measured in both runs, the change in median
 * with a bootstrap CI, a Mann-Whitney U test, Holm's correction across all cells, and a verdict.
 * The independent unit is the turn, as in the run itself: one cell's samples in one round (of one
 * process). Samples within a turn are autocorrelated; treating them as independent gives intervals
 * that two identical runs fall outside. Pure: two results objects in, one Comparison out.
 */

import {
  type BootstrapOptions,
  DEFAULT_BOOTSTRAP_RESAMPLES,
  DEFAULT_SEED,
  median,
  type TurnUnit,
  turnMedians,
  unpairedRatioCi,
} from '../bench/stats.js';
import { UsageError } from '../errors.js';
import type {
  CellComparison,
  CellRef,
  Comparison,
  HostDifference,
  RunReference,
  UncomparedCell,
  Verdict,
} from '../results/comparison.js';
import type { Measurement, Results, WorkloadInfo } from '../results/types.js';
import { checkHostsComparable } from './host-check.js';
import { holmBonferroni, mannWhitneyU } from './stats.js';
import {
  checkThresholdOverrides,
  defaultThresholdPolicy,
  type ThresholdPolicy,
  thresholdPercentFor,
} from './thresholds.js';

export const DEFAULT_ALPHA = 0.05;

/**
 * Below this many turns on a side, Mann-Whitney cannot reach p < 0.05 across a few cells (3 turns
 * against 3: no p below 0.1 at all), so no cell can be called regressed or improved.
 */
const MIN_TURNS_FOR_TEST = 6;

export interface CompareOptions {
  thresholds?: ThresholdPolicy;
  /** Significance level for the Holm-adjusted p-values; default 0.05. */
  alpha?: number;
  /** Compare even when the hosts differ in what changes performance. */
  allowDifferentHosts?: boolean;
  bootstrap?: BootstrapOptions;
  /** Where each run was read from, for the report. */
  sources?: { baseline: string; current: string };
}

/**
 * Regressed only when the whole ratio CI lies above 1 + threshold and the corrected p is below
 * alpha; improved symmetrically; otherwise no significant change. Both conditions guard against
 * a different failure: the CI against changes too small to matter, the test against noise.
 */
export function verdictFor(
  ratioCi95: readonly [number, number],
  pValueHolm: number,
  thresholdPercent: number,
  alpha: number,
): Verdict {
  if (!(pValueHolm < alpha)) return 'no significant change';
  const threshold = thresholdPercent / 100;
  if (ratioCi95[0] > 1 + threshold) return 'regressed';
  if (ratioCi95[1] < 1 - threshold) return 'improved';
  return 'no significant change';
}

/** Compares `current` against `baseline`. Throws IncomparableRunsError for different hosts (unless allowed). */
export function compareResults(baseline: Results, current: Results, options: CompareOptions = {}): Comparison {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const thresholds = options.thresholds ?? defaultThresholdPolicy();
  const hostDifferencesFound = checkHostsComparable(baseline.host, current.host, options.allowDifferentHosts ?? false);
  const workloadKinds = new Map([...baseline.workloads, ...current.workloads].map((w) => [w.name, w.kind] as const));
  checkThresholdOverrides(thresholds, [...baseline.workloads, ...current.workloads]);

  const { pairs, added, removed } = pairCells(baseline, current);
  const notCompared: UncomparedCell[] = [];
  const measured: UncorrectedCell[] = [];
  for (const [before, after] of pairs) {
    const cell = cellRef(before);
    const change =
      whyNotComparable(before, after, baseline, current) || measureChange(before, after, options.bootstrap);
    if (typeof change === 'string') {
      notCompared.push({ ...cell, reason: change });
      continue;
    }
    const thresholdPercent = thresholdPercentFor(thresholds, cell.workload, workloadKinds.get(cell.workload));
    measured.push({ ...cell, thresholdPercent, ...change });
  }

  // Holm's correction spans every compared cell: with 40 cells, some p < 0.05 by chance alone.
  const adjusted = holmBonferroni(measured.map((cell) => cell.pValue));
  const cells = measured.map((cell, i): CellComparison => {
    const pValueHolm = adjusted[i] ?? 1;
    return { ...cell, pValueHolm, verdict: verdictFor(cell.ratioCi95, pValueHolm, cell.thresholdPercent, alpha) };
  });

  return {
    baseline: runReference(baseline, options.sources?.baseline ?? ''),
    current: runReference(current, options.sources?.current ?? ''),
    method: {
      alpha,
      defaultThresholdPercent: thresholds.defaultPercent,
      thresholdOverrides: thresholds.overrides,
      bootstrapResamples: options.bootstrap?.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES,
      seed: options.bootstrap?.seed ?? DEFAULT_SEED,
      comparisons: cells.length,
    },
    cells,
    added,
    removed,
    notCompared,
    hostDifferences: hostDifferencesFound,
    warnings: comparisonWarnings(baseline, current, hostDifferencesFound, pairs, cells),
    summary: {
      regressed: cells.filter((cell) => cell.verdict === 'regressed').length,
      improved: cells.filter((cell) => cell.verdict === 'improved').length,
      unchanged: cells.filter((cell) => cell.verdict === 'no significant change').length,
    },
  };
}

type UncorrectedCell = Omit<CellComparison, 'verdict' | 'pValueHolm'>;
type MeasuredChange = Omit<UncorrectedCell, 'workload' | 'binding' | 'thresholdPercent'>;
type CellPair = readonly [baseline: Measurement, current: Measurement];

/** Cells in both runs, in the baseline's order; cells in one run only. */
function pairCells(baseline: Results, current: Results): { pairs: CellPair[]; added: CellRef[]; removed: CellRef[] } {
  const before = indexMeasurements(baseline, 'baseline');
  const after = indexMeasurements(current, 'current');
  const pairs: CellPair[] = [];
  const removed: CellRef[] = [];
  for (const [key, measurement] of before) {
    const match = after.get(key);
    if (match) pairs.push([measurement, match]);
    else removed.push(cellRef(measurement));
  }
  const added = [...after].filter(([key]) => !before.has(key)).map(([, measurement]) => cellRef(measurement));
  return { pairs, added, removed };
}

/** The independent units of a measurement: its turn medians. */
export function unitsOf(measurement: Measurement): TurnUnit[] {
  const processes = (measurement as Measurement & { sampleProcesses?: number[] }).sampleProcesses;
  return turnMedians(measurement.samples, measurement.sampleRounds, processes);
}

/** The change in median turn with its bootstrap CI and the uncorrected test, or why it cannot be computed. */
function measureChange(
  before: Measurement,
  after: Measurement,
  bootstrap: BootstrapOptions | undefined,
): MeasuredChange | string {
  let unitsBefore: TurnUnit[];
  let unitsAfter: TurnUnit[];
  try {
    unitsBefore = unitsOf(before);
    unitsAfter = unitsOf(after);
  } catch (error) {
    return (error as Error).message; // samples and their rounds disagree in length
  }
  let change: ReturnType<typeof unpairedRatioCi>;
  try {
    change = unpairedRatioCi(unitsBefore, unitsAfter, bootstrap);
  } catch (error) {
    return (error as Error).message; // a zero median: no ratio to form
  }
  const mediansBefore = unitsBefore.map((unit) => unit.median);
  const mediansAfter = unitsAfter.map((unit) => unit.median);
  return {
    baselineMedianNs: median(mediansBefore),
    currentMedianNs: median(mediansAfter),
    baselineSamples: before.samples.length,
    currentSamples: after.samples.length,
    baselineTurns: unitsBefore.length,
    currentTurns: unitsAfter.length,
    ratio: change.ratio,
    ratioCi95: change.ratioCi95,
    differenceNs: change.difference,
    differenceCi95: change.differenceCi95,
    pValue: mannWhitneyU(mediansBefore, mediansAfter).p,
  };
}

const cellKey = (measurement: CellRef): string => `${measurement.workload}\u0000${measurement.binding}`;
const cellRef = (measurement: CellRef): CellRef => ({ workload: measurement.workload, binding: measurement.binding });

function indexMeasurements(results: Results, role: string): Map<string, Measurement> {
  const cells = new Map<string, Measurement>();
  for (const measurement of results.measurements) {
    const key = cellKey(measurement);
    if (cells.has(key)) {
      throw new UsageError(
        `the ${role} run (${results.run.id}) measures ${measurement.workload} / ${measurement.binding} twice, ` +
          'but a run measures each workload × binding once: which one to compare is unknowable',
      );
    }
    cells.set(key, measurement);
  }
  return cells;
}

function whyNotComparable(before: Measurement, after: Measurement, baseline: Results, current: Results): string {
  for (const [role, measurement] of [
    ['baseline', before],
    ['current', after],
  ] as const) {
    if (measurement.status !== 'ok')
      return `${measurement.status} in the ${role} run${measurement.error ? `: ${measurement.error}` : ''}`;
    if (measurement.samples.length === 0) return `no samples in the ${role} run`;
  }
  const definitionBefore = baseline.workloads.find((workload) => workload.name === before.workload);
  const definitionAfter = current.workloads.find((workload) => workload.name === after.workload);
  if (definitionBefore && definitionAfter) return workloadChange(definitionBefore, definitionAfter);
  return '';
}

/** A workload whose guest or exits per iteration changed measures something else: not a regression. */
function workloadChange(before: WorkloadInfo, after: WorkloadInfo): string {
  const fields = ['guest', 'userspaceExitsPerIteration', 'inKernelExitsPerIteration'] as const;
  const changed = fields
    .filter((field) => before[field] !== after[field])
    .map((field) => `${field} ${JSON.stringify(before[field])} → ${JSON.stringify(after[field])}`);
  return changed.length === 0 ? '' : `the workload changed between the runs (${changed.join(', ')})`;
}

function runReference(results: Results, source: string): RunReference {
  return {
    source,
    id: results.run.id,
    startedAt: results.run.startedAt,
    status: results.run.status,
    kvmbench: results.tool.version,
    host: results.host,
  };
}

function comparisonWarnings(
  baseline: Results,
  current: Results,
  hostDifferencesFound: readonly HostDifference[],
  pairs: readonly CellPair[],
  cells: readonly CellComparison[],
): string[] {
  const warnings: string[] = [];
  const refused = hostDifferencesFound.filter((difference) => difference.affectsPerformance);
  if (refused.length > 0) {
    warnings.push(
      `compared across different hosts (--allow-different-hosts): ${refused.map((d) => d.field).join(', ')} ` +
        `${refused.length === 1 ? 'differs' : 'differ'}, so a change may be the host rather than the code`,
    );
  }
  for (const [role, results] of [
    ['baseline', baseline],
    ['current', current],
  ] as const) {
    if (results.run.status === 'incomplete')
      warnings.push(`the ${role} run (${results.run.id}) was interrupted: cells it did not reach are missing`);
  }
  const newlyFailing = pairs.filter(([before, after]) => before.status === 'ok' && after.status === 'failed');
  if (newlyFailing.length > 0) {
    const names = newlyFailing.map(([, after]) => `${after.workload} / ${after.binding}`);
    warnings.push(`${names.join(', ')} failed in the current run but worked in the baseline`);
  }
  const fewTurns = cells.filter((cell) => Math.min(cell.baselineTurns, cell.currentTurns) < MIN_TURNS_FOR_TEST);
  if (fewTurns.length > 0) {
    const all = fewTurns.length === cells.length;
    warnings.push(
      `fewer than ${MIN_TURNS_FOR_TEST} turns (rounds) in a run for ` +
        `${all ? 'every cell' : fewTurns.map((cell) => `${cell.workload} / ${cell.binding}`).join(', ')}: ` +
        'too few independent units to call a change significant; run with more --rounds or --processes',
    );
  }
  const processesBefore = baseline.run.options.processes ?? 1;
  const processesAfter = current.run.options.processes ?? 1;
  // Runs from before --processes existed do not say; both of these said 1.
  if (baseline.run.options.processes === 1 && current.run.options.processes === 1) {
    warnings.push(
      'both runs measured in one process (--quick or --processes 1): their intervals hold the variation within a ' +
        'process, not the host’s from one process to the next (on a PVM host up to 30 %), so a change between ' +
        'them may be the host; gate on default runs (several processes each)',
    );
  } else if (processesBefore !== processesAfter && Math.min(processesBefore, processesAfter) === 1) {
    warnings.push(
      `the baseline measured in ${processesBefore} process(es), the current run in ${processesAfter}: the one-process run ` +
        'shows nothing of its own process-to-process variation, so the intervals are a lower bound; compare runs made the same way',
    );
  }
  const drift = floorDrift(cells, current.floor ?? baseline.floor ?? 'c-loop');
  if (drift) warnings.push(drift);
  return warnings;
}

/** A move of the C floor this large, in the same direction on most workloads, is the host's, not the code's. */
const FLOOR_DRIFT_PERCENT = 2;

/**
 * The floor binding runs no kvmbench JS: when its medians moved together on most workloads, the
 * host's own speed changed between the runs (seen on a PVM host: 5-8 % within minutes), and every
 * binding moved with it. The overhead against the floor, measured within each run, is then the
 * comparison that holds.
 */
function floorDrift(cells: readonly CellComparison[], floor: string): string | undefined {
  const floors = cells.filter((cell) => cell.binding === floor);
  // Two workloads moving together already say it (two --quick runs of pio-out,hlt: -25 % both).
  if (floors.length < 2) return undefined;
  const changes = floors.map((cell) => (cell.ratio - 1) * 100).sort((a, b) => a - b);
  const middle = changes[Math.floor(changes.length / 2)] as number;
  const sameWay = changes.filter((change) => Math.sign(change) === Math.sign(middle)).length;
  if (Math.abs(middle) < FLOOR_DRIFT_PERCENT || sameWay < floors.length * 0.75) return undefined;
  return (
    `the ${floor} floor itself moved ${middle > 0 ? '+' : ''}${middle.toFixed(1)} % (median over ${floors.length} workloads, ` +
    `${sameWay} the same way): the host's speed changed between the runs, and every binding moved with it; ` +
    `compare the overhead against ${floor} (within each run) rather than absolute times, or repeat both runs`
  );
}
