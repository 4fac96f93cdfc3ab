/**
 * Measuring a RunOptions, one way through (the run around it: src/pipeline/run.ts):
 *   RunOptions -> plan -> open cells -> size batches -> rounds -> trace -> analyse -> Results,
 * or, with --processes / --runtimes, the plan measured in child processes and merged per cell.
 * Each step takes data and returns data; this file only sequences them and owns the open VMs,
 * which are released (with the CPU pinning) on every exit path.
 */

import { randomBytes } from 'node:crypto';
import { getBinding } from '../bindings/registry.js';
import type { BindingName } from '../bindings/types.js';
import { hostFingerprint } from '../host/fingerprint.js';
import { DEFAULT_KVM_PATH, Kvm } from '../kvm/system.js';
import { rowName } from '../results/rows.js';
import type { CellTrace } from '../results/trace.js';
import {
  type BindingInfo,
  type HarnessInfo,
  type Results,
  type RunOptions,
  type RuntimeRecord,
  SCHEMA_VERSION,
  type TierUpBudget,
} from '../results/types.js';
import { HOST_RUNTIME, hostRuntime, type Runtime } from '../runtimes/discover.js';
import { median } from '../stats/estimates.js';
import type { TraceFile, TraceSession } from '../trace/session.js';
import { watchBlocking } from '../util/block-watch.js';
import { registerCleanup } from '../util/cleanup.js';
import { type MeasuredCell, measurementsOf, skippedMeasurement } from './analyze.js';
import { lacksCapabilities, unsupportedWorkloads } from './capabilities.js';
import { type CellRunner, type KvmStats, openCellRunner } from './cell.js';
import { checkExitCount, emulatedInstructionsPerIteration } from './counters.js';
import { tscFrequency } from './guest-clock.js';
import { tierUpBudget } from './jit-tier-up.js';
import { pinToCpu } from './pinning.js';
import { cellsByWorkload, type Plan, planRun, takesJitWarmup } from './plan.js';
import { measureInProcesses, mergeProcessRuns, type ProcessRun } from './processes.js';
import { cellProgress, type RunProgress } from './progress.js';
import { type BatchSizing, type CellSamples, runRounds, type ScheduleControl, sizeBatches } from './scheduler.js';
import { openTraceSession, traceCells } from './trace-phase.js';
import { runWarnings } from './warnings.js';
import { workloadInfo } from './workloads.js';

export type { RunProgress };

export interface RunEnvironment {
  kvmPath?: string;
  /** --runtimes, found and probed by the caller: each measures its bindings in its own processes. */
  runtimes?: Runtime[];
  /** Host facts probed by the caller (perf), for the fingerprint. */
  hardwareCounters?: boolean;
  /** The run folder's name, chosen before measuring so an unusable --out fails first. */
  runId?: string;
  /** True once the run should stop (a signal). */
  stopped(): boolean;
  /** The signal that stopped it, forwarded to a child process (--processes). */
  signal?(): NodeJS.Signals | undefined;
  onProgress?(progress: RunProgress): void;
  /** --processes: child process `index` (0-based) of `count` starts, in `runtime`. */
  onProcess?(index: number, count: number, runtime: string): void;
  /**
   * This process measures one part of a parent's run (--processes): what the parent recomputes from
   * the merged samples is skipped here (the guest clock's ns figures, which may count the TSC's rate).
   */
  partOfRun?: boolean;
}

