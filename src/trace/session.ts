/** One interface for every --trace mode: bracket each traced batch, then write its files. */
import type { CellTrace, TraceMode } from '../results/trace.js';

/** A capture for the run folder: its name relative to the folder and its bytes. */
export interface TraceFile {
  name: string;
  content: string | Uint8Array;
}

export interface TraceSession {
  readonly mode: TraceMode;
  readonly description: string;
  begin(label: string): void | Promise<void>;
  end(label: string, iterations: number, loopNs: number): CellTrace | Promise<CellTrace>;
  /**
   * Turns the tracepoints off until the next begin (enabled events cost even while nothing is
   * recorded), so untraced batches can run between traced ones.
   */
  suspend?(): void;
  /** Forgets a batch's raw capture (ftrace keeps only the batches that explain a cell's split). */
  discard?(label: string): void;
  /** The raw captures, as files for the run folder (names under trace/); the exporters write them. */
  files(): TraceFile[] | Promise<TraceFile[]>;
  close(): void | Promise<void>;
}
