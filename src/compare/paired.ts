/**
 * The paired design: several runs a side, made in alternation (A B A B, as their start times show).
 * A host whose speed drifts one way moves B away from the A before it and towards the A after it,
 * so a change of the floor (which no binding's code touches, only the host and the harness) seen
 * in the same direction beyond its threshold in every adjacent pair is not such a drift, and may
 * fail the gate. A host whose speed jumps at random between runs can still line up by chance:
 * with n runs a side, all n current runs beyond all baseline runs has probability 1 / C(2n, n) at
 * best (1/6 for two a side, 1/20 for three), which docs/compare.md states.
 */

import type { CellComparison } from '../results/comparison.js';
import { isFloorRow } from '../results/rows.js';
import type { Results } from '../results/types.js';
import { median } from '../stats/estimates.js';
import { unitsOf } from './units.js';

/** Runs in time order with their side, when they alternate between the sides; undefined otherwise. */
export function alternatingOrder(
  baselines: readonly Results[],
  currents: readonly Results[],
): { run: Results; side: 'baseline' | 'current' }[] | undefined {
  if (baselines.length < 2 || currents.length < 2) return undefined;
  const runs = [
    ...baselines.map((run) => ({ run, side: 'baseline' as const })),
    ...currents.map((run) => ({ run, side: 'current' as const })),
  ].sort((a, b) => Date.parse(a.run.run.startedAt) - Date.parse(b.run.run.startedAt));
  return runs.every((entry, i) => i === 0 || entry.side !== runs[i - 1]?.side) ? runs : undefined;
}

/** The floor cell's median turn in one run, or undefined when the run lacks it. */
function floorMedian(run: Results, workload: string, floor: string): number | undefined {
  const cell = run.measurements.find((m) => m.workload === workload && m.binding === floor && m.status === 'ok');
  return cell && cell.samples.length > 0 ? median(unitsOf(cell).map((unit) => unit.median)) : undefined;
}

/**
 * Lets each floor cell with a regressed or improved verdict gate when, in alternating runs, every
 * adjacent baseline/current pair moved the same way beyond its threshold; records the pairs' changes.
 */
export function confirmFloorChanges(
  cells: CellComparison[],
  baselines: readonly Results[],
  currents: readonly Results[],
  floor: string,
): void {
  const order = alternatingOrder(baselines, currents);
  if (!order) return;
  for (const cell of cells) {
    if (!isFloorRow(cell.binding, floor) || cell.gates) continue;
    const medians = order.map((entry) => floorMedian(entry.run, cell.workload, cell.binding));
    if (medians.some((value) => value === undefined)) continue;
    const changes = order.slice(1).map((entry, i) => {
      const [earlier, later] = [medians[i] as number, medians[i + 1] as number];
      return entry.side === 'current' ? later / earlier : earlier / later;
    });
    cell.pairChanges = changes;
    const threshold = cell.thresholdPercent / 100;
    const confirmed =
      (cell.verdict === 'regressed' && changes.every((change) => change > 1 + threshold)) ||
      (cell.verdict === 'improved' && changes.every((change) => change < 1 - threshold));
    if (confirmed) cell.gates = true;
  }
}