export interface RunOutcome {
  results: Results;
  /** Tracing failed after the measured rounds; the measurements are kept, with a warning. */
  traceFailed: boolean;
  /** Why tracing failed (its warning), for a parent run to say which process it was. */
  traceFailure?: string;
  /** --processes: a measuring process wrote nothing (killed, crashed) though no signal stopped the run. */
  processLost: boolean;
  /** --trace: raw captures (trace/...), written into the run folder beside the exporters' files. */
  traceFiles: TraceFile[];
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The open VMs of a run: one Kvm handle per binding, one runner per cell. */
function openCells(plan: Plan, kvmPath: string | undefined, kvms: Map<BindingName, Kvm>, runners: CellRunner[]): void {
  for (const name of plan.bindings) kvms.set(name, Kvm.open(getBinding(name), kvmPath));
  for (const cell of plan.cells) {
    runners.push(openCellRunner(cell, getBinding(cell.binding), kvms.get(cell.binding) as Kvm));
  }
}

/** What measuring (in this process or in several) hands to the analysis. */
interface Measured {
  cells: MeasuredCell[];
  completed: boolean;
  /** Absent when nothing was measured. */
  harness?: HarnessInfo;
  /** Why tracing failed after the measured rounds (the measurements are kept). */
  traceFailure?: string;
  /** Problems of child processes (--processes). */
  notes: string[];
  /** A child process wrote no results while the run went on (its note says which and why). */
  processLost?: boolean;
  /** --trace: the raw captures, for the exporters to write. */
  traceFiles?: TraceFile[];
  /** --runtimes: each row's binding as the process that measured it described it. */
  bindings?: BindingInfo[];
  /** --runtimes: each runtime's engine and JIT warm-up as its processes reported them. */
  runtimeEngines?: Map<string, Pick<RuntimeRecord, 'engine' | 'jitWarmup'>>;
}

/** host.runtimes: each runtime of a --runtimes run, with its engine as its own processes reported it. */
function runtimeRecords(
  plan: Plan,
  reported: ReadonlyMap<string, Pick<RuntimeRecord, 'engine' | 'jitWarmup'>>,
): RuntimeRecord[] {
  return (plan.runtimes ?? []).map(({ runtime, bindings }) => {
    const own = reported.get(runtime.name);
    return {
      name: runtime.name,
      kind: runtime.kind,
      version: runtime.version,
      engine: own?.engine ?? 'unknown (no process of it finished)',
      executable: runtime.executable,
      flags: runtime.flags,
      bindings: bindings.map((binding) => rowName(runtime.name, binding)),
      ...(own?.jitWarmup ? { jitWarmup: own.jitWarmup } : {}),
    };
  });
}

export async function runBenchmarks(options: RunOptions, env: RunEnvironment): Promise<RunOutcome> {
  const startedAt = new Date();
  const runStartMs = performance.now();
  const asked = planRun(options, env.runtimes);
  // Probed before anything is measured: the workloads this KVM cannot run are left out, and reported.
  const unsupported = unsupportedWorkloads(asked.workloads, 'napi', env.kvmPath);
  const plan = unsupported.size
    ? planRun({ ...options, workloads: options.workloads.filter((name) => !unsupported.has(name)) }, env.runtimes)
    : asked;
  const inChildren = (options.processes ?? 1) > 1 || (plan.runtimes ?? []).some((r) => r.runtime.name !== HOST_RUNTIME);
  const measured =
    plan.cells.length === 0
      ? { cells: [], completed: true, notes: [] }
      : inChildren
        ? await measureInChildren(plan, env)
        : await measureHere(plan, env, runStartMs);
  const host = {
    ...hostFingerprint(env.hardwareCounters),
    ...(plan.runtimes ? { runtimes: runtimeRecords(plan, measured.runtimeEngines ?? new Map()) } : {}),
  };
  const guestTsc =
    !env.partOfRun && plan.workloads.some((workload) => workload.guestClock) ? tscFrequency(host) : undefined;
  const measurements = [
    ...measurementsOf(measured.cells, plan.floor, host.tscHz, guestTsc),
    ...asked.cells.flatMap((cell) => {
      const missing = unsupported.get(cell.workload.name);
      return missing ? [skippedMeasurement(cell, lacksCapabilities(missing))] : [];
    }),
  ];
  const warnings = runWarnings({
    measurements,
    options,
    harness: measured.harness,
    host,
    unsupported,
    interrupted: !measured.completed,
    traceFailure: measured.traceFailure,
    processNotes: measured.notes,
  });
  const results: Results = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'kvmbench', version: host.kvmbench },
    run: {
      id: env.runId ?? newRunId(startedAt),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(performance.now() - runStartMs),
      status: measured.completed ? 'complete' : 'incomplete',
      command: process.argv.slice(2),
      options,
      ...(options.pin === undefined ? {} : { pinnedCpu: options.pin }),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    },
    host,
    workloads: asked.workloads.map(workloadInfo),
    bindings: measured.bindings ?? plan.bindings.map(bindingInfo),
    ...(plan.floor ? { floor: plan.floor } : {}),
    ...(measured.harness ? { harness: measured.harness } : {}),
    measurements,
    warnings,
  };
  return {
    results,
    traceFailed: measured.traceFailure !== undefined && !env.stopped(),
    ...(measured.traceFailure ? { traceFailure: measured.traceFailure } : {}),
    processLost: measured.processLost === true,
    traceFiles: measured.traceFiles ?? [],
  };
}

function bindingInfo(name: BindingName): BindingInfo {
  const { description, version } = getBinding(name);
  return { name, description, version };
}

/**
 * What a phase of this plan takes at the least (ms): calibration, the JIT warm-up's limit and each
 * cell's warm-up and probes; the rounds, their turns. Progress shows it before a step is done.
 */
