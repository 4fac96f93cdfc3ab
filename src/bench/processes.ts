/**
 * `run --processes N`: the same plan measured in N fresh Node processes, one after another, then
 * merged, as pyperf does with worker processes. A process brings its own code layout, JIT decisions
 * and heap; turns from several processes let the intervals include that variation (the process is
 * then the analysis's independent unit). With --trace ftrace every process traces its cells after
 * its rounds, and the traced batches of all of them make the cell's split.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { loadResultsFile, RESULTS_FILE_NAME } from '../results/read.js';
import type { CellCalibrationInfo, ExitCountCheck, Measurement, Results, TierUpBudget } from '../results/types.js';
import { HOST_RUNTIME, hostRuntime, type RuntimeName, runtimeCommand } from '../runtimes/discover.js';
import { median, middleElement } from '../stats/estimates.js';
import { mergeTraces } from '../trace/merge.js';
import type { TraceFile } from '../trace/session.js';
import { registerCleanup } from '../util/cleanup.js';
import { ERRNO } from '../util/errno.js';
import { resourceHint } from '../util/resource-hints.js';
import type { MeasuredCell } from './analyze.js';
import { childRequest, readChildReport, writeChildRequest } from './child-request.js';
import { TIER_UP_ENV, tierUpEnvValue } from './jit-tier-up.js';
import type { Plan, PlannedRuntime } from './plan.js';
import type { CellSamples } from './scheduler.js';

/** Set in a child's environment: the pid of the run that spawned it (the child stops when it is gone). */
export const PARENT_PID_ENV = 'KVMBENCH_PARENT_PID';

/** The hidden `run` option that hands a child its ChildRequest file. */
export const CHILD_OPTIONS_FLAG = '--options-file';

/** The parent's scratch folder, in the temporary directory; each child writes into <it>/<index>. */
const SCRATCH_PREFIX = 'kvmbench-processes-';

/** The parent's scratch folder of a child whose --out is `out` (undefined: not such a folder). */
export function parentScratchOf(out: string): string | undefined {
  const scratch = dirname(resolve(out));
  return basename(scratch).startsWith(SCRATCH_PREFIX) && dirname(scratch) === resolve(tmpdir()) ? scratch : undefined;
}

/** Overrides the deadline of each measuring child, in ms (tests; a host slower than any emulated CPU). */
export const CHILD_DEADLINE_ENV = 'KVMBENCH_CHILD_DEADLINE_MS';

/**
 * How long one measuring child may take: generous against what the plan asks of it (its rounds, the
 * JIT warm-up, calibration and start-up, 30 times over, plus 5 minutes for an emulated CPU), so only
 * a child that hangs (it could not start a thread under a low process limit) reaches it.
 */
export function childDeadlineMs(plan: Plan, bindings: number): number {
  const set = Number(process.env[CHILD_DEADLINE_ENV]);
  if (Number.isSafeInteger(set) && set > 0) return set;
  const o = plan.options;
  const cells = o.workloads.length * Math.max(1, bindings);
  const expectedMs = o.rounds * o.timePerRoundMs * cells + (o.jitWarmupMaxMs ?? 0) + cells * (o.warmupMs + 50) + 2000;
  return 300_000 + 30 * expectedMs * (o.trace === 'ftrace' ? 2 : 1);
}

/** Raised when a measuring child cannot be started at all (EAGAIN under a process limit, ENOMEM). */
export class ChildStartError extends Error {
  override name = 'ChildStartError';
}

export interface ProcessRun {
  /** The runtime it ran in, and its number among that runtime's processes (0-based). */
  runtime: RuntimeName;
  index: number;
  results: Results | undefined;
  exitCode: number;
  /** The signal that ended it (SIGKILL from the OOM killer or a user), where one did. */
  signal?: string;
  stderr: string;
  /** --trace ftrace: the raw captures it wrote, renamed under trace/process-N/. */
  traceFiles: TraceFile[];
  /** Why its tracing failed after its measured rounds, as its report said (ChildReport). */
  traceFailure?: string;
  /** It did not finish within its deadline (childDeadlineMs) and was stopped. */
  timedOutAfterMs?: number;
}

