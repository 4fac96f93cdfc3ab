/**
 * With --trace: after the measured rounds, traced batches run while the trace session records them.
 * Tracing slows the loop, so these batches are never mixed with the measured samples. Each mode has
 * its tracer (src/bench/trace-phase/): ftrace traces several interleaved batches per cell, perf one
 * batch per cell. Returns the captures as data, by cell index.
 */
import type { CellTrace, TraceMode } from '../results/trace.js';
import { createFtraceSession } from '../trace/ftrace-session.js';
import { createPerfRecordSession } from '../trace/perf-record-session.js';
import { createPerfStatSession } from '../trace/perf-stat-session.js';
import type { TraceFile, TraceSession } from '../trace/session.js';
import type { CellRunner } from './cell.js';
import type { PlannedCell } from './plan.js';
import { ftraceTracer } from './trace-phase/ftrace.js';
import { oneBatchTracer } from './trace-phase/one-batch.js';
import { type CellTracer, cellLabel, type TraceOptions } from './trace-phase/tracer.js';

export type { TraceOptions } from './trace-phase/tracer.js';

/** Each mode's session and tracer. */
const MODES: Record<TraceMode, { open(cells: readonly PlannedCell[]): TraceSession; tracer: CellTracer }> = {
  ftrace: { open: () => createFtraceSession(), tracer: ftraceTracer },
  // perf-stat checks each traced batch against the tracepoint the plan's workload names.
  'perf-stat': {
    open: (cells) => {
      const counters = new Map(cells.map((cell) => [cellLabel(cell), cell.workload.perfCounter]));
      return createPerfStatSession((name) => counters.get(name));
    },
    tracer: oneBatchTracer,
  },
  'perf-record': { open: () => createPerfRecordSession(), tracer: oneBatchTracer },
};

/**
 * Opens the session before anything is measured, so a host that cannot trace (no tracefs, no perf,
 * no permission) fails in a second instead of after the whole run.
 */
export function openTraceSession(mode: TraceMode, cells: readonly PlannedCell[]): TraceSession {
  return MODES[mode].open(cells);
}

/**
 * Runs the traced batches of every cell that measured something (medianNs: its untraced median
 * ns per iteration, which sizes the batches and is the base of the tracing cost) and returns each
 * cell's trace and the raw captures, as files for folder/trace/. The caller closes the session.
 */
export async function traceCells(
  session: TraceSession,
  runners: readonly CellRunner[],
  medianNs: ReadonlyMap<number, number>,
  options: TraceOptions,
): Promise<{ traces: Map<number, CellTrace>; files: TraceFile[] }> {
  const { tracer } = MODES[session.mode];
  const traced = runners.filter((runner) => medianNs.has(runner.cell.index) && tracer.traces(runner.cell));
  const traces = await tracer.run(traced, { session, medianNs, options });
  return { traces, files: await session.files() };
}
