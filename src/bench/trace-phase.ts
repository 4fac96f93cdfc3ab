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

export function createTraceSession(mode: TraceMode, cells: Cell[]): TraceSession {
  switch (mode) {
    case 'ftrace':
      return createFtraceSession();
    case 'perf-stat': {
      const byLabel = new Map(cells.map((cell) => [label(cell), cell]));
      return createPerfStatSession((name) => {
        const cell = byLabel.get(name);
        return cell && expectedCounter(cell);
      });
    }
    case 'perf-record':
      return createPerfRecordSession();
  }
}

export async function traceCells(
  mode: TraceMode,
  rows: Cell[][],
  folder: string | undefined,
  keepGoing: () => boolean,
): Promise<Map<Cell, CellTrace>> {
  const cells = rows.flat().filter((cell) => !cell.failed && cell.samples.length > 0);
  // ftrace splits KVM_RUN round trips; the lifecycle's many different ioctls have no such split.
  const traced = mode === 'ftrace' ? cells.filter((cell) => cell.workload.loop !== 'lifecycle') : cells;
  const session = createTraceSession(mode, traced);
  const traces = new Map<Cell, CellTrace>();
  try {
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
  } finally {
    await session.close();
  }
  return traces;
}
