/** One interface for every --trace mode: bracket each traced batch, then write its files. */
import type { ExitSplit } from './ftrace-parse.js';

export const TRACE_MODES = ['ftrace', 'perf-stat', 'perf-record'] as const;
export type TraceMode = (typeof TRACE_MODES)[number];

/** ftrace: one traced batch of a cell, as its split saw it. */
export interface TracedBatch {
  iterations: number;
  /** The harness's own time per iteration during this batch. */
  loopNsPerIteration: number;
  runs: number;
  inKvmRunNs: number;
  userspaceTurnaroundNs: number;
  /** Round trips left out of the two parts above (preempted or interrupted). */
  disturbedRoundTrips: number;
  /** (every KVM_RUN + every turnaround) / the batch's time - 1: the sum rule for this batch. */
  sumDeviation: number;
  /** Its round found the host slow for every cell: left out of the split. */
  hostSlow?: boolean;
  /** The process (0-based) that traced it, when merged from several (run --processes). */
  process?: number;
}

/** A low-high range over a cell's traced batches. */
export type Spread = [number, number];

/** ftrace: the cost of tracing itself, per round trip. */
export interface TracingCost {
  /** The cell's untraced median per iteration (the measured rounds). */
  untracedNsPerIteration: number;
  /**
   * The untraced median measured in the trace phase, in the same rounds as the traced batches with
   * the tracepoints off: the base of the cost where present (the host's load may have changed
   * since the measured rounds).
   */
  untracedInPhaseNsPerIteration?: number;
  /** Traced ns per round trip: the split's sampledRoundTripNs (the traced loop where there is no split). */
  tracedNs: number;
  /** tracedNs - the untraced median (the in-phase one where present). */
  costNs: number;
  /**
   * An estimate of the part of the turnaround that is the tracepoints' own work, from loops with
   * the same syscall tracepoints and no guest (immediate-exit, one per binding, traced and
   * untraced): their median tracing cost per recorded event, times the one event (sys_exit_ioctl)
   * whose recording runs after its timestamp and so lands in the turnaround.
   */
  tracepointShare?: {
    estimate: true;
    /** Where the references came from: the run's immediate-exit cells, or probe VMs of the trace phase. */
    reference: 'immediate-exit cell' | 'immediate-exit probe';
    /** How many reference loops (bindings) the median is over. */
    references: number;
    referenceCostNs: number;
    referenceEventsPerRun: number;
    turnaroundShareNs: number;
    turnaroundWithoutNs: number;
  };
}

export interface CellTrace {
  mode: TraceMode;
  tracedIterations: number;
  /** The harness's own time per iteration during the traced batch (tracing makes it slower); ftrace: median over batches. */
  tracedLoopNsPerIteration: number;
  /** ftrace: where each round trip's time went; with several batches, the median of each part. */
  split?: ExitSplit;
  /** ftrace: every traced batch, in the order they ran. */
  batches?: TracedBatch[];
  /** ftrace: traced rounds (0-based) left out because the host was slow for every cell in them. */
  slowRounds?: number[];
  /** ftrace: min-max over the batches in the split. */
  spread?: { inKvmRunNs: Spread; userspaceTurnaroundNs: Spread; loopNsPerIteration: Spread };
  /** ftrace: batches whose in-KVM_RUN or turnaround is more than 25 % from the median: the split is doubtful. */
  disagreement?: { batches: number[]; detail: string };
  /** ftrace: the sum rule, worst batch: every KVM_RUN + every turnaround = the batch's time. */
  sumCheck?: { deviation: number; tolerance: number; passed: boolean };
  /** ftrace: what tracing itself costs here. */
  tracingCost?: TracingCost;
  /** perf-stat: tracepoint counts, checked against the harness's count. */
  counts?: Record<string, number>;
  countCheck?: { counter: string; expected: number; observed: number; matched: boolean };
  /** Files in the run folder, relative to it. */
  rawFile?: string;
}

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
