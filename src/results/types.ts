/**
 * The results object: one versioned schema (results.schema.json describes it) that every exporter,
 * `kvmbench compare` and the HTML report read. Nothing reaches back from them into measuring.
 * All times are nanoseconds.
 */

import type { SeriesName } from './sweep-points.js';
import type { CellTrace, TraceMode } from './trace.js';

/** A sample lasts at least this long on every binding, so timer reads and call overhead vanish in it (harness.targetSampleNs). */
export const TARGET_SAMPLE_NS = 500_000;

export const SCHEMA_VERSION = 2;

/** sweep: a point of a memory, vCPU or VM-count sweep (src/bench/sweeps/). */
export type WorkloadKind = 'lifecycle' | 'exit' | 'baseline' | 'sweep';

export interface WorkloadInfo {
  name: string;
  kind: WorkloadKind;
  description: string;
  /** The guest it runs ('' for the null-ioctl baseline). */
  guest: string;
  /** Userspace exits per measured iteration (0 for baselines that do not enter the guest). */
  userspaceExitsPerIteration: number;
  /** Exits KVM handles in the kernel per iteration (cpuid-then-pio's K). */
  inKernelExitsPerIteration: number;
  /** The guest times each exit with its own TSC too (see GuestClockResult). */
  guestClock?: boolean;
}

export interface BindingInfo {
  name: string;
  description: string;
  version: string;
  /** 'peer': another VMM run as a process (`run --peers`), not a binding of kvmbench's. Absent: a binding. */
  kind?: 'binding' | 'peer';
  /** A peer that ran the guest in a software emulator (QEMU's TCG): not comparable with KVM rows. */
  emulated?: boolean;
  /** Peers: how they were run. */
  peer?: PeerInfo;
}

/** How a peer VMM was run (src/peers/, docs/peers.md). */
export interface PeerInfo {
  /** The guest it ran (guests/<guest>.S). */
  guest: string;
  accelerator: 'kvm' | 'tcg';
  /** The command line of the short run. */
  command: string[];
  /** Exits of the short and of the long run (the two-length method). */
  exits: [number, number];
  /** Per-exit estimate of the probe runs that sized the long run, ns. */
  probeNsPerExit: number;
}

export interface HostFingerprint {
  hostname: string;
  cpuModel: string;
  cpuMicrocode?: string;
  cpuCount: number;
  smt?: boolean;
  governor?: string;
  transparentHugepages?: string;
  kernel: string;
  kvmModules: Record<string, Record<string, string>>;
  hostIsVirtualMachine: boolean;
  underlyingHypervisor?: string;
  nested: boolean;
  pvm: boolean;
  virtualization: string;
  tscHz?: number;
  /** Whether hardware perf counters count here (false on most VMs). */
  hardwareCounters?: boolean;
  node: string;
  v8: string;
  koffi: string;
  napi: string;
  kvmbench: string;
  gitRevision?: string;
  /** Running inside a container (/.dockerenv or a container cgroup). */
  container: boolean;
  /** The runtime of the process that wrote these results (Bun and Deno report a Node version of their own in `node`). */
  runtime?: { kind: 'node' | 'bun' | 'deno'; version: string; engine: string };
  /** --runtimes: every runtime the run measured in. */
  runtimes?: RuntimeRecord[];
}

/** A runtime of a --runtimes run: what ran, with which flags, measuring which rows. */
export interface RuntimeRecord {
  /** Its name in --runtimes and in its rows' prefix (src/results/rows.ts). */
  name: string;
  kind: 'node' | 'bun' | 'deno';
  version: string;
  /** `V8 <version>` or `JavaScriptCore <WebKit commit>`. */
  engine: string;
  executable: string;
  flags: string[];
  /** Its rows. */
  bindings: string[];
  /** The JIT warm-up its processes ran (a Node's own V8 budget; none lowered for Bun and Deno). */
  jitWarmup?: HarnessInfo['jitWarmup'];
}

