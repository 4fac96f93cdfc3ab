/**
 * A realistic, deterministic results object for exporter, report and compare tests: five workloads
 * × four bindings × three interleaved rounds, samples from a seeded cost model (a floor per workload,
 * a per-binding crossing cost, noise, rare spikes, slight drift), statistics from src/stats/estimates.ts,
 * one failed cell, one exit-count mismatch and warnings. Same overrides in, same object out.
 * With `trace`, each traced cell also carries what that --trace mode records (see traceFor).
 */
import { LIFECYCLE_STEPS } from '../../src/bench/lifecycle.js';
import type { CellTrace, ExitSplit, TraceMode } from '../../src/results/trace.js';
import type {
  BindingInfo,
  ExitCountCheck,
  HostFingerprint,
  Measurement,
  Results,
  RunInfo,
  StepResult,
  WorkloadInfo,
} from '../../src/results/types.js';
import { SCHEMA_VERSION } from '../../src/results/types.js';
import { Mulberry32, pairedRatioCi, summarize, turnMedians } from '../../src/stats/estimates.js';

export const FIXTURE_SEED = 20261125;
export const FIXTURE_FLOOR = 'c-loop';
export const FIXTURE_BINDINGS = ['c-loop', 'napi', 'koffi', 'koffi-variadic'] as const;
export const FIXTURE_WORKLOADS = ['lifecycle', 'pio-out', 'mmio-read', 'hlt', 'null-ioctl'] as const;
/** The lifecycle's steps, as the runner names them. */
export { LIFECYCLE_STEPS };
/** The one cell that fails in the fixture, with its error text. */
export const FIXTURE_FAILED_CELL = {
  workload: 'mmio-read',
  binding: 'koffi-variadic',
  error:
    'guest failure: unexpected exit KVM_EXIT_INTERNAL_ERROR (suberror 1: emulation failure) at rip=0x1004; expected KVM_EXIT_MMIO read of 0xd0000000, len 4',
} as const;
/** The cell whose exit count disagrees with KVM's halt_exits counter (and, with perf-stat, with perf's count). */
export const FIXTURE_MISMATCHED_CELL = { workload: 'hlt', binding: 'koffi-variadic', extraExits: 3 } as const;
/** With --trace ftrace: userspace turnaround per binding, ns (the binding's cost between two KVM_RUNs). */
export const FIXTURE_TURNAROUND_NS: Readonly<Record<string, number>> = {
  'c-loop': 150,
  napi: 350,
  koffi: 600,
  'koffi-variadic': 900,
};

/** How samples are generated; the rest of the object can be replaced through FixtureOverrides. */
export interface FixtureOptions {
  seed?: number;
  rounds?: number;
  /** Samples per workload × binding per round. */
  samplesPerRound?: number;
}

export interface FixtureOverrides extends FixtureOptions {
  tool?: Partial<Results['tool']>;
  run?: Partial<RunInfo>;
  host?: Partial<HostFingerprint>;
  workloads?: WorkloadInfo[];
  bindings?: BindingInfo[];
  measurements?: Measurement[];
  warnings?: string[];
  /** Adds what a run with `--trace <mode>` records: measurement.trace, run.options.trace, the command. */
  trace?: TraceMode;
  /**
   * ftrace and perf-stat: whether the host fires kvm:kvm_entry / kvm:kvm_exit (default true). When
   * false (as on PVM), ftrace splits have no inGuestNs and perf-stat counts no kvm_exit.
   */
  traceGuestSplit?: boolean;
}

