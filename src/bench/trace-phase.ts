/**
 * With --trace: after the measured rounds, each cell runs one more batch while the trace session
 * records it. Tracing slows the loop, so these batches are never mixed with the measured samples.
 * Returns the captures as data, by cell index.
 */
import { createFtraceSession } from '../trace/ftrace-session.js';
import { createPerfRecordSession } from '../trace/perf-record-session.js';
import { createPerfStatSession } from '../trace/perf-stat-session.js';
import type { CellTrace, TraceMode, TraceSession } from '../trace/session.js';
import type { CellRunner } from './cell.js';
import type { PlannedCell } from './plan.js';

/** Target length of a traced batch: long enough for thousands of exits, short enough for the buffer. */
const TRACED_BATCH_NS = 30_000_000;
const MAX_TRACED_ITERATIONS = 20_000;

const label = (cell: PlannedCell) => `${cell.workload.name}--${cell.binding}`;

/**
 * Opens the session before anything is measured, so a host that cannot trace (no tracefs, no perf,
 * no permission) fails in a second instead of after the whole run. perf-stat checks each traced
 * batch against the tracepoint the plan's workload names.
 */
export function openTraceSession(mode: TraceMode, cells: readonly PlannedCell[]): TraceSession {
  switch (mode) {
    case 'ftrace':
      return createFtraceSession();
    case 'perf-stat': {
      const counters = new Map(cells.map((cell) => [label(cell), cell.workload.perfCounter]));
      return createPerfStatSession((name) => counters.get(name));
    }
    case 'perf-record':
      return createPerfRecordSession();
  }
}

/**
 * Runs one traced batch per cell that measured something (medianNs: its measured ns per
 * iteration, which sizes the batch) and writes the raw captures under folder/trace/.
 * The caller closes the session.
 */
export async function traceCells(
  session: TraceSession,
  runners: readonly CellRunner[],
  medianNs: ReadonlyMap<number, number>,
  folder: string | undefined,
  keepGoing: () => boolean,
): Promise<Map<number, CellTrace>> {
  // ftrace splits KVM_RUN round trips; the lifecycle's many different ioctls have no such split.
  const traced = runners.filter(
    (runner) =>
      medianNs.has(runner.cell.index) && !(session.mode === 'ftrace' && runner.cell.workload.loop === 'lifecycle'),
  );
  const traces = new Map<number, CellTrace>();
  for (const runner of traced) {
    if (!keepGoing()) break;
    const perIteration = medianNs.get(runner.cell.index) as number;
    const n = Math.max(1, Math.min(MAX_TRACED_ITERATIONS, Math.round(TRACED_BATCH_NS / Math.max(perIteration, 1))));
    await session.begin(label(runner.cell));
    const started = process.hrtime.bigint();
    try {
      runner.run(n);
    } finally {
      traces.set(
        runner.cell.index,
        await session.end(label(runner.cell), n, Number(process.hrtime.bigint() - started)),
      );
    }
  }
  if (folder) await session.writeFiles(folder);
  return traces;
}