/** Whether the harness's exit count matched KVM's own counters. */
export interface ExitCountCheck {
  source: 'stats-fd' | 'unavailable';
  /** The counter compared (io_exits, mmio_exits, halt_exits, exits). */
  counter?: string;
  /** The workload's own counter when this KVM never counts it and `exits` was compared instead. */
  notCounted?: string;
  expected?: number;
  observed?: number;
  matched?: boolean;
  detail: string;
}

/**
 * A binding against the floor, from pairs of turns measured in the same round: the median over
 * pairs of the ratio and of the difference of the two turns' medians, with 95 % intervals.
 */
export interface OverheadVsFloor {
  ratio: number;
  ratioCi95: [number, number];
  /** ns per iteration. */
  differenceNs: number;
  differenceCi95: [number, number];
  /** Pairs of turns (absent in schema 1 files). */
  pairs?: number;
  /** Coverage of the intervals: 0.95, less only with too few pairs. */
  confidence?: number;
}

/**
 * A workload whose guest's writes complete in the kernel (an ioeventfd, a coalesced zone): the cost
 * of one such write, from pairs of turns measured in the same round as the base workload (the
 * iteration's own exit alone), and which workload makes the same write as an exit to userspace.
 */
export interface CompletedWriteCost {
  /** What completes the writes in the kernel: an ioeventfd (one byte, matching one value, or any length), a coalesced zone. */
  completion: 'ioeventfd' | 'ioeventfd-datamatch' | 'ioeventfd-any-length' | 'coalesced';
  writesPerIteration: number;
  /** The workload that makes only the iteration's exit (its time per pair of turns is subtracted). */
  baseWorkload: string;
  /** (iteration - base iteration) / writes per iteration: median over pairs of turns, ns. */
  nsPerWrite: number;
  nsPerWriteCi95: [number, number];
  pairs: number;
  /** Coverage of the interval: 0.95, less only with too few pairs. */
  confidence: number;
  /** The workload whose every write is an exit to userspace, to set beside (pio-out, mmio-write). */
  userspaceExitWorkload: string;
}

/** How a cell's batches were sized and what the harness itself costs in them. */
export interface CellCalibrationInfo {
  /** Median ns per iteration of the probe batches after warm-up. */
  probeNsPerIteration: number;
  /** Median ns of an empty batch: the timer reads and the call into the loop, paid once per sample. */
  emptyBatchNs: number;
  /** Median length of this cell's samples, ns. */
  sampleNs: number;
  /** emptyBatchNs / sampleNs. */
  harnessShare: number;
  /**
   * Iterations run before calibrating so V8 had optimized the JS path (JS bindings of workloads that
   * ask for it, harness.jitWarmup); the fewest of any process in a merged run.
   */
  jitWarmupIterations?: number;
}

export interface StepResult {
  name: string;
  stats: MeasurementStats;
}

/** A cell's statistics: TurnStats from `run`; files of schema 1 carry no turn fields. */
export type MeasurementStats = SampleStats & Partial<Pick<TurnStats, 'turns' | 'processes' | 'ciConfidence'>>;

/** A point of a sweep: its series and its size (bytes for memory series, vCPUs or VMs otherwise). */
export interface SweepPoint {
  series: SeriesName;
  size: number;
}

