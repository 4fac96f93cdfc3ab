/**
 * What a reader of a comparison should know besides the verdicts, one sentence each: one rule per
 * kind, in COMPARISON_WARNING_RULES, the one list that makes them (in the order they are listed).
 */
import type { CellComparison, CellRef, Comparison } from '../results/comparison.js';
import { isFloorRow } from '../results/rows.js';
import type { Results } from '../results/types.js';
import { middleElement } from '../stats/estimates.js';

/**
 * Below this many turns on a side (runs of one process, where the turn is the unit), no cell is
 * called regressed or improved: 3 turns against 3 say nothing of the process-to-process variation.
 */
export const MIN_TURNS_FOR_TEST = 6;

/** A move of the C floor this large, in the same direction on most workloads, is the host's, not the code's. */
const FLOOR_DRIFT_PERCENT = 2;

const names = (cells: readonly CellRef[]): string =>
  cells.map((cell) => `${cell.workload} / ${cell.binding}`).join(', ');

/** What the rules read: both sides' runs, the comparison made of them, the cells that newly fail. */
export interface ComparisonWarningContext {
  baselines: readonly Results[];
  currents: readonly Results[];
  comparison: Comparison;
  /** Cells that failed in the current run but worked in the baseline. */
  newlyFailing: readonly CellRef[];
}

export type ComparisonWarningRule = (context: ComparisonWarningContext) => string[];

/** --allow-different-hosts let hosts that differ in what moves performance be compared. */
function differentHosts({ comparison }: ComparisonWarningContext): string[] {
  const refused = comparison.hostDifferences.filter((difference) => difference.affectsPerformance);
  if (refused.length === 0) return [];
  return [
    `compared across different hosts (--allow-different-hosts): ${refused.map((d) => d.field).join(', ')} ` +
      `${refused.length === 1 ? 'differs' : 'differ'}, so a change may be the host rather than the code`,
  ];
}

/** The same run twice (a copied file, a name that resolves to the latest run) compares nothing. */
function sameRunTwice({ baselines, currents }: ComparisonWarningContext): string[] {
  const ids = [...baselines, ...currents].map(
    (results) => `${results.run.id}\u0000${results.run.startedAt}\u0000${JSON.stringify(results.host)}`,
  );
  const repeated = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))].map((key) => key.split('\u0000')[0]);
  if (repeated.length === 0) return [];
  return [
    `run ${repeated.join(', ')} is on both sides or given twice: it is compared with itself, so no change can show; name two different runs`,
  ];
}

/** An interrupted run lacks the cells it did not reach. */
function interruptedRuns({ baselines, currents }: ComparisonWarningContext): string[] {
  const sides = [
    ['baseline', baselines],
    ['current', currents],
  ] as const;
  return sides.flatMap(([role, runs]) =>
    runs
      .filter((results) => results.run.status === 'incomplete')
      .map((results) => `the ${role} run (${results.run.id}) was interrupted: cells it did not reach are missing`),
  );
}

function newlyFailingCells({ newlyFailing }: ComparisonWarningContext): string[] {
  return newlyFailing.length > 0 ? [`${names(newlyFailing)} failed in the current run but worked in the baseline`] : [];
}

/** Cells judged per turn with too few turns on a side to call anything significant. */
function fewTurns({ comparison }: ComparisonWarningContext): string[] {
  const { cells } = comparison;
  const few = cells.filter(
    (cell) => cell.unit === 'turn' && Math.min(cell.baselineUnits, cell.currentUnits) < MIN_TURNS_FOR_TEST,
  );
  if (few.length === 0) return [];
  return [
    `fewer than ${MIN_TURNS_FOR_TEST} turns (rounds) in a run for ` +
      `${few.length === cells.length ? 'every cell' : names(few)}: ` +
      'too few independent units to call a change significant; run with more --rounds or --processes',
  ];
}

/** One run against one: a side measured in a single process shows no process-to-process variation. */
function singleProcessRuns({ baselines, currents }: ComparisonWarningContext): string[] {
  if (baselines.length > 1 || currents.length > 1) return [];
  const [baseline, current] = [baselines[0] as Results, currents[0] as Results];
  const processesBefore = baseline.run.options.processes ?? 1;
  const processesAfter = current.run.options.processes ?? 1;
  // Runs from before --processes existed do not say; both of these said 1.
  if (baseline.run.options.processes === 1 && current.run.options.processes === 1) {
    return [
      'both runs measured in one process (--quick or --processes 1): their intervals hold the variation within a ' +
        'process, not the host’s from one process to the next (on a PVM host up to 30 %), so a change between ' +
        'them may be the host; gate on default runs (several processes each)',
    ];
  }
  if (processesBefore !== processesAfter && Math.min(processesBefore, processesAfter) === 1) {
    return [
      `the baseline measured in ${processesBefore} process(es), the current run in ${processesAfter}: the one-process run ` +
        'shows nothing of its own process-to-process variation, so the intervals are a lower bound; compare runs made the same way',
    ];
  }
  return [];
}

