/**
 * The rules across runs: each part of every cell's median split stable within a tolerance, and the
 * floor binding's turnaround below every other binding's. Pure: data in, data out.
 */
import type { ExitSplit } from '../results/trace.js';
import type { TracedMeasurement } from './split-warnings.js';

/** Stability rule: each part of the median split of two runs within this of each other. */
export const STABILITY_TOLERANCE = 0.1;

export interface StabilityPart {
  values: number[];
  /** max / min - 1 over the runs. */
  spread: number;
  within: boolean;
}

export interface StabilityRow {
  workload: string;
  binding: string;
  inKvmRun: StabilityPart;
  turnaround: StabilityPart;
  within: boolean;
}

function part(values: number[], tolerance: number): StabilityPart {
  const low = Math.min(...values);
  const spread = low > 0 ? Math.max(...values) / low - 1 : Number.POSITIVE_INFINITY;
  return { values, spread, within: spread <= tolerance };
}

/**
 * The stability rule over two or more runs' measurements: for every cell split in all of them,
 * each part of the median split within `tolerance` (max / min - 1).
 */
export function compareSplits(
  runs: readonly (readonly TracedMeasurement[])[],
  tolerance = STABILITY_TOLERANCE,
): StabilityRow[] {
  const first = runs[0] ?? [];
  const rows: StabilityRow[] = [];
  for (const m of first) {
    const splits = runs.map(
      (run) => run.find((other) => other.workload === m.workload && other.binding === m.binding)?.trace?.split,
    );
    if (splits.some((s) => s === undefined || s.runs === 0)) continue;
    const present = splits as ExitSplit[];
    const inKvmRun = part(
      present.map((s) => s.inKvmRunNs),
      tolerance,
    );
    const turnaround = part(
      present.map((s) => s.userspaceTurnaroundNs),
      tolerance,
    );
    rows.push({
      workload: m.workload,
      binding: m.binding,
      inKvmRun,
      turnaround,
      within: inKvmRun.within && turnaround.within,
    });
  }
  return rows;
}

/** Workloads where the floor binding's turnaround is not below every other binding's: a broken split. */
export function floorNotLowest(measurements: readonly TracedMeasurement[], floor: string): string[] {
  const problems: string[] = [];
  for (const f of measurements.filter((m) => m.binding === floor && (m.trace?.split?.runs ?? 0) > 0)) {
    const floorTurn = f.trace?.split?.userspaceTurnaroundNs as number;
    for (const m of measurements) {
      if (m.workload !== f.workload || m.binding === floor || !m.trace?.split?.runs) continue;
      if (m.trace.split.userspaceTurnaroundNs <= floorTurn) {
        problems.push(
          `${f.workload}: ${floor} turnaround ${floorTurn.toFixed(0)} ns is not below ${m.binding}'s ${m.trace.split.userspaceTurnaroundNs.toFixed(0)} ns`,
        );
      }
    }
  }
  return problems;
}
