/** The trace part of the results schema: what --trace recorded for a cell (results.json `trace`). */

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

export interface ExitSplit {
  /** KVM_RUN calls seen from entry to return. */
  runs: number;
  /** Exits to userspace KVM reported (kvm_userspace_exit). */
  userspaceExits: number;
  pioEvents: number;
  mmioEvents: number;
  /** In-kernel exits (kvm_exit), where that tracepoint fires. */
  kernelExits: number;
  /**
   * ns from sys_enter_ioctl(KVM_RUN) to sys_exit_ioctl: the median over ~0.5 ms chunks of the mean
   * over each chunk's undisturbed round trips (the mean over all of them in a shorter batch).
   */
  inKvmRunNs: number;
  /** ns from one KVM_RUN's return to the next one's entry, taken like inKvmRunNs. */
  userspaceTurnaroundNs: number;
  /** Mean ns in the guest per KVM_RUN (kvm_entry → kvm_exit), or undefined where they do not fire. */
  inGuestNs?: number;
  /** inKvmRunNs + userspaceTurnaroundNs: one undisturbed round trip as the trace sees it. */
  roundTripNs: number;
  /**
   * Round trips longer than DISTURBED_FACTOR x the median round trip (the thread was preempted or
   * interrupted: on a busy host that time lands at the syscall boundary, i.e. in the turnaround).
   * They are left out of the parts above and counted here.
   */
  disturbedRoundTrips?: number;
  /**
   * The traced round trip timed the way the measured rounds time the untraced loop: the median over
   * consecutive ~0.5 ms samples of round trips (disturbed ones included) of their mean. Traced -
   * untraced compares like with like this way.
   */
  sampledRoundTripNs?: number;
  /** Means over every round trip, disturbed or not: these two add up to the traced loop (the sum rule). */
  allInKvmRunNs?: number;
  allTurnaroundNs?: number;
  /**
   * The batch's edges, for the sum rule: from the "kvmbench begin" marker to the first KVM_RUN, and
   * from the last KVM_RUN's return to the "kvmbench end" marker. The loop's own clock starts and
   * stops somewhere inside them.
   */
  headNs?: number;
  tailNs?: number;
}
