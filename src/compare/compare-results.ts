/**
 * Run-to-run comparison. By default every binding is judged on its time over the C floor's
 * (c-loop) in the same process and round: a host-wide speed change between the runs (5-8 % within
 * minutes on a PVM host) moves both and cancels. Per cell, the per-process medians of those ratios
 * are the units; Welch's t on their logs gives the change, its interval and p; Holm corrects across
 * the gated cells. The floor itself is judged on absolute time apart: it gates only when a paired
 * design (A B A B runs) confirms its change (see paired.ts). Pure: results in, one Comparison out.
 */

import { UsageError } from '../errors.js';
import type {
  CellComparison,
  CellRef,
  ChangeTest,
  Comparison,
  HostDifference,
  RunReference,
  UncomparedCell,
  Verdict,
  VerdictBasis,
} from '../results/comparison.js';
import { floorRowOf, isFloorRow } from '../results/rows.js';
import type { Measurement, Results, WorkloadInfo } from '../results/types.js';
import { median, type TurnUnit } from '../stats/estimates.js';
import { holmBonferroni, type WelchLogResult, welchLogTest } from '../stats/hypothesis.js';
import { checkHostsComparable } from './host-check.js';
import { confirmFloorChanges } from './paired.js';
import {
  checkThresholdOverrides,
  DEFAULT_THRESHOLD_PERCENT,
  defaultThresholdPolicy,
  type ThresholdPolicy,
  thresholdPercentFor,
} from './thresholds.js';
import { pooledTurns, processCount, ratioTurns, testUnits } from './units.js';
import { comparisonWarnings, MIN_TURNS_FOR_TEST } from './warnings.js';

export { unitsOf } from './units.js';

export const DEFAULT_ALPHA = 0.05;

export interface CompareOptions {
  /** Thresholds of the gated quantity; default: defaultThresholdPolicy(on). */
  thresholds?: ThresholdPolicy;
  /** The quantity binding cells gate on; default ratio-to-floor. */
  on?: VerdictBasis;
  /** Threshold of the absolute verdicts beside (and of the floor's); default 5 %. */
  absoluteThresholdPercent?: number;
  /** Significance level for the Holm-adjusted p-values; default 0.05. */
  alpha?: number;
  /** Compare even when the hosts differ in what changes performance. */
  allowDifferentHosts?: boolean;
  /** Where each run was read from, for the report (one per run of a side). */
  sources?: { baseline: string | string[]; current: string | string[] };
}

/**
 * Regressed when Holm's p is below alpha and the change exceeds the threshold; improved likewise
 * below; inconclusive when not significant but the interval reaches beyond the threshold (a change
 * that large is not ruled out); otherwise no significant change.
 */
export function verdictFor(
  ratio: number,
  ratioCi95: readonly [number, number],
  pValueHolm: number,
  thresholdPercent: number,
  alpha: number,
): Verdict {
  const threshold = thresholdPercent / 100;
  if (pValueHolm < alpha) {
    if (ratio > 1 + threshold) return 'regressed';
    if (ratio < 1 - threshold) return 'improved';
    return 'no significant change';
  }
  return ratioCi95[1] > 1 + threshold || ratioCi95[0] < 1 - threshold ? 'inconclusive' : 'no significant change';
}

/** Compares `current` against `baseline`. Throws IncomparableRunsError for different hosts (unless allowed). */
export function compareResults(baseline: Results, current: Results, options: CompareOptions = {}): Comparison {
  return compareRuns([baseline], [current], options);
}

/** One cell, its turns pooled over the runs of each side. */
interface PreparedCell extends CellRef {
  before: TurnUnit[];
  after: TurnUnit[];
  baselineSamples: number;
  currentSamples: number;
}

/** A Welch test of one quantity, before Holm. */
interface TestedChange {
  test: WelchLogResult;
  unit: 'process' | 'turn';
  baselineUnits: number;
  currentUnits: number;
}

/**
 * Compares the runs of two sides (one each, or several: their processes pooled as units). Several
 * runs a side in A B A B order form the paired design, which alone can let the floor fail the gate.
 */