const WORKLOADS: WorkloadInfo[] = [
  {
    name: 'lifecycle',
    kind: 'lifecycle',
    description: 'Create a VM with 64 KiB of guest memory and one vCPU, run it to HLT, tear it down',
    guest: 'hlt.bin',
    userspaceExitsPerIteration: 1,
    inKernelExitsPerIteration: 0,
  },
  {
    name: 'pio-out',
    kind: 'exit',
    description: 'OUT to port 0x3f8 in a loop: one KVM_EXIT_IO round trip per iteration',
    guest: 'pio-out.bin',
    userspaceExitsPerIteration: 1,
    inKernelExitsPerIteration: 0,
  },
  {
    name: 'mmio-read',
    kind: 'exit',
    description: 'Read of an unbacked MMIO address: one KVM_EXIT_MMIO round trip per iteration',
    guest: 'mmio-read.bin',
    userspaceExitsPerIteration: 1,
    inKernelExitsPerIteration: 0,
  },
  {
    name: 'hlt',
    kind: 'exit',
    description: 'HLT without an in-kernel irqchip: one KVM_EXIT_HLT round trip per iteration',
    guest: 'hlt-loop.bin',
    userspaceExitsPerIteration: 1,
    inKernelExitsPerIteration: 0,
  },
  {
    name: 'null-ioctl',
    kind: 'baseline',
    description: 'KVM_CHECK_EXTENSION on /dev/kvm: the cost of one ioctl crossing without entering a guest',
    guest: '',
    userspaceExitsPerIteration: 0,
    inKernelExitsPerIteration: 0,
  },
];

const BINDINGS: BindingInfo[] = [
  { name: 'c-loop', description: 'The whole loop in C inside the addon: the floor', version: '0.1.0' },
  { name: 'napi', description: 'N-API addon, one zero-argument call per KVM_RUN', version: '0.1.0' },
  { name: 'koffi', description: 'koffi FFI with fixed integer ioctl prototypes', version: '3.3.4' },
  {
    name: 'koffi-variadic',
    description: 'koffi FFI with the variadic ioctl(int, unsigned long, ...)',
    version: '3.3.4',
  },
];

/** Median cost per iteration of the floor, ns. */
const FLOOR_NS: Record<string, number> = { 'pio-out': 7000, 'mmio-read': 7600, hlt: 6800, 'null-ioctl': 240 };
/** What each binding adds to one ioctl crossing, ns (the floor adds nothing). */
const CROSSING_NS: Record<string, number> = { 'c-loop': 0, napi: 100, koffi: 250, 'koffi-variadic': 500 };
/** Lifecycle step floors (ns) and how many binding crossings each step makes. */
const STEP_FLOOR_NS: Record<string, number> = {
  create_vm: 420_000,
  guest_memory: 35_000,
  memory_region: 28_000,
  create_vcpu: 190_000,
  set_sregs: 2_600,
  set_regs: 1_500,
  run: 18_000,
  teardown: 305_000,
};
const STEP_CROSSINGS: Record<string, number> = {
  create_vm: 2,
  guest_memory: 1,
  memory_region: 1,
  create_vcpu: 2,
  set_sregs: 2,
  set_regs: 1,
  run: 1,
  teardown: 4,
};
/** A lifecycle step's crossings also build JS objects: a crossing there costs more than in a hot loop. */
const LIFECYCLE_CROSSING_FACTOR = 6;
const ITERATIONS_PER_SAMPLE: Record<string, number> = { lifecycle: 5, 'null-ioctl': 20_000 };
const DEFAULT_ITERATIONS_PER_SAMPLE = 1000;
const EXIT_COUNTERS: Record<string, string> = { 'pio-out': 'io_exits', 'mmio-read': 'mmio_exits', hlt: 'halt_exits' };
const STARTED_AT = Date.parse('2026-11-25T14:03:12.000Z');
const WARMUP_MS = 200;
const TSC_HZ = 2_900_000_000;

const HOST: HostFingerprint = {
  hostname: 'bench-runner-07',
  cpuModel: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz',
  cpuMicrocode: '0xd0003a5',
  cpuCount: 2,
  smt: true,
  governor: 'performance',
  transparentHugepages: 'madvise',
  kernel: '6.8.0-pvm (#1 SMP PREEMPT_DYNAMIC)',
  kvmModules: {
    kvm: { halt_poll_ns: '200000', ignore_msrs: 'N', nx_huge_pages: 'auto' },
    kvm_pvm: { nested: 'N' },
  },
  hostIsVirtualMachine: true,
  underlyingHypervisor: 'KVM',
  nested: false,
  pvm: true,
  virtualization: 'PVM (paravirtualized KVM inside a KVM guest)',
  tscHz: TSC_HZ,
  hardwareCounters: false,
  node: 'v20.20.2',
  v8: '11.3.244.8-node.33',
  koffi: '3.3.4',
  napi: '9',
  kvmbench: '0.1.0',
  gitRevision: '4b05a52',
  container: true,
};

/** Normal deviates from the seeded PRNG (Box-Muller). */
export class Noise {
  private readonly random: Mulberry32;

