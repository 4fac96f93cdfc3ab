/**
 * The independent units compare tests. A turn is one cell's samples in one round of one process;
 * turns of one process share its code layout and the host's phase while it ran, so with several
 * processes the unit is the process (the median of its turns), as in pyperf. The binding over floor
 * ratio is formed per turn, against the floor's turn of the same process and round: both took their
 * turns tens of milliseconds apart, so a host-wide slowdown of that round or process cancels.
 */

import type { Measurement } from '../results/types.js';
import { median, type TurnUnit, turnMedians } from '../stats/estimates.js';

/** Runs pooled on one side keep their processes apart: run r's process p is r * RUN_STRIDE + p. */
const RUN_STRIDE = 1000;

/** The turn medians of one measurement. */
export function unitsOf(measurement: Measurement): TurnUnit[] {
  return turnMedians(measurement.samples, measurement.sampleRounds, measurement.sampleProcesses);
}

/** A cell's turns over the runs of one side; `cells[r]` is run r's measurement (undefined: not in that run). */
export function pooledTurns(cells: readonly (Measurement | undefined)[]): TurnUnit[] {
  return cells.flatMap((cell, run) =>
    cell === undefined ? [] : unitsOf(cell).map((unit) => ({ ...unit, process: run * RUN_STRIDE + unit.process })),
  );
}

/** Per (process, round): the binding's turn median over the floor's. Turns without a floor partner are left out. */
export function ratioTurns(binding: readonly TurnUnit[], floor: readonly TurnUnit[]): TurnUnit[] {
  const partner = new Map(floor.map((unit) => [`${unit.process}/${unit.round}`, unit.median]));
  const ratios: TurnUnit[] = [];
  for (const unit of binding) {
    const base = partner.get(`${unit.process}/${unit.round}`);
    if (base !== undefined && base > 0) ratios.push({ ...unit, median: unit.median / base });
  }
  return ratios;
}

export const processCount = (turns: readonly TurnUnit[]): number => new Set(turns.map((unit) => unit.process)).size;

/** The values a test rests on: each process's median of its turns, or (perProcess false) the turns themselves. */
export function testUnits(turns: readonly TurnUnit[], perProcess: boolean): number[] {
  if (!perProcess) return turns.map((unit) => unit.median);
  const groups = new Map<number, number[]>();
  for (const unit of turns) {
    const group = groups.get(unit.process);
    if (group) group.push(unit.median);
    else groups.set(unit.process, [unit.median]);
  }
  return [...groups.values()].map((group) => median(group));
}
