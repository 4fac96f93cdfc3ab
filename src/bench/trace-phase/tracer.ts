/**
 * One interface for the ways the trace phase traces a run's cells (ftrace: several interleaved
 * batches per cell; perf: one batch per cell), and the traced batch they share.
 */
import type { BindingName } from '../../bindings/types.js';
import type { Kvm } from '../../kvm/system.js';
import type { CellTrace } from '../../results/trace.js';
import type { TraceSession } from '../../trace/session.js';
import { yieldToEventLoop } from '../../util/time-slice.js';
import type { CellRunner } from '../cell.js';
import type { PlannedCell } from '../plan.js';

export interface TraceOptions {
  /** False once the run should stop. */
  keepGoing: () => boolean;
  /** ftrace: the open Kvm of a binding, for its immediate-exit probe VM (the tracepoint reference). */
  kvmFor?: (binding: BindingName) => Kvm | undefined;
  /** After each traced batch: how many of how many (progress). */
  onBatch?: (done: number, total: number, runner: CellRunner) => void;
}

/** What every tracer is given: the open session, each cell's untraced median ns per iteration, the options. */
export interface TracePhase {
  session: TraceSession;
  medianNs: ReadonlyMap<number, number>;
  options: TraceOptions;
}

/** One kind of tracing: which cells it traces, how it lays out their traced batches, and their traces. */
export interface CellTracer {
  /** Whether the cell is traced at all (it also needs an untraced median). */
  traces(cell: PlannedCell): boolean;
  /** Runs the traced batches of these cells; one trace per cell index (a stopped run has fewer). */
  run(runners: readonly CellRunner[], phase: TracePhase): Promise<Map<number, CellTrace>>;
}

/** Target length of a traced batch: long enough for a thousand exits, short enough for the buffer. */
const TRACED_BATCH_NS = 10_000_000;
const MAX_TRACED_ITERATIONS = 10_000;

/** Iterations for a batch of `scale` x the target length, at `perIteration` ns each. */
export const batchSize = (perIteration: number, scale = 1) =>
  Math.max(1, Math.min(MAX_TRACED_ITERATIONS, Math.round((TRACED_BATCH_NS * scale) / Math.max(perIteration, 1))));

/** A cell's name in the session and in its capture files. */
export const cellLabel = (cell: PlannedCell) => `${cell.workload.name}--${cell.binding}`;

/** Groups runners by workload, in plan order: the bindings of one workload take turns. */
export function byWorkload(runners: readonly CellRunner[]): CellRunner[][] {
  const groups = new Map<string, CellRunner[]>();
  for (const runner of runners) {
    const name = runner.cell.workload.name;
    groups.set(name, [...(groups.get(name) ?? []), runner]);
  }
  return [...groups.values()];
}

/**
 * One traced batch of n iterations under `name`: the session records exactly the loop. Undefined
 * when the run was told to stop before it began.
 */
export async function traceBatch(
  phase: TracePhase,
  runner: CellRunner,
  name: string,
  n: number,
): Promise<CellTrace | undefined> {
  // ftrace's begin/end are synchronous: without a macrotask turn here, a Ctrl-C would wait for
  // the whole trace phase (seconds) before its handler ran and keepGoing() could say stop.
  await yieldToEventLoop();
  if (!phase.options.keepGoing()) return undefined;
  const { session } = phase;
  await session.begin(name);
  const started = process.hrtime.bigint();
  let loopNs: number | undefined;
  let trace: CellTrace | undefined;
  try {
    loopNs = runner.run(n); // the loop's own clock, as for the measured samples
  } finally {
    // The capture is closed even when the loop threw; the error then goes on to the caller.
    trace = await session.end(name, n, loopNs ?? Number(process.hrtime.bigint() - started));
  }
  return trace;
}
