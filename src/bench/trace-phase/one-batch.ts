/**
 * perf-stat and perf-record: one traced batch per cell, in plan order grouped by workload. perf
 * counts or samples the whole batch, so one batch of ~10 ms is the cell's trace.
 */
import type { CellTrace } from '../../results/trace.js';
import type { CellRunner } from '../cell.js';
import { batchSize, byWorkload, type CellTracer, cellLabel, type TracePhase, traceBatch } from './tracer.js';

async function traceOnce(runners: readonly CellRunner[], phase: TracePhase): Promise<Map<number, CellTrace>> {
  const order = byWorkload(runners).flat();
  const traces = new Map<number, CellTrace>();
  let done = 0;
  for (const runner of order) {
    if (!phase.options.keepGoing()) break;
    const n = batchSize(phase.medianNs.get(runner.cell.index) as number);
    const trace = await traceBatch(phase, runner, cellLabel(runner.cell), n);
    if (!trace) continue;
    traces.set(runner.cell.index, trace);
    phase.options.onBatch?.(++done, order.length, runner);
  }
  return traces;
}

/** Every cell with an untraced median, lifecycle included: perf traces whatever the loop does. */
export const oneBatchTracer: CellTracer = { traces: () => true, run: traceOnce };