  constructor(seed: number) {
    this.random = new Mulberry32(seed);
  }

  uniform(): number {
    return this.random.next();
  }

  gaussian(): number {
    const u = Math.max(this.random.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random.next());
  }

  /** exp(N(0, sd)): a log-normal factor around 1. */
  factor(sd: number): number {
    return Math.exp(sd * this.gaussian());
  }

  /** A value around `center`: relative noise, slight drift by round, and a rare upward spike. */
  sample(center: number, relativeSd: number, round: number): number {
    const drift = 1 + 0.004 * round;
    const spike = this.uniform() < 0.01 ? 1.1 + 0.3 * this.uniform() : 1;
    return Math.max(center * 0.5, center * drift * (1 + relativeSd * this.gaussian()) * spike);
  }
}

interface CellDraft {
  workload: string;
  binding: string;
  samples: number[];
  sampleRounds: number[];
  sampleTimesMs: number[];
  stepSamples: Map<string, number[]>;
}

function centerNs(workload: string, binding: string): number {
  return (FLOOR_NS[workload] ?? 1000) + (CROSSING_NS[binding] ?? 0);
}

function stepCenterNs(step: string, binding: string): number {
  const crossings = (STEP_CROSSINGS[step] ?? 1) * LIFECYCLE_CROSSING_FACTOR;
  return (STEP_FLOOR_NS[step] ?? 0) + crossings * (CROSSING_NS[binding] ?? 0);
}

function isFailedCell(workload: string, binding: string): boolean {
  return workload === FIXTURE_FAILED_CELL.workload && binding === FIXTURE_FAILED_CELL.binding;
}

/** Runs the cost model in the scheduler's order: rounds, then workloads, then bindings rotated per round. */
function drawSamples(options: Required<FixtureOptions>): { drafts: CellDraft[]; endMs: number } {
  const noise = new Noise(options.seed);
  const drafts = new Map<string, CellDraft>();
  for (const workload of FIXTURE_WORKLOADS) {
    for (const binding of FIXTURE_BINDINGS) {
      const draft = { workload, binding, samples: [], sampleRounds: [], sampleTimesMs: [], stepSamples: new Map() };
      drafts.set(`${workload}\u0000${binding}`, draft);
    }
  }
  let clockMs = WARMUP_MS;
  for (let round = 0; round < options.rounds; round++) {
    for (const workload of FIXTURE_WORKLOADS) {
      const bindings = FIXTURE_BINDINGS.map((_, index, all) => all[(index + round) % all.length] as string);
      for (const binding of bindings) {
        if (isFailedCell(workload, binding)) {
          clockMs += 3; // it fails on its first KVM_RUN
          continue;
        }
        const draft = drafts.get(`${workload}\u0000${binding}`) as CellDraft;
        const iterations = ITERATIONS_PER_SAMPLE[workload] ?? DEFAULT_ITERATIONS_PER_SAMPLE;
        for (let index = 0; index < options.samplesPerRound; index++) {
          let value: number;
          if (workload === 'lifecycle') {
            value = 0;
            for (const step of LIFECYCLE_STEPS) {
              const stepValue = noise.sample(stepCenterNs(step, binding), 0.03, round);
              value += stepValue;
              const list = draft.stepSamples.get(step) ?? [];
              list.push(stepValue);
              draft.stepSamples.set(step, list);
            }
          } else {
            value = noise.sample(centerNs(workload, binding), workload === 'null-ioctl' ? 0.02 : 0.012, round);
          }
          clockMs += (value * iterations) / 1e6 + 0.05;
          draft.samples.push(value);
          draft.sampleRounds.push(round);
          draft.sampleTimesMs.push(Math.round(clockMs * 1000) / 1000);
        }
        clockMs += 2; // switching cells: build the next VM, warm up
      }
    }
  }
  return { drafts: [...drafts.values()], endMs: clockMs };
}

