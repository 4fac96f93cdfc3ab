/** Where a run is, as the scheduler, the trace phase and the runner report it to the person watching. */
import type { CellRunner } from './cell.js';

export type RunPhase = 'calibrate' | 'measure' | 'trace';

/** Where a run is: the phase, how far, the round while measuring, and the cell just done. */
export interface RunProgress {
  phase: RunPhase;
  done: number;
  total: number;
  /** The round (0-based) while measuring. */
  round?: number;
  workload: string;
  binding: string;
  /** What the plan says the phase takes (ms): an estimate before its first step is done. */
  plannedMs?: number;
}

/** The progress of `phase` after a step of `runner`'s cell. */
export function cellProgress(
  phase: RunPhase,
  done: number,
  total: number,
  runner: CellRunner,
  round?: number,
): RunProgress {
  return {
    phase,
    done,
    total,
    ...(round === undefined ? {} : { round }),
    workload: runner.cell.workload.name,
    binding: runner.cell.binding,
  };
}
