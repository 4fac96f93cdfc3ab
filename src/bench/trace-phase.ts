/**
 * With --trace: after the measured rounds, each cell runs one more batch while the trace session
 * records it. Tracing slows the loop, so these batches are never mixed with the measured samples.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createFtraceSession } from '../trace/ftrace-session.js';
import { createPerfRecordSession } from '../trace/perf-record-session.js';
import { createPerfStatSession } from '../trace/perf-stat-session.js';
import type { CellTrace, TraceMode, TraceSession } from '../trace/session.js';
import type { Cell } from './cell.js';

/** Target length of a traced batch: long enough for thousands of exits, short enough for the buffer. */
const TRACED_BATCH_NS = 30_000_000;
const MAX_TRACED_ITERATIONS = 20_000;

const label = (cell: Cell) => `${cell.workload.name}--${cell.binding.name}`;

/** The tracepoint that must count exactly one per iteration of a cell, for perf-stat's check. */
function expectedCounter(cell: Cell): string | undefined {
  if (cell.workload.loop === 'exits') return 'kvm:kvm_userspace_exit';
  if (cell.workload.loop === 'null-ioctl' || cell.workload.loop === 'immediate-exit') return 'syscalls:sys_enter_ioctl';
  return undefined;
}

/**
 * Opens the session before anything is measured, so a host that cannot trace (no tracefs, no perf,
 * no permission) fails in a second instead of after the whole run. `cells` is read only when tracing.
 */
export function openTraceSession(mode: TraceMode, cells: () => Cell[][]): TraceSession {
  switch (mode) {
    case 'ftrace':
      return createFtraceSession();
    case 'perf-stat':
      return createPerfStatSession((name) => {
        const cell = cells()
          .flat()
          .find((candidate) => label(candidate) === name);
        return cell && expectedCounter(cell);
      });
    case 'perf-record':
      return createPerfRecordSession();
  }
}

/** Runs one traced batch per cell that measured something, and writes the captures. The caller closes the session. */
export async function traceCells(
  session: TraceSession,
  rows: Cell[][],
  folder: string | undefined,
  keepGoing: () => boolean,
): Promise<Map<Cell, CellTrace>> {
  const cells = rows.flat().filter((cell) => !cell.failed && cell.samples.length > 0);
  // ftrace splits KVM_RUN round trips; the lifecycle's many different ioctls have no such split.
  const traced = session.mode === 'ftrace' ? cells.filter((cell) => cell.workload.loop !== 'lifecycle') : cells;
  const traces = new Map<Cell, CellTrace>();
  for (const cell of traced) {
    if (!keepGoing()) break;
    const median = [...cell.samples].sort((a, b) => a - b)[Math.floor(cell.samples.length / 2)] as number;
    const n = Math.max(1, Math.min(MAX_TRACED_ITERATIONS, Math.round(TRACED_BATCH_NS / Math.max(median, 1))));
    await session.begin(label(cell));
    const started = process.hrtime.bigint();
    try {
      cell.runBatch(n, -1, 0);
    } finally {
      traces.set(cell, await session.end(label(cell), n, Number(process.hrtime.bigint() - started)));
    }
  }
  if (folder) {
    mkdirSync(join(folder, 'trace'), { recursive: true });
    await session.writeFiles(folder);
  }
  return traces;
}