function exitCountCheck(workload: string, binding: string, totalIterations: number): ExitCountCheck {
  const counter = EXIT_COUNTERS[workload];
  if (!counter) {
    const detail =
      workload === 'null-ioctl'
        ? 'the baseline does not enter the guest'
        : "each lifecycle's vCPU statistics end with its VM";
    return { source: 'unavailable', detail };
  }
  const mismatched = workload === FIXTURE_MISMATCHED_CELL.workload && binding === FIXTURE_MISMATCHED_CELL.binding;
  const observed = totalIterations + (mismatched ? FIXTURE_MISMATCHED_CELL.extraExits : 0);
  return {
    source: 'stats-fd',
    counter,
    expected: totalIterations,
    observed,
    matched: !mismatched,
    detail: mismatched
      ? `${counter} counted ${observed - totalIterations} more exits than the harness saw`
      : `${counter} agrees with the harness`,
  };
}

function toMeasurement(draft: CellDraft, floor: CellDraft | undefined): Measurement {
  const { workload, binding } = draft;
  const iterationsPerSample = ITERATIONS_PER_SAMPLE[workload] ?? DEFAULT_ITERATIONS_PER_SAMPLE;
  if (isFailedCell(workload, binding)) {
    return {
      workload,
      binding,
      status: 'failed',
      error: FIXTURE_FAILED_CELL.error,
      iterationsPerSample,
      samples: [],
      sampleRounds: [],
      sampleTimesMs: [],
      totalIterations: 0,
    };
  }
  const stats = summarize(draft.samples);
  const totalIterations = draft.samples.length * iterationsPerSample;
  const measurement: Measurement = {
    workload,
    binding,
    status: 'ok',
    iterationsPerSample,
    samples: draft.samples,
    sampleRounds: draft.sampleRounds,
    sampleTimesMs: draft.sampleTimesMs,
    stats,
    medianCycles: Math.round((stats.median * TSC_HZ) / 1e9),
    exitCountCheck: exitCountCheck(workload, binding, totalIterations),
    totalIterations,
  };
  if (floor && binding !== FIXTURE_FLOOR && floor.samples.length > 0) {
    const overhead = pairedRatioCi(
      turnMedians(floor.samples, floor.sampleRounds),
      turnMedians(draft.samples, draft.sampleRounds),
    );
    measurement.overheadVsFloor = {
      ratio: overhead.ratio,
      ratioCi95: overhead.ratioCi95,
      differenceNs: overhead.difference,
      differenceCi95: overhead.differenceCi95,
      pairs: overhead.n,
      confidence: overhead.confidence,
    };
  }
  if (draft.stepSamples.size > 0) {
    measurement.steps = [...draft.stepSamples].map(
      ([name, samples]): StepResult => ({ name, stats: summarize(samples) }),
    );
  }
  return measurement;
}

function warningsFor(measurements: Measurement[]): string[] {
  const warnings: string[] = [];
  for (const cell of measurements) {
    if (cell.status === 'failed')
      warnings.push(`${cell.workload} × ${cell.binding} failed: ${cell.error ?? 'no reason'}`);
    const check = cell.exitCountCheck;
    if (check?.matched === false) {
      warnings.push(
        `${cell.workload} × ${cell.binding}: exit count mismatch (${check.counter} expected ${check.expected}, observed ${check.observed})`,
      );
    }
  }
  warnings.push(
    "The host is itself a virtual machine (PVM on KVM): exit costs include the outer hypervisor's; compare only with runs on the same kind of host.",
    'Hardware performance counters are unavailable here; cycle figures are derived from the TSC frequency.',
  );
  return warnings;
}

/** ftrace: tracepoints fire in and around KVM_RUN; the loop's own time between them is not traced. */
const TRACE_UNCOVERED_NS = 180;
/** The guest's share of a KVM_RUN (kvm_entry → kvm_exit), ns, where those tracepoints fire. */
const IN_GUEST_NS = 1150;
/** Roughly how many ioctls one VM lifecycle makes (create, memory, vCPU, registers, run, close). */
const LIFECYCLE_IOCTLS = 9;
/** How much each mode slows the traced loop, besides what ftrace's split shows. */
const TRACE_SLOWDOWN: Record<TraceMode, number> = { ftrace: 1.05, 'perf-stat': 1.03, 'perf-record': 1.08 };

/** Iterations in a fixture's traced batch (about 30 ms worth; a run sizes its own with `batchSize` in src/bench/trace-phase/tracer.ts). */
function tracedIterations(median: number): number {
  return Math.max(1, Math.min(20_000, Math.round(30_000_000 / Math.max(median, 1))));
}