export function compareRuns(baselines: Results[], currents: Results[], options: CompareOptions = {}): Comparison {
  const [baseline, current] = [baselines[0], currents[0]];
  if (!baseline || !current) throw new UsageError('compare needs at least one run on each side');
  const basis = options.on ?? 'ratio-to-floor';
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const thresholds = options.thresholds ?? defaultThresholdPolicy(basis);
  const absoluteThreshold = options.absoluteThresholdPercent ?? DEFAULT_THRESHOLD_PERCENT;
  const differences = checkAllHosts(baselines, currents, options.allowDifferentHosts ?? false);
  const all = [...baselines, ...currents];
  const kinds = new Map(all.flatMap((run) => run.workloads).map((w) => [w.name, w.kind] as const));
  checkThresholdOverrides(
    thresholds,
    all.flatMap((run) => run.workloads),
  );
  const floor = current.floor ?? baseline.floor ?? 'c-loop';

  const { prepared, notCompared, added, removed, newlyFailing } = prepareCells(baselines, currents);
  const cells = judgeCells(prepared, notCompared, {
    basis,
    floor,
    alpha,
    absoluteThreshold,
    threshold: (workload) => thresholdPercentFor(thresholds, workload, kinds.get(workload)),
  });
  confirmFloorChanges(cells, baselines, currents, floor);

  const comparison: Comparison = {
    baseline: runReference(baseline, sourceOf(options.sources?.baseline, 0)),
    current: runReference(current, sourceOf(options.sources?.current, 0)),
    method: {
      basis,
      floor,
      alpha,
      defaultThresholdPercent: thresholds.defaultPercent,
      thresholdOverrides: thresholds.overrides,
      absoluteThresholdPercent: absoluteThreshold,
      comparisons: cells.filter((cell) => cell.basis === basis).length,
      baselineRuns: baselines.length,
      currentRuns: currents.length,
    },
    cells,
    added,
    removed,
    notCompared,
    hostDifferences: differences,
    warnings: [],
    summary: summarize(cells),
  };
  if (baselines.length > 1 || currents.length > 1) {
    comparison.baselineRuns = baselines.map((run, i) => runReference(run, sourceOf(options.sources?.baseline, i)));
    comparison.currentRuns = currents.map((run, i) => runReference(run, sourceOf(options.sources?.current, i)));
  }
  comparison.warnings = comparisonWarnings(baselines, currents, comparison, newlyFailing);
  return comparison;
}

const sourceOf = (sources: string | string[] | undefined, index: number): string =>
  (typeof sources === 'string' ? (index === 0 ? sources : '') : sources?.[index]) ?? '';

function summarize(cells: readonly CellComparison[]): Comparison['summary'] {
  const count = (verdict: Verdict, gates?: boolean): number =>
    cells.filter((cell) => cell.verdict === verdict && (gates === undefined || cell.gates === gates)).length;
  return {
    regressed: count('regressed', true),
    improved: count('improved', true),
    unchanged: count('no significant change'),
    inconclusive: count('inconclusive'),
    notGating: count('regressed', false) + count('improved', false),
  };
}

/** Every run against the first baseline: all must be from comparable hosts. */
function checkAllHosts(baselines: Results[], currents: Results[], allow: boolean): HostDifference[] {
  const [first, ...others] = [...baselines, ...currents] as [Results, ...Results[]];
  const seen = new Map<string, HostDifference>();
  for (const run of others) {
    for (const difference of checkHostsComparable(first.host, run.host, allow)) {
      if (!seen.has(difference.field)) seen.set(difference.field, difference);
    }
  }
  return [...seen.values()];
}

interface JudgeSettings {
  basis: VerdictBasis;
  floor: string;
  alpha: number;
  absoluteThreshold: number;
  threshold: (workload: string) => number;
}

/**
 * Tests every cell on absolute time and, for bindings with a floor in both runs, on the ratio to
 * it; applies Holm within each family (the gated one, and the absolute one) and the verdicts.
 */
