/**
 * ftrace traces several batches per cell, interleaved across the bindings of a workload like the
 * measured rounds (A B C D, then B C D A, ...), after one discarded traced warm-up batch per cell;
 * one odd batch then shows as a disagreement instead of becoming the cell's split. It also states
 * what tracing costs: per cell, traced loop - untraced median; and, from an immediate-exit loop of
 * each binding (same syscall tracepoints, no guest) traced and untraced, an estimate of the
 * tracepoints' own share of the turnaround.
 */
import type { CellTrace } from '../../results/trace.js';
import { type BatchCapture, summarizeBatches } from '../../trace/batch-summary.js';
import type { TraceSession } from '../../trace/session.js';
import { hostSlowRounds } from '../../trace/slow-rounds.js';
import { yieldToEventLoop } from '../../util/time-slice.js';
import type { CellRunner } from '../cell.js';
import { openProbes, type Probe, untracedSample } from './probes.js';
import { batchSize, byWorkload, type CellTracer, cellLabel, type TracePhase, traceBatch } from './tracer.js';
import { addTracingCosts } from './tracing-costs.js';

/** Traced batches per cell (interleaved), after the one warm-up batch. */
export const FTRACE_BATCHES = 5;
/** The warm-up batch's length, as a share of a traced batch. */
const WARMUP_SCALE = 0.25;

/** One cell's traced batches: their names in the session, their splits, and the session's traces. */
interface CellCaptures {
  labels: string[];
  captures: BatchCapture[];
  traces: CellTrace[];
}

/** The state of the rounds: each cell's untraced ns per iteration, its captures, and its in-phase samples. */
interface Rounds {
  phase: TracePhase;
  untraced: ReadonlyMap<number, number>;
  captures: Map<number, CellCaptures>;
  /** Per cell, the untraced median of each round, measured with the tracepoints off. */
  inPhase: Map<number, number[]>;
  done: number;
  total: number;
}

async function traceFtrace(runners: readonly CellRunner[], phase: TracePhase): Promise<Map<number, CellTrace>> {
  const { kvmFor, keepGoing } = phase.options;
  const probes = kvmFor ? await openProbes(runners, kvmFor, keepGoing) : [];
  try {
    const untraced = new Map(phase.medianNs);
    for (const probe of probes) untraced.set(probe.runner.cell.index, probe.nsPerIteration);
    const groups = [...byWorkload(runners), ...(probes.length ? [probes.map((probe) => probe.runner)] : [])];
    const cells = groups.reduce((sum, row) => sum + row.length, 0);
    const rounds: Rounds = {
      phase,
      untraced,
      captures: new Map(),
      inPhase: new Map(),
      done: 0,
      total: (FTRACE_BATCHES + 1) * cells,
    };
    // One short traced batch per cell first, discarded: the first batches after the tracepoints
    // are enabled pay one-time costs that no later batch does.
    for (let batch = -1; batch < FTRACE_BATCHES; batch++) await traceRound(rounds, groups, batch);
    const traces = summarizeCells(rounds.captures, phase.session);
    addTracingCosts(traces, [...runners, ...probes.map((probe) => probe.runner)], phase.medianNs, rounds.inPhase);
    for (const probe of probes) traces.delete(probe.runner.cell.index);
    return traces;
  } finally {
    closeProbes(probes);
  }
}

function closeProbes(probes: readonly Probe[]): void {
  for (const probe of probes) probe.runner.close();
}

/**
 * Round `batch` (-1: the warm-up): in round r the bindings of a workload take turns starting from
 * binding r. Each round times every cell untraced first (tracepoints off), then traces it, so the
 * tracing cost compares the two under the same load.
 */
async function traceRound(rounds: Rounds, groups: readonly CellRunner[][], batch: number): Promise<void> {
  const { phase } = rounds;
  const order = groups.flatMap((row) => row.map((_, i) => row[(i + Math.max(batch, 0)) % row.length] as CellRunner));
  if (batch >= 0 && phase.session.suspend) await sampleUntraced(rounds, order);
  for (const runner of order) {
    if (!phase.options.keepGoing()) break;
    const name = `${cellLabel(runner.cell)}--${batch < 0 ? 'warmup' : `b${batch + 1}`}`;
    const n = batchSize(rounds.untraced.get(runner.cell.index) as number, batch < 0 ? WARMUP_SCALE : 1);
    const trace = await traceBatch(phase, runner, name, n);
    if (!trace) continue;
    if (batch < 0) phase.session.discard?.(name);
    else keepCapture(rounds.captures, runner.cell.index, name, n, trace);
    phase.options.onBatch?.(++rounds.done, rounds.total, runner);
  }
}

/** Tracepoints off, then one untraced sample per cell in this round's order. */
async function sampleUntraced(rounds: Rounds, order: readonly CellRunner[]): Promise<void> {
  rounds.phase.session.suspend?.();
  for (const runner of order) {
    await yieldToEventLoop();
    if (!rounds.phase.options.keepGoing()) break;
    const index = runner.cell.index;
    const sample = untracedSample(runner, rounds.untraced.get(index) as number);
    rounds.inPhase.set(index, [...(rounds.inPhase.get(index) ?? []), sample]);
  }
}

function keepCapture(captures: Map<number, CellCaptures>, index: number, name: string, n: number, trace: CellTrace) {
  const entry = captures.get(index) ?? { labels: [], captures: [], traces: [] };
  entry.labels.push(name);
  entry.traces.push(trace);
  if (trace.split)
    entry.captures.push({ split: trace.split, iterations: n, loopNs: trace.tracedLoopNsPerIteration * n });
  captures.set(index, entry);
}

/**
 * Each cell's batches -> its trace, leaving out the rounds in which every cell was slow at once
 * (they measured the host's other work, not the bindings). The raw captures of the median batch
 * and of any batch that disagrees with it are kept; the session forgets the others.
 */
function summarizeCells(captures: ReadonlyMap<number, CellCaptures>, session: TraceSession): Map<number, CellTrace> {
  const traces = new Map<number, CellTrace>();
  const slow = hostSlowRounds([...captures.values()].map((entry) => entry.captures.map((c) => c.split)));
  for (const [index, entry] of captures) {
    if (entry.captures.length === 0) {
      traces.set(index, entry.traces[0] as CellTrace);
      continue;
    }
    const { trace, medianBatch } = summarizeBatches(entry.captures, slow);
    const keep = new Set([medianBatch, ...(trace.disagreement?.batches ?? [])]);
    entry.labels.forEach((name, i) => {
      if (!keep.has(i)) session.discard?.(name);
    });
    trace.rawFile = entry.traces[medianBatch]?.rawFile as string;
    traces.set(index, trace);
  }
  return traces;
}

/** KVM_RUN round trips only: a lifecycle's many different ioctls have no such split. */
export const ftraceTracer: CellTracer = {
  traces: (cell) => cell.workload.loop !== 'lifecycle',
  run: traceFtrace,
};
