/**
 * The results object: one versioned schema (results.schema.json describes it) that every exporter,
 * `kvmbench compare` and the HTML report read. Nothing reaches back from them into measuring.
 * All times are nanoseconds.
 */
import type { CellTrace, TraceMode } from '../trace/session.js';
import type { SampleStats } from './stats.js';

export const SCHEMA_VERSION = 1;

export type WorkloadKind = 'lifecycle' | 'exit' | 'baseline';

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
}

export interface BindingInfo {
  name: string;
  description: string;
  version: string;
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
}

/** Whether the harness's exit count matched KVM's own counters. */
export interface ExitCountCheck {
  source: 'stats-fd' | 'unavailable';
  /** The counter compared (io_exits, mmio_exits, halt_exits, exits). */
  counter?: string;
  expected?: number;
  observed?: number;
  matched?: boolean;
  detail: string;
}

export interface OverheadVsFloor {
  /** median(binding) / median(c-loop) with its bootstrap 95 % CI. */
  ratio: number;
  ratioCi95: [number, number];
  /** median(binding) - median(c-loop), ns, with its CI. */
  differenceNs: number;
  differenceCi95: [number, number];
}

export interface StepResult {
  name: string;
  stats: SampleStats;
}

export interface Measurement {
  workload: string;
  binding: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped (guest, binding, exit, registers for a guest failure). */
  error?: string;
  /** Round trips (or lifecycles) averaged into one sample. */
  iterationsPerSample: number;
  /** Nanoseconds per iteration, one value per sample, in the order they were taken. */
  samples: number[];
  /** The round each sample belongs to (same length as samples). */
  sampleRounds: number[];
  /** Milliseconds since the run started at which each sample ended: the run-order / drift plot. */
  sampleTimesMs: number[];
  stats?: SampleStats;
  /** Median in TSC cycles, where the TSC frequency is known. */
  medianCycles?: number;
  overheadVsFloor?: OverheadVsFloor;
  exitCountCheck?: ExitCountCheck;
  /** Lifecycle workloads: each step's own statistics. */
  steps?: StepResult[];
  totalIterations: number;
  /** With --trace: the traced batch run after the measured rounds (tracing slows it, so it is kept apart). */
  trace?: CellTrace;
}

export interface RunOptions {
  workloads: string[];
  bindings: string[];
  rounds: number;
  timePerRoundMs: number;
  warmupMs: number;
  quick: boolean;
  pin?: number;
  cpuidK: number;
  trace?: TraceMode;
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
  /** Things a reader should know: noisy cells, failed checks, what the host cannot do. */
  warnings: string[];
}