function judgeCells(
  prepared: PreparedCell[],
  notCompared: UncomparedCell[],
  settings: JudgeSettings,
): CellComparison[] {
  // Each runtime's rows against the floor measured in the same runtime (src/results/rows.ts).
  const floorKey = (workload: string, row: string) => `${workload}\u0000${floorRowOf(row, settings.floor)}`;
  const floors = new Map(
    prepared
      .filter((cell) => isFloorRow(cell.binding, settings.floor))
      .map((c) => [floorKey(c.workload, c.binding), c]),
  );
  const tested: { cell: PreparedCell; absolute: TestedChange; ratio?: TestedChange }[] = [];
  for (const cell of prepared) {
    const absolute = testChange(cell.before, cell.after);
    if (typeof absolute === 'string') {
      notCompared.push({ workload: cell.workload, binding: cell.binding, reason: absolute });
      continue;
    }
    const floorCell = floors.get(floorKey(cell.workload, cell.binding));
    let ratio: TestedChange | undefined;
    if (settings.basis === 'ratio-to-floor' && floorCell && !isFloorRow(cell.binding, settings.floor)) {
      const change = testChange(ratioTurns(cell.before, floorCell.before), ratioTurns(cell.after, floorCell.after));
      if (typeof change !== 'string') ratio = change;
    }
    tested.push({ cell, absolute, ratio });
  }
  const absoluteHolm = holmBonferroni(tested.map((t) => t.absolute.test.p));
  const gated = tested.map((t) => (settings.basis === 'absolute' ? t.absolute : t.ratio));
  const gatedIndices = gated.flatMap((change, i) => (change ? [i] : []));
  const ratioHolm = holmBonferroni(gatedIndices.map((i) => (gated[i] as TestedChange).test.p));
  const ratioHolmAt = new Map(gatedIndices.map((index, rank) => [index, ratioHolm[rank] ?? 1]));
  return tested.map((t, i) => {
    const absoluteThreshold =
      settings.basis === 'absolute' ? settings.threshold(t.cell.workload) : settings.absoluteThreshold;
    const absolute = changeTest('absolute', t.absolute, absoluteHolm[i] ?? 1, absoluteThreshold, settings.alpha);
    const primary = t.ratio
      ? changeTest(
          'ratio-to-floor',
          t.ratio,
          ratioHolmAt.get(i) ?? 1,
          settings.threshold(t.cell.workload),
          settings.alpha,
        )
      : absolute;
    // The floor is judged apart (paired.ts may let it gate); a binding without a floor gates on absolute time.
    const gates = settings.basis === 'absolute' || !isFloorRow(t.cell.binding, settings.floor);
    return cellComparison(t.cell, primary, absolute, gates, floors.get(floorKey(t.cell.workload, t.cell.binding)));
  });
}

function changeTest(
  basis: VerdictBasis,
  change: TestedChange,
  pValueHolm: number,
  thresholdPercent: number,
  alpha: number,
): ChangeTest {
  const { ratio, ratioCi95, p } = change.test;
  return {
    basis,
    verdict: verdictFor(ratio, ratioCi95, pValueHolm, thresholdPercent, alpha),
    thresholdPercent,
    ratio,
    ratioCi95,
    pValue: p,
    pValueHolm,
    unit: change.unit,
    baselineUnits: change.baselineUnits,
    currentUnits: change.currentUnits,
  };
}

function cellComparison(
  cell: PreparedCell,
  primary: ChangeTest,
  absolute: ChangeTest,
  gates: boolean,
  floorCell: PreparedCell | undefined,
): CellComparison {
  const baselineMedianNs = median(cell.before.map((unit) => unit.median));
  const currentMedianNs = median(cell.after.map((unit) => unit.median));
  const result: CellComparison = {
    workload: cell.workload,
    binding: cell.binding,
    ...primary,
    gates,
    baselineMedianNs,
    currentMedianNs,
    baselineSamples: cell.baselineSamples,
    currentSamples: cell.currentSamples,
    baselineTurns: cell.before.length,
    currentTurns: cell.after.length,
    differenceNs: currentMedianNs - baselineMedianNs,
    differenceCi95: [(absolute.ratioCi95[0] - 1) * baselineMedianNs, (absolute.ratioCi95[1] - 1) * baselineMedianNs],
  };
  if (primary.basis === 'ratio-to-floor' && floorCell) {
    result.baselineOverFloor = median(ratioTurns(cell.before, floorCell.before).map((unit) => unit.median));
    result.currentOverFloor = median(ratioTurns(cell.after, floorCell.after).map((unit) => unit.median));
    result.absolute = absolute;
  }
  return result;
}

