/**
 * Measuring: size the batches (warm-up, probes, one batch size per workload: the "calibrate" phase of
 * the progress line and of harness.longestBlockMs), then interleaved rounds. In every round each
 * binding of a workload takes a turn (A B C D, then B C D A, ...), so drift on a noisy machine falls on all of
 * them alike, and a binding and the floor measured in the same round form a pair. tinybench drives
 * each turn (time budget, minimum samples); every call of its task runs one batch. The samples are
 * returned as data: nothing is written onto the cells.
 */
import { Bench } from 'tinybench';
import { type HarnessInfo, TARGET_SAMPLE_NS, type TierUpBudget } from '../results/types.js';
import { median } from '../stats/estimates.js';
import { currentRuntime } from '../util/runtime.js';
import { type TimeSlicer, timeSlicer, yieldToEventLoop } from '../util/time-slice.js';
import type { CellRunner } from './cell.js';
import type { GuestClockSamples } from './guest-clock.js';
import { withFasterTierUp } from './jit-tier-up.js';
import { takesJitWarmup } from './plan.js';
import { cellProgress, type RunProgress } from './progress.js';
import { stepNamesOf } from './workloads.js';

/** Batches are sized for this much, so a loop that speeds up after its probes still stays above the target. */
const SIZING_MARGIN = 1.25;
const MAX_ITERATIONS_PER_SAMPLE = 1_000_000;
/** Probe batches after warm-up: their median sizes the batches. */
const PROBE_BATCHES = 7;
/** Length of one probe batch: long enough to time, short enough to keep calibration quick. */
const PROBE_BATCH_NS = 100_000;
/** Calls of an empty batch that measure the fixed cost inside the two timer reads. */
const OVERHEAD_CALLS = 51;
/**
 * A workload's jitWarmupIterations assume V8's budget lowered 8x (jit-tier-up.ts); where V8 is left
 * alone the warm-up runs this many times as long (the lifecycle settled after 1,600-2,400 then).
 */
const WITHOUT_TIER_UP = 4;
/**
 * ...and this many JS bindings warming up in turns. The code they share (Kvm, Vm, Vcpu, the boot
 * steps) sees every binding's calls, so fewer bindings run proportionally more iterations each.
 */
const JIT_WARMUP_BINDINGS = 3;

/**
 * Bun's JavaScriptCore tiers by its own execution counters (Baseline, DFG, FTL), which kvmbench
 * leaves alone. Measured in the KVM sandbox with BUN_JSC_reportCompileTimes=1, one binding, lifecycles
 * one at a time: most lifecycle functions reach DFG within 200 lifecycles, the serial-port loop by
 * 600, the last (createVm, the register and memory set-up) by 900, and nothing is compiled after
 * that in 2,500. So each JS binding runs this many per 600 asked, whatever the number of bindings:
 * their own functions (bun:ffi's calls) need their own count.
 */
const JSC_SETTLED_PER_600 = 900;

/** Iterations each of `jsBindings` JS bindings runs in a workload's JIT warm-up. */
export function jitWarmupCount(
  asked: number,
  jsBindings: number,
  budgetLowered: boolean,
  engine: 'v8' | 'jsc' = 'v8',
): number {
  if (engine === 'jsc') return Math.ceil((asked * JSC_SETTLED_PER_600) / 600);
  const each = Math.ceil((asked * JIT_WARMUP_BINDINGS) / Math.max(1, jsBindings));
  return budgetLowered ? each : each * WITHOUT_TIER_UP;
}
/** Iterations each JS binding runs per turn of the JIT warm-up, at most (~15 ms of lifecycles here). */
const JIT_WARMUP_BATCH = 20;
/** A JIT warm-up turn lasts about this long: fewer iterations per turn where one takes longer. */
const JIT_WARMUP_TURN_MS = 15;

export interface ScheduleControl {
  /** True once the run should stop (a signal); checked between the steps of calibration and between turns. */
  stopped(): boolean;
  onProgress?(progress: RunProgress): void;
}

export interface CellSizing {
  /** Median nanoseconds per iteration of the probe batches, after warm-up. */
  probeNsPerIteration: number;
  /** Median nanoseconds of an empty batch (n = 0): timer reads and the call into the loop. */
  emptyBatchNs: number;
  /** Iterations of the JIT warm-up (workloads with jitWarmupIterations, JS bindings only). */
  jitWarmupIterations?: number;
  error?: string;
}