function plannedPhaseMs(plan: Plan, phase: 'calibrate' | 'measure'): number {
  const o = plan.options;
  const cells = plan.cells.length;
  if (phase === 'measure') return o.rounds * cells * o.timePerRoundMs;
  return (needsJitWarmup(plan) ? (o.jitWarmupMaxMs ?? 0) : 0) + cells * (o.warmupMs + 20);
}

/** True if a workload of the plan runs a JIT warm-up through a JS binding. */
function needsJitWarmup(plan: Plan): boolean {
  return (plan.options.jitWarmupMaxMs ?? 0) > 0 && plan.cells.some(takesJitWarmup);
}

/** The open VMs of a measuring process, and its trace session. */
interface OpenCells {
  kvms: Map<BindingName, Kvm>;
  runners: CellRunner[];
  traceSession?: TraceSession;
}

/** Measures the plan in this process: open cells, calibrate, rounds, trace; all closed on every exit path. */
async function measureHere(plan: Plan, env: RunEnvironment, runStartMs: number): Promise<Measured> {
  const options = plan.options;
  const open: OpenCells = { kvms: new Map(), runners: [] };
  const closeAll = () => {
    for (const runner of open.runners.splice(0)) runner.close();
    for (const kvm of open.kvms.values()) kvm.close();
    open.kvms.clear();
  };
  const unregister = registerCleanup(closeAll);
  const restorePinning = options.pin === undefined ? undefined : pinToCpu(options.pin);
  try {
    // Before any VM exists: asking V8 runs a child process (see tierUpBudget).
    const tierUp = needsJitWarmup(plan) ? await tierUpBudget() : null;
    if (options.trace) open.traceSession = openTraceSession(options.trace, plan.cells);
    openCells(plan, env.kvmPath, open.kvms, open.runners);
    return await measureOpenCells(plan, env, runStartMs, open, tierUp);
  } finally {
    unregister();
    closeAll();
    restorePinning?.();
    await open.traceSession?.close();
  }
}

/** Calibrates and measures the open cells, then traces them (--trace): what the analysis needs. */
async function measureOpenCells(
  plan: Plan,
  env: RunEnvironment,
  runStartMs: number,
  open: OpenCells,
  tierUp: TierUpBudget | null,
): Promise<Measured> {
  const options = plan.options;
  const { runners } = open;
  const groups = cellsByWorkload(plan).map((row) => row.map((cell) => runners[cell.index] as CellRunner));
  const statsBefore = runners.map((runner) => runner.readStats());
  const control: ScheduleControl = {
    stopped: env.stopped,
    onProgress: (progress) =>
      env.onProgress?.(
        progress.phase === 'trace' ? progress : { ...progress, plannedMs: plannedPhaseMs(plan, progress.phase) },
      ),
  };
  const blocked: NonNullable<HarnessInfo['longestBlockMs']> = {};
  let watch = watchBlocking();
  const calibration = await sizeBatches(
    groups,
    { warmupMs: options.warmupMs, jitWarmupMaxMs: options.jitWarmupMaxMs ?? 0, tierUp },
    control,
  );
  blocked.calibrate = roundMs(watch.stop());
  watch = watchBlocking();
  const rounds = await runRounds(
    groups,
    calibration,
    { rounds: options.rounds, timePerRoundMs: options.timePerRoundMs, runStartMs },
    control,
  );
  blocked.measure = roundMs(watch.stop());
  const statsAfter = runners.map((runner) => runner.readStats());
  // Counted with the stats: the traced batches below are not part of the check.
  const iterations = runners.map((runner) => runner.iterations);
  const traced = rounds.completed && open.traceSession ? await traceAfterRounds(open, rounds.cells, env, blocked) : {};
  return {
    cells: measuredCells(plan, runners, iterations, calibration, rounds.cells, statsBefore, statsAfter, traced.traces),
    completed: rounds.completed,
    harness: {
      targetSampleNs: calibration.targetSampleNs,
      warmupMs: calibration.warmupMs,
      ...(calibration.jitWarmup ? { jitWarmup: calibration.jitWarmup } : {}),
      timerNs: calibration.timerNs,
      iterationsPerSample: Object.fromEntries(calibration.iterationsPerSample),
      longestBlockMs: blocked,
    },
    ...(traced.traceFailure ? { traceFailure: traced.traceFailure } : {}),
    traceFiles: traced.files ?? [],
    notes: [],
  };
}