function ftraceSplit(cell: Measurement, iterations: number, guestSplit: boolean, noise: Noise): ExitSplit {
  const runs = cell.workload === 'null-ioctl' ? 0 : iterations;
  if (runs === 0) {
    // The baseline never calls KVM_RUN: the trace has nothing to split.
    const zero = { inKvmRunNs: 0, userspaceTurnaroundNs: 0, roundTripNs: 0 };
    return { runs, userspaceExits: 0, pioEvents: 0, mmioEvents: 0, kernelExits: 0, ...zero };
  }
  const inKvmRunNs = Math.round((FLOOR_NS[cell.workload] ?? 7000) * 0.985 + 15 * noise.gaussian());
  const userspaceTurnaroundNs = Math.round(
    (FIXTURE_TURNAROUND_NS[cell.binding] ?? 500) * (cell.workload === 'mmio-read' ? 1.08 : 1) + 6 * noise.gaussian(),
  );
  return {
    runs,
    userspaceExits: runs,
    pioEvents: cell.workload === 'pio-out' ? runs : 0,
    mmioEvents: cell.workload === 'mmio-read' ? 2 * runs : 0,
    kernelExits: guestSplit ? runs : 0,
    inKvmRunNs,
    userspaceTurnaroundNs,
    ...(guestSplit ? { inGuestNs: Math.round(IN_GUEST_NS + 20 * noise.gaussian()) } : {}),
    roundTripNs: inKvmRunNs + userspaceTurnaroundNs,
  };
}

/** perf stat's tracepoint counts over the batch, and the check of the one that fires once per iteration. */
function perfStatCounts(cell: Measurement, iterations: number, guestSplit: boolean): CellTrace {
  const n = iterations;
  const mismatched =
    cell.workload === FIXTURE_MISMATCHED_CELL.workload && cell.binding === FIXTURE_MISMATCHED_CELL.binding;
  const trace: CellTrace = { mode: 'perf-stat', tracedIterations: n, tracedLoopNsPerIteration: 0 };
  if (cell.workload === 'lifecycle') {
    trace.counts = {
      'kvm:kvm_userspace_exit': n,
      'kvm:kvm_exit': guestSplit ? 3 * n : 0,
      'kvm:kvm_pio': 0,
      'kvm:kvm_mmio': 0,
      'syscalls:sys_enter_ioctl': LIFECYCLE_IOCTLS * n,
    };
    return trace; // no tracepoint fires exactly once per lifecycle: nothing to check
  }
  const exits = cell.workload === 'null-ioctl' ? 0 : n + (mismatched ? FIXTURE_MISMATCHED_CELL.extraExits : 0);
  trace.counts = {
    'kvm:kvm_userspace_exit': exits,
    'kvm:kvm_exit': guestSplit ? exits : 0,
    'kvm:kvm_pio': cell.workload === 'pio-out' ? exits : 0,
    'kvm:kvm_mmio': cell.workload === 'mmio-read' ? 2 * exits : 0,
    'syscalls:sys_enter_ioctl': n,
  };
  const counter = cell.workload === 'null-ioctl' ? 'syscalls:sys_enter_ioctl' : 'kvm:kvm_userspace_exit';
  const observed = trace.counts[counter] as number;
  trace.countCheck = { counter, expected: n, observed, matched: observed === n };
  return trace;
}

/**
 * What `--trace <mode>` adds to a cell, or undefined where the mode traces nothing: failed cells,
 * and the lifecycle under ftrace (it has no KVM_RUN round trips to split).
 */
