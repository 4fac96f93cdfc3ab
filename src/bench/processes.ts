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
import type { CellCalibrationInfo, ExitCountCheck, Measurement, Results } from '../results/types.js';
import { HOST_RUNTIME, hostRuntime, type RuntimeName, runtimeCommand } from '../runtimes/discover.js';
import { median, middleElement } from '../stats/estimates.js';
import { mergeTraces } from '../trace/merge.js';
import type { TraceFile } from '../trace/session.js';
import { registerCleanup } from '../util/cleanup.js';
import { ERRNO } from '../util/errno.js';
import { resourceHint } from '../util/resource-hints.js';
import type { MeasuredCell } from './analyze.js';
import { TIER_UP_ENV, type TierUpBudget, tierUpEnvValue } from './jit-tier-up.js';
import type { Plan, PlannedRuntime } from './plan.js';
import type { CellSamples } from './scheduler.js';

/** `--inject-delay-ns`'s value for a RunOptions.injectDelayNs: `napi=2000,koffi=500`. */
export const formatInjectDelay = (delays: Record<string, number>): string =>
  Object.entries(delays)
    .map(([binding, ns]) => `${binding}=${ns}`)
    .join(',');

/** Set in a child's environment: it measures one part of this run (RunEnvironment.partOfRun). */
export const PART_OF_RUN_ENV = 'KVMBENCH_CHILD';

/** Set in a child's environment: the pid of the run that spawned it (the child stops when it is gone). */
export const PARENT_PID_ENV = 'KVMBENCH_PARENT_PID';

/** The parent's scratch folder, in the temporary directory; each child writes into <it>/<index>. */
const SCRATCH_PREFIX = 'kvmbench-processes-';

/** The parent's scratch folder of a child whose --out is `out` (undefined: not such a folder). */
export function parentScratchOf(out: string): string | undefined {
  const scratch = dirname(resolve(out));
  return basename(scratch).startsWith(SCRATCH_PREFIX) && dirname(scratch) === resolve(tmpdir()) ? scratch : undefined;
}

/** Arguments that make a child measure exactly this plan (of `bindings`) and write only results.json. */
export function childArguments(plan: Plan, kvmPath: string, out: string, bindings = plan.bindings): string[] {
  const o = plan.options;
  const delays = o.injectDelayNs
    ? Object.fromEntries(Object.entries(o.injectDelayNs).filter(([binding]) => bindings.some((b) => b === binding)))
    : undefined;
  return [
    'run',
    '--workloads',
    o.workloads.join(','),
    '--bindings',
    bindings.join(','),
    '--rounds',
    String(o.rounds),
    '--time-per-round',
    String(o.timePerRoundMs),
    ...(o.jitWarmupMaxMs === undefined ? [] : ['--jit-warmup', String(o.jitWarmupMaxMs)]),
    '--cpuid-k',
    String(o.cpuidK),
    '--kvm',
    kvmPath,
    '--format',
    'json',
    '--out',
    out,
    '--processes',
    '1',
    ...(o.quick ? ['--quick'] : []),
    ...(o.pin === undefined ? [] : ['--pin', String(o.pin)]),
    // ftrace traces in every process, so the split rests on batches spread over the whole run.
    ...(o.trace === 'ftrace' ? ['--trace', 'ftrace'] : []),
    ...(delays && Object.keys(delays).length ? ['--inject-delay-ns', formatInjectDelay(delays)] : []),
  ];
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

/**
 * Runs the plan in `count` child processes per runtime, the runtimes taking turns (process 1 of each,
 * then process 2 of each, ...), so a drift of the host's speed falls on all of them; stops launching
 * when stopped() says so.
 */
export async function measureInProcesses(
  plan: Plan,
  count: number,
  kvmPath: string,
  stopped: () => boolean,
  signal: () => NodeJS.Signals,
  tierUp: TierUpBudget | null,
  onProcess?: (index: number, count: number, runtime: RuntimeName) => void,
): Promise<ProcessRun[]> {
  const main = process.argv[1] as string;
  const lanes = (plan.runtimes ?? [{ runtime: hostRuntime(), bindings: plan.bindings }]).filter(
    (lane) => lane.bindings.length > 0,
  );
  const runs: ProcessRun[] = [];
  const out = mkdtempSync(join(tmpdir(), SCRATCH_PREFIX));
  try {
    for (let turn = 0; turn < count * lanes.length && !stopped(); turn++) {
      const i = Math.floor(turn / lanes.length);
      const lane = lanes[turn % lanes.length] as PlannedRuntime;
      onProcess?.(i, count, lane.runtime.name);
      const dir = join(out, String(turn));
      const [executable, args] = runtimeCommand(lane.runtime, main, childArguments(plan, kvmPath, dir, lane.bindings));
      // Its own process group: a Ctrl-C reaches this process only, which forwards exactly one
      // SIGINT, so the child writes what it measured (a second one would make it quit at once).
      const deadlineMs = childDeadlineMs(plan, lane.bindings.length);
      const child = execa(executable, args, {
        reject: false,
        detached: true,
        // A child past its deadline gets SIGTERM (it writes what it measured), SIGKILL 10 s later.
        timeout: deadlineMs,
        forceKillAfterDelay: 10_000,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          [PART_OF_RUN_ENV]: '1',
          [PARENT_PID_ENV]: String(process.pid),
          ...tierUpFor(lane, tierUp),
        },
      });
      const kill = () => child.kill('SIGKILL');
      const unregister = registerCleanup(kill);
      let forwarded = false;
      const watch = setInterval(() => {
        if (stopped() && !forwarded) {
          forwarded = true;
          child.kill(signal());
        }
      }, 50);
      const result = await child;
      clearInterval(watch);
      unregister();
      const startError = (result as { code?: string }).code;
      if (result.failed && result.exitCode === undefined && !result.signal && startError) {
        const hint = resourceHint(-(ERRNO[startError as keyof typeof ERRNO] ?? 0));
        throw new ChildStartError(
          `cannot start measuring process ${i + 1} (${lane.runtime.name}): ${startError}${hint ? `: ${hint}` : ''}`,
        );
      }
      // A child stopped before it made its run folder (a signal during start-up) wrote nothing.
      const folder = existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true }).find((entry) => entry.isDirectory())
        : undefined;
      const file = folder ? join(dir, folder.name, 'results.json') : undefined;
      let results: Results | undefined;
      try {
        results = file ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : undefined;
      } catch {
        results = undefined;
      }
      runs.push({
        runtime: lane.runtime.name,
        index: i,
        results,
        exitCode: result.exitCode ?? 1,
        ...(result.signal ? { signal: result.signal } : {}),
        stderr: String(result.stderr ?? ''),
        traceFiles: folder ? childTraceFiles(join(dir, folder.name), results, i, lane.runtime.name) : [],
        ...(result.timedOut ? { timedOutAfterMs: deadlineMs } : {}),
      });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return runs;
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