/** "5 workloads", or with several runtimes "8 floor cells (2 workloads x 4 runtimes)". */
function floorCells(floors: readonly CellComparison[]): string {
  const workloads = new Set(floors.map((cell) => cell.workload)).size;
  return workloads === floors.length
    ? `${floors.length} workloads`
    : `${floors.length} floor cells (${workloads} workloads in ${floors.length / workloads} runtimes)`;
}

/**
 * The floor binding runs no kvmbench JS: when its medians moved together on most workloads, the
 * host's own speed changed between the runs (seen on a PVM host: 5-8 % within minutes), and every
 * binding's absolute time moved with it. The ratio to the floor, measured within each run, holds.
 */
function floorDrift(cells: readonly CellComparison[], floor: string): string | undefined {
  const floors = cells.filter((cell) => isFloorRow(cell.binding, floor));
  // Two workloads moving together already say it (two --quick runs of pio-out,hlt: -25 % both).
  if (floors.length < 2) return undefined;
  const changes = floors.map((cell) => ((cell.absolute ?? cell).ratio - 1) * 100);
  const middle = middleElement(changes, 'upper');
  const sameWay = changes.filter((change) => Math.sign(change) === Math.sign(middle)).length;
  if (Math.abs(middle) < FLOOR_DRIFT_PERCENT || sameWay < floors.length * 0.75) return undefined;
  const confirmed = floors.filter((cell) => cell.gates && cell.verdict !== 'no significant change').length;
  if (confirmed > 0) {
    // Paired alternating runs saw it in every pair: not the host's phase, the floor itself.
    return (
      `the ${floor} floor itself moved ${middle > 0 ? '+' : ''}${middle.toFixed(1)} % (median over ${floorCells(floors)}), ` +
      `and the alternating runs confirm it in every pair for ${confirmed}: the kernel, KVM or the C loop changed, not only the host; ` +
      `the bindings' ratios to ${floor} then move the other way by as much without any change of their own`
    );
  }
  return (
    `the ${floor} floor itself moved ${middle > 0 ? '+' : ''}${middle.toFixed(1)} % (median over ${floorCells(floors)}, ` +
    `${sameWay} the same way): the host's speed changed between the runs, and every binding's absolute time moved with it; ` +
    `the verdicts on the ratio to ${floor} (the default) hold, the absolute ones do not`
  );
}

/** The floor moved the same way on most workloads: the host's speed, or the floor itself when paired runs confirm it. */
function floorMoved({ comparison }: ComparisonWarningContext): string[] {
  const drift = floorDrift(comparison.cells, comparison.method.floor);
  return drift ? [drift] : [];
}

/** The floor's own change is judged on absolute time, so it does not gate unless paired runs confirm it. */
function floorChangeNotGating({ comparison }: ComparisonWarningContext): string[] {
  const { floor } = comparison.method;
  const ungated = comparison.cells.filter((cell) => !cell.gates && cell.verdict !== 'no significant change');
  if (ungated.length === 0 || ungated.every((cell) => cell.verdict === 'inconclusive')) return [];
  return [
    `the ${floor} floor changed in ${names(ungated.filter((cell) => cell.verdict !== 'inconclusive'))}: judged on absolute time, ` +
      'which the host’s speed moves too, it does not fail the gate; to let it, measure A B A B runs and compare ' +
      'them together (compare A1,A2 B1,B2): a change seen in every adjacent pair then gates',
  ];
}

/** Cells meant to be judged on the ratio to the floor that had no floor on both sides. */
function noFloorRatio({ comparison }: ComparisonWarningContext): string[] {
  const { floor, basis } = comparison.method;
  const noFloor = comparison.cells.filter(
    (cell) => basis === 'ratio-to-floor' && !isFloorRow(cell.binding, floor) && cell.basis === 'absolute',
  );
  if (noFloor.length === 0) return [];
  return [`no ${floor} floor measured in both runs for ${names(noFloor)}: judged on absolute time (host-sensitive)`];
}

/** Every rule, in the order their warnings are listed: add a rule here. */
export const COMPARISON_WARNING_RULES: readonly ComparisonWarningRule[] = [
  differentHosts,
  sameRunTwice,
  interruptedRuns,
  newlyFailingCells,
  fewTurns,
  singleProcessRuns,
  floorMoved,
  floorChangeNotGating,
  noFloorRatio,
];

/** A comparison's warnings: every rule's, in list order. */
export function comparisonWarnings(
  baselines: readonly Results[],
  currents: readonly Results[],
  comparison: Comparison,
  newlyFailing: readonly CellRef[],
): string[] {
  const context = { baselines, currents, comparison, newlyFailing };
  return COMPARISON_WARNING_RULES.flatMap((rule) => rule(context));
}