export interface WarmupOptions {
  /** Each cell's own warm-up before its probes. */
  warmupMs: number;
  /**
   * The most one workload's JIT warm-up may take (all its JS bindings together); 0 skips it. A
   * workload asks for one with Workload.jitWarmupIterations; only the lifecycle does, so this is
   * also the most a process spends on it.
   */
  jitWarmupMaxMs: number;
  /** V8's optimization budget, lowered while a JIT warm-up runs (jit-tier-up.ts). Absent or null: V8 is left alone. */
  tierUp?: TierUpBudget | null;
}

export interface BatchSizing {
  targetSampleNs: number;
  warmupMs: number;
  /** The workloads whose JS bindings ran a JIT warm-up: the iterations asked of each, its limit, V8's budget. */
  jitWarmup?: HarnessInfo['jitWarmup'];
  /** Per workload: the same for every binding, so every sample covers the same number of exits. */
  iterationsPerSample: Map<string, number>;
  /** Per cell index. */
  cells: Map<number, CellSizing>;
  /** Median nanoseconds of two back-to-back process.hrtime.bigint() reads. */
  timerNs: number;
}

export interface CellSamples {
  /** Nanoseconds per iteration, one per sample, in run order. */
  samples: number[];
  sampleRounds: number[];
  /** Milliseconds since the run started at which each sample ended. */
  sampleTimesMs: number[];
  /** Lifecycle: per step, the mean nanoseconds of that step in each sample (aligned with samples). */
  stepSamples?: number[][];
  /** Guest-clock workloads: what the guest timed in each sample (aligned with samples). */
  guestClock?: GuestClockSamples;
  error?: string;
}

function timerCost(): number {
  const costs: number[] = [];
  for (let i = 0; i < 101; i++) {
    const a = process.hrtime.bigint();
    const b = process.hrtime.bigint();
    costs.push(Number(b - a));
  }
  return median(costs);
}

/**
 * Warms a cell up for warmupMs, then times probe batches. Yields between its steps once a slice has
 * passed (a lifecycle under an emulated CPU takes tens of ms); undefined when stopped before its
 * probes were all taken (the cell is then not calibrated, as if never reached).
 */
async function calibrateCell(
  runner: CellRunner,
  warmupMs: number,
  stopped: () => boolean,
  slicer: TimeSlicer,
): Promise<CellSizing | undefined> {
  runner.run(1); // the cold call: first-touch, JIT tiers, KVM's first entry; never a measure
  let n = 1;
  let ns = runner.run(n);
  // Grow the batch until it is long enough to time.
  while (ns < PROBE_BATCH_NS / 4 && n < MAX_ITERATIONS_PER_SAMPLE) {
    n *= 4;
    ns = runner.run(n);
  }
  const size = Math.max(1, Math.round((n * PROBE_BATCH_NS) / Math.max(ns, 1)));
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd && !stopped()) {
    runner.run(size);
    await slicer.maybeYield();
  }
  const perIteration: number[] = [];
  for (let i = 0; i < PROBE_BATCHES && !stopped(); i++) {
    perIteration.push(runner.run(size) / size);
    await slicer.maybeYield();
  }
  if (perIteration.length < PROBE_BATCHES) return undefined;
  const empty: number[] = [];
  for (let i = 0; i < OVERHEAD_CALLS; i++) empty.push(runner.run(0));
  return { probeNsPerIteration: median(perIteration), emptyBatchNs: median(empty) };
}

/**
 * V8 optimizes a JS function only after it has run a while (the lifecycle's functions that run once
 * per lifecycle: after 1,400-2,700 calls on Node 20), and a time-based warm-up of a workload whose
 * iterations take most of a millisecond ends long before that: its measured rounds would start in
 * the interpreter and speed up as they go. So such a workload's JS bindings first run `iterations`
 * each (calibrate lowers V8's budget around this call), in turns, so the code they share sees every
 * binding before V8 optimizes it (no deoptimization when the next one comes), for at most maxMs. A
 * cell whose guest fails leaves the warm-up with its error (it is not calibrated).
 */