/**
 * Welch's test on the logs of the units: per-process medians when either side has several
 * processes, else the turns (one process a side: a lower bound that compare warns about).
 */
function testChange(before: readonly TurnUnit[], after: readonly TurnUnit[]): TestedChange | string {
  const perProcess = Math.max(processCount(before), processCount(after)) > 1;
  const unitsBefore = testUnits(before, perProcess);
  const unitsAfter = testUnits(after, perProcess);
  try {
    const test = welchLogTest(unitsBefore, unitsAfter);
    // A handful of turns of one process: an interval to show, but no test to trust (warnings.ts says so).
    if (!perProcess && Math.min(unitsBefore.length, unitsAfter.length) < MIN_TURNS_FOR_TEST) test.p = 1;
    return {
      test,
      unit: perProcess ? 'process' : 'turn',
      baselineUnits: unitsBefore.length,
      currentUnits: unitsAfter.length,
    };
  } catch (error) {
    return (error as Error).message; // one unit a side, or a time <= 0
  }
}

const cellKey = (measurement: CellRef): string => `${measurement.workload}\u0000${measurement.binding}`;
const cellRef = (measurement: CellRef): CellRef => ({ workload: measurement.workload, binding: measurement.binding });

interface Prepared {
  prepared: PreparedCell[];
  notCompared: UncomparedCell[];
  added: CellRef[];
  removed: CellRef[];
  /** Cells ok in the baseline that failed in the current run. */
  newlyFailing: CellRef[];
}

/** Cells of the first run of each side, each side's measurements of them from every run, pooled. */
function prepareCells(baselines: Results[], currents: Results[]): Prepared {
  const before = baselines.map((run) => indexMeasurements(run, 'baseline'));
  const after = currents.map((run) => indexMeasurements(run, 'current'));
  const [firstBefore, firstAfter] = [before[0] as Map<string, Measurement>, after[0] as Map<string, Measurement>];
  const result: Prepared = { prepared: [], notCompared: [], added: [], removed: [], newlyFailing: [] };
  result.added = [...firstAfter].filter(([key]) => !firstBefore.has(key)).map(([, m]) => cellRef(m));
  for (const [key, measurement] of firstBefore) {
    if (!firstAfter.has(key)) {
      result.removed.push(cellRef(measurement));
      continue;
    }
    const sideBefore = before.map((index) => index.get(key));
    const sideAfter = after.map((index) => index.get(key));
    if (measurement.status === 'ok' && sideAfter.some((m) => m?.status === 'failed'))
      result.newlyFailing.push(cellRef(measurement));
    const reason = whyNotComparable(sideBefore, sideAfter, baselines, currents, measurement.workload);
    if (reason) {
      result.notCompared.push({ ...cellRef(measurement), reason });
      continue;
    }
    try {
      result.prepared.push({
        ...cellRef(measurement),
        before: pooledTurns(sideBefore),
        after: pooledTurns(sideAfter),
        baselineSamples: sideBefore.reduce((sum, m) => sum + (m?.samples.length ?? 0), 0),
        currentSamples: sideAfter.reduce((sum, m) => sum + (m?.samples.length ?? 0), 0),
      });
    } catch (error) {
      result.notCompared.push({ ...cellRef(measurement), reason: (error as Error).message }); // rounds and samples disagree
    }
  }
  return result;
}

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

function whyNotComparable(
  before: readonly (Measurement | undefined)[],
  after: readonly (Measurement | undefined)[],
  baselines: readonly Results[],
  currents: readonly Results[],
  workload: string,
): string {
  for (const [role, side] of [
    ['baseline', before],
    ['current', after],
  ] as const) {
    for (const measurement of side) {
      if (measurement === undefined) continue;
      if (measurement.status !== 'ok')
        return `${measurement.status} in the ${role} run${measurement.error ? `: ${measurement.error}` : ''}`;
      if (measurement.samples.length === 0) return `no samples in the ${role} run`;
    }
  }
  const definition = (run: Results): WorkloadInfo | undefined => run.workloads.find((w) => w.name === workload);
  const first = definition(baselines[0] as Results);
  for (const run of [...baselines, ...currents]) {
    const other = definition(run);
    const change = first && other ? workloadChange(first, other) : '';
    if (change) return change;
  }
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