/**
 * The raw captures a child's results name (each cell's median batch), for the parent's run folder:
 * trace/x.txt -> trace/process-N/x.txt. Only these can be a merged cell's capture (see mergeTraces),
 * so the child's other captures (disagreeing batches, probes) are not read at all.
 */
function childTraceFiles(
  runFolder: string,
  results: Results | undefined,
  index: number,
  runtime: RuntimeName,
): TraceFile[] {
  const named = new Set((results?.measurements ?? []).flatMap((m) => (m.trace?.rawFile ? [m.trace.rawFile] : [])));
  return [...named]
    .filter((name) => existsSync(join(runFolder, name)))
    .map((name) => ({ name: processTraceFile(name, index, runtime), content: readFileSync(join(runFolder, name)) }));
}

/** Where process `index`'s trace file lands in the merged run folder (another runtime's: process-N-<runtime>). */
export const processTraceFile = (name: string, index: number, runtime: RuntimeName = HOST_RUNTIME) =>
  name.replace(/^trace\//, `trace/process-${index + 1}${runtime === HOST_RUNTIME ? '' : `-${runtime}`}/`);

/** The V8 budget a child gets: the parent's answer in the same Node; another Node asks its own V8; JSC and Deno none. */
function tierUpFor(lane: PlannedRuntime, tierUp: TierUpBudget | null): Record<string, string | undefined> {
  if (lane.runtime.name === HOST_RUNTIME) return { [TIER_UP_ENV]: tierUpEnvValue(tierUp) };
  return { [TIER_UP_ENV]: lane.runtime.kind === 'node' ? undefined : tierUpEnvValue(null) };
}

export interface ProcessesRequest {
  plan: Plan;
  /** Processes per runtime. */
  count: number;
  kvmPath: string;
  /** True once the run should stop: no further child starts, the running one gets signal(). */
  stopped: () => boolean;
  signal: () => NodeJS.Signals;
  /** V8's optimization budget for this Node's children (jit-tier-up.ts); null: V8 left alone. */
  tierUp: TierUpBudget | null;
  onProcess?: (index: number, count: number, runtime: RuntimeName) => void;
}

/**
 * Runs the plan in `count` child processes per runtime, the runtimes taking turns (process 1 of each,
 * then process 2 of each, ...), so a drift of the host's speed falls on all of them; stops launching
 * when stopped() says so.
 */
export async function measureInProcesses(request: ProcessesRequest): Promise<ProcessRun[]> {
  const { plan, count } = request;
  const lanes = (plan.runtimes ?? [{ runtime: hostRuntime(), bindings: plan.bindings }]).filter(
    (lane) => lane.bindings.length > 0,
  );
  const runs: ProcessRun[] = [];
  const scratch = mkdtempSync(join(tmpdir(), SCRATCH_PREFIX));
  try {
    for (let turn = 0; turn < count * lanes.length && !request.stopped(); turn++) {
      const index = Math.floor(turn / lanes.length);
      const lane = lanes[turn % lanes.length] as PlannedRuntime;
      request.onProcess?.(index, count, lane.runtime.name);
      runs.push(await measureInChild(request, lane, index, join(scratch, String(turn))));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return runs;
}

/** One child: its request written as data, started in its runtime, stopped with the run, its results read. */
async function measureInChild(
  request: ProcessesRequest,
  lane: PlannedRuntime,
  index: number,
  dir: string,
): Promise<ProcessRun> {
  const { plan } = request;
  const requestFile = `${dir}.json`;
  writeChildRequest(requestFile, childRequest(plan, request.kvmPath, dir, lane.bindings));
  const main = process.argv[1] as string;
  const [executable, args] = runtimeCommand(lane.runtime, main, ['run', CHILD_OPTIONS_FLAG, requestFile]);
  const deadlineMs = childDeadlineMs(plan, lane.bindings.length);
  // Its own process group: a Ctrl-C reaches this process only, which forwards exactly one
  // SIGINT, so the child writes what it measured (a second one would make it quit at once).
  const child = execa(executable, args, {
    reject: false,
    detached: true,
    // A child past its deadline gets SIGTERM (it writes what it measured), SIGKILL 10 s later.
    timeout: deadlineMs,
    forceKillAfterDelay: 10_000,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, [PARENT_PID_ENV]: String(process.pid), ...tierUpFor(lane, request.tierUp) },
  });
  const unregister = registerCleanup(() => child.kill('SIGKILL'));
  let forwarded = false;
  const watch = setInterval(() => {
    if (request.stopped() && !forwarded) {
      forwarded = true;
      child.kill(request.signal());
    }
  }, 50);
  const result = await child;
  clearInterval(watch);
  unregister();
  const startError = (result as { code?: string }).code;
  if (result.failed && result.exitCode === undefined && !result.signal && startError) {
    const hint = resourceHint(-(ERRNO[startError as keyof typeof ERRNO] ?? 0));
    throw new ChildStartError(
      `cannot start measuring process ${index + 1} (${lane.runtime.name}): ${startError}${hint ? `: ${hint}` : ''}`,
    );
  }
  const { results, folder, problem } = childResults(dir);
  const stderr = [String(result.stderr ?? '').trim(), problem].filter(Boolean).join('\n');
  const { traceFailure } = readChildReport(dir);
  return {
    runtime: lane.runtime.name,
    index,
    results,
    exitCode: result.exitCode ?? 1,
    ...(result.signal ? { signal: result.signal } : {}),
    stderr,
    traceFiles: folder ? childTraceFiles(folder, results, index, lane.runtime.name) : [],
    ...(traceFailure ? { traceFailure } : {}),
    ...(result.timedOut ? { timedOutAfterMs: deadlineMs } : {}),
  };
}

/**
 * The results a child wrote in `dir`, read and checked as any results file (schema and consistency);
 * none when it made no run folder (stopped during start-up) or wrote no valid results (then `problem`).
 */
function childResults(dir: string): { results?: Results; folder?: string; problem?: string } {
  const entry = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).find((candidate) => candidate.isDirectory())
    : undefined;
  if (!entry) return {};
  const folder = join(dir, entry.name);
  const file = join(folder, RESULTS_FILE_NAME);
  if (!existsSync(file)) return { folder };
  try {
    return { results: loadResultsFile(file), folder };
  } catch (error) {
    return { folder, problem: (error as Error).message };
  }
}

/**
 * The JIT warm-up iterations of a merged cell: the fewest any process ran, so one process whose
 * warm-up ended early is not hidden by the others.
 */
function jitWarmupIterationsOf(
  calibrated: readonly CellCalibrationInfo[],
): Pick<CellCalibrationInfo, 'jitWarmupIterations'> {
  const ran = calibrated.map((c) => c.jitWarmupIterations).filter((n) => n !== undefined);
  return ran.length ? { jitWarmupIterations: Math.min(...ran) } : {};
}

function mergeCheck(checks: ExitCountCheck[]): ExitCountCheck | undefined {
  if (checks.length === 0) return undefined;
  const counted = checks.filter((check) => check.source === 'stats-fd');
  if (counted.length < checks.length) return checks.find((check) => check.source !== 'stats-fd');
  const failed = counted.find((check) => check.matched === false);
  const first = counted[0] as ExitCountCheck;
  const expected = counted.reduce((sum, check) => sum + (check.expected ?? 0), 0);
  const observed = counted.reduce((sum, check) => sum + (check.observed ?? 0), 0);
  return {
    ...first,
    expected,
    observed,
    matched: failed === undefined,
    detail: failed
      ? `${failed.detail} (in one of ${counted.length} processes)`
      : `${first.notCounted ? `${first.notCounted} is not counted by this host's KVM; ` : ''}KVM counted ${observed} ${first.counter} over ${counted.length} processes, the harness ran ${expected} round trips`,
  };
}

/**
 * The processes' measurements of each planned cell, merged into one measured cell per cell.
 * `runs[i]` is process i's results, undefined when it wrote none: processes keep their numbers
 * (in sampleProcesses, trace batches and raw-capture paths) whichever of them failed.
 */
export function mergeProcessRuns(
  plan: Plan,
  runs: readonly (Results | undefined)[],
  runtimes: readonly RuntimeName[] = runs.map(() => HOST_RUNTIME),
): MeasuredCell[] {
  return plan.cells.map((cell) => {
    // A cell's processes are those of its runtime, numbered among them; they name it by its binding.
    const parts = runs
      .filter((_, i) => runtimes[i] === cell.runtime)
      .map((results, process) => ({
        process,
        m: results?.measurements.find((m) => m.workload === cell.workload.name && m.binding === cell.binding),
      }))
      .filter((part): part is { process: number; m: Measurement } => part.m !== undefined);
    const samples: CellSamples = { samples: [], sampleRounds: [], sampleTimesMs: [] };
    const sampleProcesses: number[] = [];
    const lifecycle = parts.some(({ m }) => m.stepSamples);
    if (lifecycle) samples.stepSamples = (parts[0]?.m.stepSamples ?? []).map(() => []);
    if (parts.some(({ m }) => m.guestClock)) samples.guestClock = { cycles: [], windows: [], miscounted: 0 };
    for (const { process, m } of parts) {
      samples.samples.push(...m.samples);
      samples.sampleRounds.push(...m.sampleRounds);
      samples.sampleTimesMs.push(...m.sampleTimesMs);
      sampleProcesses.push(...m.samples.map(() => process));
      for (const [step, values] of (m.stepSamples ?? []).entries()) samples.stepSamples?.[step]?.push(...values);
      if (samples.guestClock) {
        // A process whose cell failed reports no guest clock: its samples count as untimed (0 windows).
        const zeros = m.samples.map(() => 0);
        samples.guestClock.cycles.push(...(m.guestClock?.cycleSamples ?? zeros));
        samples.guestClock.windows.push(...(m.guestClock?.windowSamples ?? zeros));
        samples.guestClock.miscounted += m.guestClock?.miscountedSamples ?? 0;
      }
      if (m.status === 'failed' && samples.error === undefined) samples.error = `process ${process + 1}: ${m.error}`;
    }
    const iterations = parts.reduce((sum, { m }) => sum + m.totalIterations, 0);
    const emulated = parts.filter(({ m }) => m.emulatedInstructionsPerIteration !== undefined);
    const calibrated = parts.map(({ m }) => m.calibration).filter((c) => c !== undefined);
    const check = mergeCheck(parts.map(({ m }) => m.exitCountCheck).filter((c) => c !== undefined));
    const trace = mergeTraces(
      parts.flatMap(({ process, m }) =>
        m.trace
          ? [
              {
                process,
                trace: {
                  ...m.trace,
                  ...(m.trace.rawFile ? { rawFile: processTraceFile(m.trace.rawFile, process, cell.runtime) } : {}),
                },
              },
            ]
          : [],
      ),
    );
    return {
      cell,
      // Each process calibrated itself: report the lower median, a batch size one of them used (the
      // median of an even count can fall between two and is then no whole number of iterations).
      iterationsPerSample: middleElement(
        parts.map(({ m }) => m.iterationsPerSample),
        'lower',
      ),
      samples,
      sampleProcesses,
      ...(calibrated.length
        ? {
            calibration: {
              probeNsPerIteration: median(calibrated.map((c) => c.probeNsPerIteration)),
              emptyBatchNs: median(calibrated.map((c) => c.emptyBatchNs)),
              ...jitWarmupIterationsOf(calibrated),
            },
          }
        : {}),
      iterations,
      interruptedRuns: parts.reduce((sum, { m }) => sum + (m.interruptedRuns ?? 0), 0),
      ...(check ? { exitCountCheck: check } : {}),
      ...(trace ? { trace } : {}),
      ...(emulated.length && iterations
        ? {
            emulatedInstructionsPerIteration:
              emulated.reduce((sum, { m }) => sum + (m.emulatedInstructionsPerIteration ?? 0) * m.totalIterations, 0) /
              iterations,
          }
        : {}),
    };
  });
}