function traceFor(cell: Measurement, mode: TraceMode, guestSplit: boolean, noise: Noise): CellTrace | undefined {
  const median = cell.stats?.median;
  if (cell.status !== 'ok' || median === undefined) return undefined;
  if (mode === 'ftrace' && cell.workload === 'lifecycle') return undefined;
  const iterations = tracedIterations(median);
  const slowdown = TRACE_SLOWDOWN[mode] + 0.004 * noise.gaussian();
  switch (mode) {
    case 'ftrace': {
      const split = ftraceSplit(cell, iterations, guestSplit, noise);
      const loopNs = split.runs > 0 ? split.roundTripNs + TRACE_UNCOVERED_NS : median * slowdown;
      const rawFile = `trace/${`${cell.workload}--${cell.binding}`.replace(/[^a-z0-9-]+/gi, '_')}.txt`;
      return { mode, tracedIterations: iterations, tracedLoopNsPerIteration: round1(loopNs), split, rawFile };
    }
    case 'perf-stat':
      return { ...perfStatCounts(cell, iterations, guestSplit), tracedLoopNsPerIteration: round1(median * slowdown) };
    case 'perf-record':
      return {
        mode,
        tracedIterations: iterations,
        tracedLoopNsPerIteration: round1(median * slowdown),
        rawFile: 'trace/flamegraph.svg',
      };
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** The fixture: a complete, realistic run. Overrides replace top-level parts (run and host merge). */
export function makeFixtureResults(overrides: FixtureOverrides = {}): Results {
  const options: Required<FixtureOptions> = {
    seed: overrides.seed ?? FIXTURE_SEED,
    rounds: overrides.rounds ?? 3,
    samplesPerRound: overrides.samplesPerRound ?? 40,
  };
  const { drafts, endMs } = drawSamples(options);
  const floorOf = (workload: string) =>
    drafts.find((draft) => draft.workload === workload && draft.binding === FIXTURE_FLOOR);
  const measurements = drafts.map((draft) => toMeasurement(draft, floorOf(draft.workload)));
  const traceMode = overrides.trace;
  if (traceMode) {
    const noise = new Noise(options.seed + 1);
    for (const measurement of measurements) {
      const trace = traceFor(measurement, traceMode, overrides.traceGuestSplit ?? true, noise);
      if (trace) measurement.trace = trace;
    }
  }
  // A traced batch per cell (about 30 ms) follows the measured rounds.
  const tracedMs = traceMode ? measurements.filter((measurement) => measurement.trace).length * 35 : 0;
  const durationMs = Math.round(endMs + 150 + tracedMs);
  const run: RunInfo = {
    id: '20261125-140312-bench-runner-07',
    startedAt: new Date(STARTED_AT).toISOString(),
    finishedAt: new Date(STARTED_AT + durationMs).toISOString(),
    durationMs,
    status: 'complete',
    command: [
      'kvmbench',
      'run',
      '--rounds',
      String(options.rounds),
      '--pin',
      '1',
      ...(traceMode ? ['--trace', traceMode] : []),
    ],
    options: {
      workloads: [...FIXTURE_WORKLOADS],
      bindings: [...FIXTURE_BINDINGS],
      rounds: options.rounds,
      timePerRoundMs: 300,
      warmupMs: WARMUP_MS,
      quick: false,
      pin: 1,
      cpuidK: 8,
      ...(traceMode ? { trace: traceMode } : {}),
    },
    pinnedCpu: 1,
    peakRssBytes: 187_695_104,
  };
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'kvmbench', version: '0.1.0', ...overrides.tool },
    run: { ...run, ...overrides.run },
    host: { ...HOST, kvmModules: structuredClone(HOST.kvmModules), ...overrides.host },
    workloads: overrides.workloads ?? WORKLOADS.map((workload) => ({ ...workload })),
    bindings: overrides.bindings ?? BINDINGS.map((binding) => ({ ...binding })),
    measurements: overrides.measurements ?? measurements,
    warnings: overrides.warnings ?? warningsFor(measurements),
  };
}

/** The same results with one binding renamed everywhere it appears (for escaping and naming tests). */
export function renameBinding(results: Results, from: string, to: string): Results {
  const rename = (name: string) => (name === from ? to : name);
  return {
    ...results,
    run: { ...results.run, options: { ...results.run.options, bindings: results.run.options.bindings.map(rename) } },
    bindings: results.bindings.map((binding) => ({ ...binding, name: rename(binding.name) })),
    measurements: results.measurements.map((measurement) => ({ ...measurement, binding: rename(measurement.binding) })),
  };
}

/** The same run with every cell failed (as when KVM_CREATE_VM is refused): for degenerate reports. */
export function withEveryCellFailed(results: Results, error = 'KVM_CREATE_VM: EPERM'): Results {
  return {
    ...results,
    measurements: results.measurements.map((cell) => ({
      ...cell,
      status: 'failed' as const,
      error,
      samples: [],
      sampleRounds: [],
      sampleTimesMs: [],
      stats: undefined,
      overheadVsFloor: undefined,
      steps: undefined,
    })),
  };
}