async function warmUpJit(
  jsRunners: CellRunner[],
  iterations: number,
  maxMs: number,
  control: ScheduleControl,
  progress: { done: number; total: number },
): Promise<{ ran: Map<number, number>; failed: Map<number, string> }> {
  const ran = new Map<number, number>();
  const failed = new Map<number, string>();
  let pending = jsRunners;
  for (const runner of pending) ran.set(runner.cell.index, 0);
  const slicer = timeSlicer();
  /** Iterations per turn: from 1 up to JIT_WARMUP_BATCH, fewer where one is slow (an emulated CPU). */
  let batch = 1;
  const end = performance.now() + maxMs;
  while (pending.length > 0 && performance.now() < end && !control.stopped()) {
    for (const runner of pending) {
      control.onProgress?.(cellProgress('calibrate', progress.done, progress.total, runner));
      try {
        const done = ran.get(runner.cell.index) ?? 0;
        const n = Math.min(batch, iterations - done);
        const ns = runner.run(n);
        ran.set(runner.cell.index, done + n);
        batch = Math.max(1, Math.min(JIT_WARMUP_BATCH, Math.floor((JIT_WARMUP_TURN_MS * 1e6 * n) / Math.max(ns, 1))));
      } catch (error) {
        failed.set(runner.cell.index, (error as Error).message);
      }
      await slicer.maybeYield();
      if (control.stopped()) break;
    }
    pending = pending.filter(
      (runner) => !failed.has(runner.cell.index) && (ran.get(runner.cell.index) ?? 0) < iterations,
    );
  }
  return { ran, failed };
}

/**
 * Calibrates every cell (JIT warm-up where the workload asks for one, warm-up, probes), then picks
 * one batch size per workload from its fastest binding, so that a sample lasts >= TARGET_SAMPLE_NS
 * on every binding.
 */
export async function sizeBatches(
  workloads: CellRunner[][],
  { warmupMs, jitWarmupMaxMs, tierUp }: WarmupOptions,
  control: ScheduleControl,
): Promise<BatchSizing> {
  const cells = new Map<number, CellSizing>();
  const iterationsPerSample = new Map<string, number>();
  const total = workloads.reduce((sum, row) => sum + row.length, 0);
  let done = 0;
  const first = workloads[0]?.[0];
  if (first) control.onProgress?.(cellProgress('calibrate', done, total, first));
  const jitIterations: Record<string, number> = {};
  const budget = tierUp ?? null;
  const slicer = timeSlicer();
  for (const row of workloads) {
    let fastest = Number.POSITIVE_INFINITY;
    const workload = row[0]?.cell.workload;
    const asked = workload?.jitWarmupIterations;
    const jsRunners = row.filter((runner) => takesJitWarmup(runner.cell));
    let jit: Awaited<ReturnType<typeof warmUpJit>> | undefined;
    if (workload && asked && jsRunners.length > 0 && jitWarmupMaxMs > 0 && !control.stopped()) {
      const engine = currentRuntime().kind === 'bun' ? 'jsc' : 'v8';
      const count = jitWarmupCount(asked, jsRunners.length, budget !== null, engine);
      jit = await withFasterTierUp(budget, () => warmUpJit(jsRunners, count, jitWarmupMaxMs, control, { done, total }));
      jitIterations[workload.name] = count;
    }
    for (const runner of row) {
      if (control.stopped()) break;
      const warmupError = jit?.failed.get(runner.cell.index);
      try {
        if (warmupError !== undefined) throw new Error(warmupError);
        const calibration = await calibrateCell(runner, warmupMs, control.stopped, slicer);
        if (calibration === undefined) break; // stopped while probing
        const jitRan = jit?.ran.get(runner.cell.index);
        cells.set(
          runner.cell.index,
          jitRan === undefined ? calibration : { ...calibration, jitWarmupIterations: jitRan },
        );
        fastest = Math.min(fastest, calibration.probeNsPerIteration);
      } catch (error) {
        cells.set(runner.cell.index, {
          probeNsPerIteration: Number.NaN,
          emptyBatchNs: Number.NaN,
          error: (error as Error).message,
        });
      }
      control.onProgress?.(cellProgress('calibrate', ++done, total, runner));
      await yieldToEventLoop();
    }
    if (workload !== undefined && Number.isFinite(fastest)) {
      iterationsPerSample.set(
        workload.name,
        Math.min(
          MAX_ITERATIONS_PER_SAMPLE,
          Math.max(1, Math.ceil((TARGET_SAMPLE_NS * SIZING_MARGIN) / Math.max(fastest, 1))),
        ),
      );
    }
  }
  return {
    targetSampleNs: TARGET_SAMPLE_NS,
    warmupMs,
    ...(Object.keys(jitIterations).length > 0
      ? { jitWarmup: { iterations: jitIterations, maxMs: jitWarmupMaxMs, ...(budget ? { tierUp: budget } : {}) } }
      : {}),
    iterationsPerSample,
    cells,
    timerNs: timerCost(),
  };
}