export interface Measurement {
  workload: string;
  /** Sweep points: which point the workload is (files written without it: read from the name on reading). */
  point?: SweepPoint;
  /** The row: the binding, prefixed by its runtime for another runtime than kvmbench's Node (`bun:napi`). */
  binding: string;
  /** --runtimes: the runtime that measured it (absent: the Node running kvmbench). */
  runtime?: string;
  /** suspect: measured, but KVM's own exit counter disagrees with the harness. */
  status: 'ok' | 'suspect' | 'failed' | 'skipped';
  /** Why it failed, was skipped or is suspect (guest, binding, exit, registers for a guest failure). */
  error?: string;
  /** Round trips (or lifecycles) averaged into one sample. */
  iterationsPerSample: number;
  /** Nanoseconds per iteration, one value per sample, in the order they were taken. */
  samples: number[];
  /** The round each sample belongs to (same length as samples). */
  sampleRounds: number[];
  /** With `run --processes N`: the process (0..N-1) each sample comes from. */
  sampleProcesses?: number[];
  /** Milliseconds since the run started at which each sample ended: the run-order / drift plot. */
  sampleTimesMs: number[];
  /** median and medianCi95 over turns (the independent unit); the other fields over all samples. */
  stats?: MeasurementStats;
  calibration?: CellCalibrationInfo;
  /** Median in TSC cycles, where the TSC frequency is known. */
  medianCycles?: number;
  overheadVsFloor?: OverheadVsFloor;
  /** Writes completed in the kernel: the cost of one, against the workload's base exit. */
  completedWrite?: CompletedWriteCost;
  exitCountCheck?: ExitCountCheck;
  /** KVM instruction-emulator runs per iteration (KVM's insn_emulation stat), where the host reports it. */
  emulatedInstructionsPerIteration?: number;
  /**
   * KVM_RUN calls (and, in the lifecycle, KVM_CREATE_VM calls) that returned EINTR: a signal, or task
   * work pending on the thread. Each was made again; none is a guest fault.
   */
  interruptedRuns?: number;
  /** Lifecycle workloads: each step's own statistics. */
  steps?: StepResult[];
  /** Lifecycle workloads: per step, its mean ns in each sample (aligned with samples). */
  stepSamples?: number[][];
  totalIterations: number;
  /** With --trace: the traced batch run after the measured rounds (tracing slows it, so it is kept apart). */
  trace?: CellTrace;
  /** Workloads whose guest keeps a clock: the round trip timed from inside the guest with RDTSC. */
  guestClock?: GuestClockResult;
}

/**
 * A round trip timed by the guest (RDTSC just before and after the exiting instruction, as in
 * kvm-unit-tests' x86/vmexit) beside the host's figure. src/bench/guest-clock.ts says what a window is.
 */
export interface GuestClockResult {
  /** ok: cycles and ns; cycles-only: the TSC frequency is unknown; unusable: the guest's TSC cannot be trusted (see note). */
  status: 'ok' | 'cycles-only' | 'unusable';
  /** Why there is no ns figure or no figure at all. */
  note?: string;
  /** Guest TSC cycles inside the timed windows, per sample (aligned with samples). */
  cycleSamples: number[];
  /** Windows (round trips) the guest timed per sample: each batch's iterations less its first. */
  windowSamples: number[];
  /**
   * Set when a window is not an exit but a burst of this many writes completed in the kernel (an
   * ioeventfd or a coalesced zone): the per-round-trip figures are then per burst; divide for a write.
   */
  writesPerWindow?: number;
  /** Samples whose window count was not iterations - 1. */
  miscountedSamples: number;
  /** Guest cycles per round trip: median over turns with its interval, like the host figure. */
  cyclesPerRoundTrip?: MeasurementStats;
  /** The TSC frequency the ns figures use. */
  tscHz?: number;
  /** Where tscHz came from, or why it is unknown. */
  tscSource: string;
  /** Guest-timed ns per round trip (cyclesPerRoundTrip.median at tscHz) and its interval. */
  nsPerRoundTrip?: number;
  nsCi95?: [number, number];
  /**
   * Host-timed minus guest-timed ns per round trip (median over turns of the per-sample difference):
   * what the host's loop holds outside the guest's windows.
   */
  hostMinusGuestNs?: number;
  hostMinusGuestCi95?: [number, number];
}

export interface RunOptions {
  workloads: string[];
  bindings: string[];
  rounds: number;
  timePerRoundMs: number;
  warmupMs: number;
  /** The most one workload's JIT warm-up may take (HarnessInfo.jitWarmup); absent in older results. */
  jitWarmupMaxMs?: number;
  quick: boolean;
  pin?: number;
  cpuidK: number;
  trace?: TraceMode;
  /** Fresh Node processes the run was repeated in and merged from (1: this process only). */
  processes?: number;
  /** --runtimes: the runtimes measured in, each in processes of its own (absent: the Node running kvmbench). */
  runtimes?: string[];
  /** `run --sweep`: the sweep whose points are the workloads. */
  sweep?: 'memory' | 'vcpus' | 'vms';
  /** Peer VMMs run beside the bindings (`--peers`). */
  peers?: string[];
  /**
   * `--inject-delay-ns`: per JS binding, a busy wait of this many ns after every KVM_RUN of its exit
   * loops. A check that `compare` catches a slower binding; such a run measures no binding as it is.
   */
  injectDelayNs?: Record<string, number>;
  /** `--vmm-designs`: the vCPU threading designs measured after the rounds (sync, the baseline, always among them). */
  vmmDesigns?: string[];
}