/** The trace phase after complete rounds: each cell traced near its median; a failure keeps the measurements. */
async function traceAfterRounds(
  open: OpenCells,
  samples: ReadonlyMap<number, CellSamples>,
  env: RunEnvironment,
  blocked: NonNullable<HarnessInfo['longestBlockMs']>,
): Promise<{ traces?: Map<number, CellTrace>; files?: TraceFile[]; traceFailure?: string }> {
  const session = open.traceSession as TraceSession;
  const medians = new Map<number, number>();
  for (const [index, cell] of samples) {
    if (cell.error === undefined && cell.samples.length > 0) medians.set(index, median(cell.samples));
  }
  const watch = watchBlocking();
  try {
    const { traces, files } = await traceCells(session, open.runners, medians, {
      keepGoing: () => !env.stopped(),
      kvmFor: (binding) => open.kvms.get(binding),
      onBatch: (done, total, runner) => env.onProgress?.(cellProgress('trace', done, total, runner)),
    });
    return {
      traces,
      files,
      ...(env.stopped() ? { traceFailure: 'tracing was interrupted: some cells have no trace' } : {}),
    };
  } catch (error) {
    return {
      traceFailure: `--trace ${session.mode} failed after the measured rounds, so there are no traces: ${(error as Error).message}`,
    };
  } finally {
    blocked.trace = roundMs(watch.stop());
  }
}

const roundMs = (ms: number): number => Math.round(ms * 10) / 10;

/** The longest blocked stretch per phase over the processes: the worst any of them saw. */
function longestBlocks(results: readonly Results[]): HarnessInfo['longestBlockMs'] {
  const worst: NonNullable<HarnessInfo['longestBlockMs']> = {};
  for (const phase of ['calibrate', 'measure', 'trace'] as const) {
    const seen = results.flatMap((r) => r.harness?.longestBlockMs?.[phase] ?? []);
    if (seen.length) worst[phase] = Math.max(...seen);
  }
  return Object.keys(worst).length ? worst : undefined;
}

/** --processes N: the plan measured in N fresh Node processes, merged per cell. */
async function measureInChildren(plan: Plan, env: RunEnvironment): Promise<Measured> {
  const count = plan.options.processes ?? 1;
  // KVM is checked here first: without it every child would start, fail the same way, and cost seconds.
  const here = hostRuntime().bindings;
  Kvm.open(getBinding(plan.bindings.find((name) => here.includes(name)) ?? 'koffi'), env.kvmPath).close();
  const runs = await measureInProcesses({
    plan,
    count,
    kvmPath: env.kvmPath ?? DEFAULT_KVM_PATH,
    stopped: env.stopped,
    signal: () => env.signal?.() ?? 'SIGINT',
    tierUp: needsJitWarmup(plan) ? await tierUpBudget() : null,
    onProcess: (index, _count, runtime) => env.onProcess?.(index, count, runtime),
  });
  const finished = runs.filter((run) => run.results !== undefined).map((run) => run.results as Results);
  if (finished.length === 0 && env.stopped()) {
    // Stopped before any process measured: every cell skipped, the run incomplete.
    return { cells: mergeProcessRuns(plan, [], []), completed: false, notes: [] };
  }
  if (finished.length === 0) {
    const why = runs.map((run) => run.stderr.trim()).find((text) => text.length > 0) ?? 'no process wrote results';
    throw new Error(`--processes: no process measured anything: ${why}`);
  }
  const nameOf = processNamer(plan, count);
  const { notes, processLost } = processNotes(runs, nameOf, env.stopped());
  const first = (finished[0] as Results).harness;
  const blocks = longestBlocks(finished);
  const harness = first && blocks ? { ...first, longestBlockMs: blocks } : first;
  // A child whose tracing failed says so in its report and its exit code; one is enough.
  const failedTrace = runs.find((run) => run.traceFailure !== undefined);
  const cells = mergeProcessRuns(
    plan,
    runs.map((run) => run.results),
    runs.map((run) => run.runtime),
  );
  // One raw capture per cell (see mergeTraces): every process's kept batches would make a traced
  // default run's folder several times larger for the same explanation.
  const kept = new Set(cells.flatMap((cell) => (cell.trace?.rawFile ? [cell.trace.rawFile] : [])));
  const expected = count * (plan.runtimes?.filter((lane) => lane.bindings.length > 0).length ?? 1);
  return {
    cells,
    traceFiles: runs.flatMap((run) => run.traceFiles).filter((file) => kept.has(file.name)),
    ...(failedTrace ? { traceFailure: `${nameOf(failedTrace)}: ${failedTrace.traceFailure}` } : {}),
    completed: runs.length === expected && finished.every((results) => results.run.status === 'complete'),
    ...(plan.runtimes !== undefined ? runtimeDescriptions(plan, runs) : {}),
    ...(harness ? { harness } : {}),
    notes,
    ...(processLost ? { processLost: true } : {}),
  };
}