export interface RoundOptions {
  rounds: number;
  timePerRoundMs: number;
  /** performance.now() at the start of the run, for the samples' timestamps. */
  runStartMs: number;
}

/** One turn: as many batches as fit in the time budget (at least 3), each a sample. */
function runTurn(runner: CellRunner, n: number, round: number, options: RoundOptions, into: CellSamples): void {
  const lifecycle = into.stepSamples !== undefined;
  const bench = new Bench({ time: options.timePerRoundMs, iterations: 3, warmup: false, throws: true });
  bench.add(`${runner.cell.workload.name}/${runner.cell.binding}`, () => {
    let ns: number;
    try {
      ns = runner.run(n);
    } catch (error) {
      // Keep the first failure: it is the one that explains what the guest did.
      into.error ??= (error as Error).message;
      throw error;
    }
    into.samples.push(ns / n);
    into.sampleRounds.push(round);
    into.sampleTimesMs.push(performance.now() - options.runStartMs);
    if (lifecycle) recordSteps(runner.lastSteps as Float64Array, n, into.stepSamples as number[][]);
    if (into.guestClock) recordGuestClock(runner, into.guestClock);
    return { overriddenDuration: ns / n / 1e6, overriddenIterationCost: ns / 1e6 };
  });
  bench.runSync();
}

function recordGuestClock(runner: CellRunner, into: GuestClockSamples): void {
  const clock = runner.lastGuestClock;
  into.cycles.push(clock?.cycles ?? 0);
  into.windows.push(clock?.windows ?? 0);
  if (!clock?.counted) into.miscounted++;
}

function recordSteps(steps: Float64Array, n: number, into: number[][]): void {
  const count = into.length;
  for (let step = 0; step < count; step++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += steps[i * count + step] as number;
    into[step]?.push(sum / n);
  }
}

/**
 * Runs the interleaved rounds. Returns each cell's samples (by cell index) and whether every round
 * ran. A cell whose guest fails is skipped from then on, its error kept.
 */
export async function runRounds(
  workloads: CellRunner[][],
  calibration: BatchSizing,
  options: RoundOptions,
  control: ScheduleControl,
): Promise<{ cells: Map<number, CellSamples>; completed: boolean }> {
  const cells = new Map<number, CellSamples>();
  for (const row of workloads) {
    for (const runner of row) {
      const steps = stepNamesOf(runner.cell.workload);
      const error = calibration.cells.get(runner.cell.index)?.error;
      cells.set(runner.cell.index, {
        samples: [],
        sampleRounds: [],
        sampleTimesMs: [],
        ...(steps ? { stepSamples: steps.map(() => []) } : {}),
        ...(runner.cell.workload.guestClock ? { guestClock: { cycles: [], windows: [], miscounted: 0 } } : {}),
        ...(error ? { error } : {}),
      });
    }
  }
  const total = cells.size * options.rounds;
  let done = 0;
  for (let round = 0; round < options.rounds; round++) {
    for (const row of workloads) {
      const n = calibration.iterationsPerSample.get(row[0]?.cell.workload.name ?? '');
      for (let i = 0; i < row.length; i++) {
        if (control.stopped()) return { cells, completed: false };
        const runner = row[(i + round) % row.length] as CellRunner;
        const into = cells.get(runner.cell.index) as CellSamples;
        if (into.error === undefined && n !== undefined) {
          try {
            runTurn(runner, n, round, options, into);
          } catch (error) {
            into.error ??= (error as Error).message;
          }
        }
        control.onProgress?.(cellProgress('measure', ++done, total, runner, round));
        await yieldToEventLoop();
      }
    }
  }
  return { cells, completed: true };
}