export interface RunInfo {
  id: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** 'incomplete' when interrupted: what was measured up to then. */
  status: 'complete' | 'incomplete';
  command: string[];
  options: RunOptions;
  /** The CPU the process was pinned to, when --pin was given and took effect. */
  pinnedCpu?: number;
  peakRssBytes: number;
}

export interface Results {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'kvmbench'; version: string };
  run: RunInfo;
  host: HostFingerprint;
  workloads: WorkloadInfo[];
  bindings: BindingInfo[];
  measurements: Measurement[];
  /** The binding the others are measured against ('c-loop'), when it was part of the run. */
  floor?: string;
  /** How samples were sized and what timing costs on this host. */
  harness?: HarnessInfo;
  /** Things a reader should know, one line per kind: noisy cells, failed checks, what the host cannot do. */
  warnings: string[];
  /** `run --vmm-designs`: the vCPU threading designs against the synchronous loop. Absent: not asked for. */
  vmmDesigns?: VmmDesignsResult;
  /** Runs that measured irqfd: its latency timed by the guest. */
  irqfdGuestTimed?: IrqFdGuestTiming;
}

/**
 * The irqfd latency timed by the guest (a run whose workloads include irqfd): from the host's RDTSC
 * just before its eventfd write to the guest handler's first RDTSC, on one clock through the vCPU's
 * TSC offset, and the round trip to the handler's exit; medians over turns with their intervals.
 */
export interface IrqFdGuestTiming {
  /** ok: figures; unusable: a wake-up fell outside its round trip, or no rate (see note); skipped: this KVM cannot (note). */
  status: 'ok' | 'unusable' | 'skipped';
  note?: string;
  deliveriesPerTurn: number;
  turns: number;
  /** The guest TSC's rate (KVM_GET_TSC_KHZ). */
  tscKhz?: number;
  wakeNs?: number;
  wakeCi95?: [number, number];
  roundTripNs?: number;
  roundTripCi95?: [number, number];
}

/**
 * The vCPU threading designs (src/vmm/, docs/vcpu-threading.md) on the pio-out guest, each against
 * the synchronous loop (`sync`) in interleaved rounds: one turn of each design per round, the order
 * rotated per round, every exit checked.
 */
export interface VmmDesignsResult {
  guest: string;
  /** The design the others are measured against: 'sync'. */
  baseline: string;
  /** Rounds asked for (a Ctrl-C or a failure can leave a design with fewer turns). */
  rounds: number;
  /** What each turn was sized to last, ms. */
  turnMs: number;
  designs: VmmDesignResult[];
}

/** One turn of a design: the sums of its run (ns), as src/vmm's ThreadedRun reports them. */
export interface VmmDesignTurn {
  round: number;
  exits: number;
  checked: number;
  wakeUps: number;
  kvmRunNs: number;
  handOffNs: number;
  handlingNs: number;
  elapsedNs: number;
  eintr: number;
  threadHops: number;
  ringFullWaits?: number;
}

export interface VmmDesignResult {
  design: string;
  /** The binding that opened its VM. */
  binding: string;
  /** What the design needs to run (a binding, the addon, koffi). */
  needs: string;
  /**
   * skipped: what it needs is missing here, or a stop came first; failed: a check or a bound failed
   * (error says which).
   */
  status: 'ok' | 'failed' | 'skipped';
  error?: string;
  /** Exits each turn takes, sized from a probe run so that a turn lasts about turnMs. */
  exitsPerTurn?: number;
  turns: VmmDesignTurn[];
  /** Per exit, first KVM_RUN to last exit checked: median over turns with its 95 % interval. */
  elapsedNs?: number;
  elapsedCi95?: [number, number];
  /** Coverage of that interval: 0.95, less only with fewer than 6 turns. */
  confidence?: number;
  /** Per exit, medians over turns: in KVM_RUN, handed over, handled by JS. */
  kvmRunNs?: number;
  handOffNs?: number;
  handlingNs?: number;
  /** Exits checked per wake-up of the JS thread, over all turns. */
  exitsPerWakeUp?: number;
  /** Totals over all turns. */
  exits: number;
  checked: number;
  eintr: number;
  threadHops: number;
  ringFullWaits?: number;
  /** Set when the design is one to avoid: what it costs and why. */
  antiPattern?: string;
  /** Against `sync` from pairs of turns in the same round (ratio and difference of per-exit elapsed). */
  vsSync?: OverheadVsFloor;
}

