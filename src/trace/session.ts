/** One interface for every --trace mode: bracket a traced batch per cell, then write its files. */
import type { ExitSplit } from './ftrace-parse.js';

export const TRACE_MODES = ['ftrace', 'perf-stat', 'perf-record'] as const;
export type TraceMode = (typeof TRACE_MODES)[number];

export interface CellTrace {
  mode: TraceMode;
  tracedIterations: number;
  /** The harness's own time per iteration during the traced batch (tracing makes it slower). */
  tracedLoopNsPerIteration: number;
  /** ftrace: where each round trip's time went. */
  split?: ExitSplit;
  /** perf-stat: tracepoint counts, checked against the harness's count. */
  counts?: Record<string, number>;
  countCheck?: { counter: string; expected: number; observed: number; matched: boolean };
  /** Files in the run folder, relative to it. */
  rawFile?: string;
}

export interface TraceSession {
  readonly mode: TraceMode;
  readonly description: string;
  begin(label: string): void | Promise<void>;
  end(label: string, iterations: number, loopNs: number): CellTrace | Promise<CellTrace>;
  /** Writes the raw captures under folder/trace/. */
  writeFiles(folder: string): void | Promise<void>;
  close(): void | Promise<void>;
}