/** How the run's notes name a process: `process 2 of 4`, with its runtime under --runtimes. */
function processNamer(plan: Plan, count: number): (run: ProcessRun) => string {
  const several = plan.runtimes !== undefined;
  return (run) => `process ${run.index + 1} of ${count}${several ? ` (${run.runtime})` : ''}`;
}

/**
 * What went wrong with the processes while the run went on: one that wrote no results (killed,
 * crashed, hung), and one stopped at its deadline whose samples until then are kept.
 */
function processNotes(
  runs: readonly ProcessRun[],
  nameOf: (run: ProcessRun) => string,
  stopped: boolean,
): { notes: string[]; processLost: boolean } {
  const lost = runs.filter((run) => run.results === undefined && !stopped);
  // A child stopped at its deadline wrote what it had: kept, said, and the run exits 1.
  const late = runs.filter((run) => run.timedOutAfterMs !== undefined && run.results !== undefined);
  const why = (run: ProcessRun) =>
    run.timedOutAfterMs
      ? `stopped at its deadline of ${Math.round(run.timedOutAfterMs / 1000)} s: it hung`
      : run.signal
        ? `killed by ${run.signal}`
        : `exit ${run.exitCode}`;
  const notes = [
    ...lost.map(
      (run) => `${nameOf(run)} wrote no results (${why(run)})` + (run.stderr.trim() ? `: ${run.stderr.trim()}` : ''),
    ),
    ...late.map(
      (run) =>
        `${nameOf(run)} hung and was stopped at its deadline of ${Math.round((run.timedOutAfterMs ?? 0) / 1000)} s: its samples until then are kept`,
    ),
  ];
  return { notes, processLost: lost.length + late.length > 0 };
}

/** Each runtime's rows and engine, as the first of its processes that finished described them. */
function runtimeDescriptions(plan: Plan, runs: readonly ProcessRun[]): Pick<Measured, 'bindings' | 'runtimeEngines'> {
  const bindings: BindingInfo[] = [];
  const runtimeEngines = new Map<string, Pick<RuntimeRecord, 'engine' | 'jitWarmup'>>();
  for (const { runtime, bindings: measured } of plan.runtimes ?? []) {
    const results = runs.find((run) => run.runtime === runtime.name && run.results)?.results;
    const engine = results?.host.runtime?.engine;
    const jitWarmup = results?.harness?.jitWarmup;
    if (engine) runtimeEngines.set(runtime.name, { engine, ...(jitWarmup ? { jitWarmup } : {}) });
    for (const binding of measured) {
      const info = results?.bindings.find((b) => b.name === binding);
      bindings.push({
        name: rowName(runtime.name, binding),
        description: info?.description ?? `${binding} in ${runtime.name}`,
        version: info?.version ?? 'unknown (no process finished)',
      });
    }
  }
  return { bindings, runtimeEngines };
}

function measuredCells(
  plan: Plan,
  runners: readonly CellRunner[],
  iterationsAtStats: readonly number[],
  calibration: BatchSizing,
  samples: ReadonlyMap<number, CellSamples>,
  statsBefore: readonly (KvmStats | undefined)[],
  statsAfter: readonly (KvmStats | undefined)[],
  traces: ReadonlyMap<number, CellTrace> = new Map(),
): MeasuredCell[] {
  return plan.cells.map((cell) => {
    const runner = runners[cell.index] as CellRunner;
    const iterations = iterationsAtStats[cell.index] ?? 0;
    const before = statsBefore[cell.index];
    const after = statsAfter[cell.index];
    const check = checkExitCount(cell.workload, iterations, before, after);
    const emulated = emulatedInstructionsPerIteration(iterations, before, after);
    const calibrated = calibration.cells.get(cell.index);
    const trace = traces.get(cell.index);
    return {
      cell,
      iterationsPerSample: calibration.iterationsPerSample.get(cell.workload.name) ?? 0,
      samples: samples.get(cell.index) ?? { samples: [], sampleRounds: [], sampleTimesMs: [] },
      ...(calibrated ? { calibration: calibrated } : {}),
      iterations,
      interruptedRuns: runner.eintr,
      ...(check ? { exitCountCheck: check } : {}),
      ...(emulated === undefined ? {} : { emulatedInstructionsPerIteration: emulated }),
      ...(trace ? { trace } : {}),
    };
  });
}