/** V8's optimization budget flag, as the JIT warm-up lowers it and puts it back (src/bench/jit-tier-up.ts). */
export interface TierUpBudget {
  /** The V8 flag, without its dashes. */
  flag: string;
  /** V8's default, restored before the rounds. */
  defaultValue: number;
  /** What the warm-up runs with. */
  warmupValue: number;
}

export interface HarnessInfo {
  /** Every sample lasts at least this long on every binding (ns). */
  targetSampleNs: number;
  /** Warm-up of each cell before its probes (ms). */
  warmupMs: number;
  /**
   * Workloads whose JS bindings ran a number of iterations first, for V8 to optimize their JS path:
   * the iterations asked of each binding and the most the warm-up of one workload may take.
   */
  jitWarmup?: {
    iterations: Record<string, number>;
    maxMs: number;
    /** V8's optimization budget during the warm-up. Absent: V8 was left alone. */
    tierUp?: TierUpBudget;
  };
  /** Median cost of reading the clock twice (process.hrtime.bigint), ns. */
  timerNs: number;
  /** Per workload: iterations per sample, the same for all its bindings. */
  iterationsPerSample: Record<string, number>;
  /**
   * Per phase, the longest stretch the event loop was blocked (ms): how late a signal could be seen.
   * The worst of any process in a merged run.
   */
  longestBlockMs?: { calibrate?: number; measure?: number; trace?: number };
}

/**
 * Whether a measurement has statistics to show: measured (ok), or measured while KVM's exit counter
 * disagreed (suspect: shown with its numbers, marked).
 */
export function hasStatistics(m: Measurement): m is Measurement & { stats: MeasurementStats } {
  return (m.status === 'ok' || m.status === 'suspect') && m.stats !== undefined && m.samples.length > 0;
}

/** Summary of one set of samples; every value is in the unit of the input. */
export interface SampleStats {
  /** Number of samples. */
  n: number;
  /** Smallest sample. */
  min: number;
  /** Largest sample. */
  max: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (n - 1 denominator); 0 when n = 1. */
  sd: number;
  /** Coefficient of variation sd / |mean| (unitless); 0 when sd = 0. */
  cv: number;
  /** First quartile (25th percentile). */
  q1: number;
  /** Median: of all samples (summarize), or of the per-turn medians (summarizeTurns). */
  median: number;
  /** Third quartile (75th percentile). */
  q3: number;
  /** Interquartile range q3 - q1. */
  iqr: number;
  /** 50th percentile of all samples (equal to `median` from summarize; from summarizeTurns the two can differ slightly). */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** 99.9th percentile. */
  p999: number;
  /** 95 % confidence interval of the median, [low, high] (over samples from summarize, over turns from summarizeTurns). */
  medianCi95: [number, number];
  /** Tukey outliers (beyond 1.5 IQR from the quartiles); counted, never removed. */
  outliers: {
    /** Samples below q1 - 1.5 * iqr. */
    low: number;
    /** Samples above q3 + 1.5 * iqr. */
    high: number;
  };
}

/** Statistics of a measured cell: `median` and `medianCi95` over turns (see unitsMedianCi), the rest over samples. */
export interface TurnStats extends SampleStats {
  /** Turns the median and its interval rest on. */
  turns: number;
  /** Processes the turns came from. */
  processes: number;
  /** Coverage of medianCi95: 0.95, or less when there were too few turns. */
  ciConfidence: number;
}
