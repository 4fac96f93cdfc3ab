/** ftrace: each traced cell's tracing cost, against its untraced base and the immediate-exit references. */
import type { CellTrace } from '../../results/trace.js';
import { median } from '../../stats/estimates.js';
import { type TracepointReference, tracingCostOf } from '../../trace/tracing-cost.js';
import type { CellRunner } from '../cell.js';

/**
 * Per cell: traced - untraced (the in-phase untraced median where there is one), and the tracepoint
 * share estimated from the immediate-exit loops (the run's cells, or the probes: negative indices).
 * `measured`: each cell's untraced median from the measured rounds (probes have none there);
 * `inPhase`: per cell, the untraced samples taken between its traced batches.
 */
export function addTracingCosts(
  traces: Map<number, CellTrace>,
  runners: readonly CellRunner[],
  measured: ReadonlyMap<number, number>,
  inPhase: ReadonlyMap<number, number[]>,
): void {
  const baseOf = (index: number) => {
    const rounds = inPhase.get(index);
    return rounds?.length ? median(rounds) : measured.get(index);
  };
  const references: TracepointReference[] = [];
  for (const runner of runners.filter((r) => r.cell.workload.loop === 'immediate-exit')) {
    const trace = traces.get(runner.cell.index);
    const base = baseOf(runner.cell.index);
    if (!trace?.split || base === undefined || !Number.isFinite(base)) continue;
    references.push({
      reference: runner.cell.index < 0 ? 'immediate-exit probe' : 'immediate-exit cell',
      untracedNsPerIteration: base,
      split: trace.split,
    });
  }
  for (const runner of runners.filter((r) => r.cell.index >= 0)) {
    const trace = traces.get(runner.cell.index);
    const base = baseOf(runner.cell.index);
    const fromRounds = measured.get(runner.cell.index);
    if (!trace || base === undefined || fromRounds === undefined) continue;
    const cost = tracingCostOf(trace, base, references);
    trace.tracingCost = {
      ...cost,
      untracedNsPerIteration: fromRounds,
      ...(inPhase.get(runner.cell.index)?.length ? { untracedInPhaseNsPerIteration: base } : {}),
    };
  }
}
