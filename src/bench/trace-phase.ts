/**
 * With --trace: after the measured rounds, traced batches run while the trace session records them.
 * Tracing slows the loop, so these batches are never mixed with the measured samples. Returns the
 * captures as data, by cell index.
 *
 * ftrace traces several batches per cell, interleaved across the bindings of a workload like the
 * measured rounds (A B C D, then B C D A, ...), after one discarded traced warm-up batch per cell;
 * one odd batch then shows as a disagreement instead of becoming the cell's split. It also states
 * what tracing costs: per cell, traced loop - untraced median; and, from an immediate-exit loop of
 * each binding (same syscall tracepoints, no guest) traced and untraced, an estimate of the
 * tracepoints' own share of the turnaround.
 */
import { getBinding } from '../bindings/registry.js';
import type { BindingName } from '../bindings/types.js';
import { loadGuest } from '../guests/manifest.js';
import type { Kvm } from '../kvm/system.js';
import type { CellTrace, TraceMode } from '../results/trace.js';
import { median } from '../stats/estimates.js';
import { type BatchCapture, summarizeBatches } from '../trace/batch-summary.js';
import { createFtraceSession } from '../trace/ftrace-session.js';
import { createPerfRecordSession } from '../trace/perf-record-session.js';
import { createPerfStatSession } from '../trace/perf-stat-session.js';
import type { TraceFile, TraceSession } from '../trace/session.js';
import { hostSlowRounds } from '../trace/slow-rounds.js';
import { type TracepointReference, tracingCostOf } from '../trace/tracing-cost.js';
import { timeSlicer, yieldToEventLoop } from '../util/time-slice.js';
import { type CellRunner, openCellRunner } from './cell.js';
import { hereCell, type PlannedCell } from './plan.js';
import { workloadCatalogue } from './workloads.js';

/** Target length of a traced batch: long enough for a thousand exits, short enough for the buffer. */
const TRACED_BATCH_NS = 10_000_000;
const MAX_TRACED_ITERATIONS = 10_000;
/** ftrace: traced batches per cell (interleaved), and untraced batches of a probe. */
export const FTRACE_BATCHES = 5;
/** A probe's warm-up (JIT, KVM's first entries). */
const PROBE_WARMUP_NS = 50_000_000;
/** ftrace: untraced samples per cell and round, between the traced batches (tracepoints off). */
const UNTRACED_SAMPLES = 11;
const UNTRACED_SAMPLE_NS = 500_000;

const label = (cell: PlannedCell) => `${cell.workload.name}--${cell.binding}`;

/**
 * Opens the session before anything is measured, so a host that cannot trace (no tracefs, no perf,
 * no permission) fails in a second instead of after the whole run. perf-stat checks each traced
 * batch against the tracepoint the plan's workload names.
 */
export function openTraceSession(mode: TraceMode, cells: readonly PlannedCell[]): TraceSession {
  switch (mode) {
    case 'ftrace':
      return createFtraceSession();
    case 'perf-stat': {
      const counters = new Map(cells.map((cell) => [label(cell), cell.workload.perfCounter]));
      return createPerfStatSession((name) => counters.get(name));
    }
    case 'perf-record':
      return createPerfRecordSession();
  }
}

const batchSize = (perIteration: number, scale = 1) =>
  Math.max(1, Math.min(MAX_TRACED_ITERATIONS, Math.round((TRACED_BATCH_NS * scale) / Math.max(perIteration, 1))));

/** Groups runners by workload, in plan order: the bindings of one workload take turns. */
function byWorkload(runners: readonly CellRunner[]): CellRunner[][] {
  const groups = new Map<string, CellRunner[]>();
  for (const runner of runners) {
    const name = runner.cell.workload.name;
    groups.set(name, [...(groups.get(name) ?? []), runner]);
  }
  return [...groups.values()];
}

/**
 * An immediate-exit VM per binding that has exit cells but no immediate-exit cell (the reference
 * for the tracepoints' cost), warmed up; its untraced ns per iteration sizes its batches.
 */
async function openProbes(
  runners: readonly CellRunner[],
  kvmFor: (binding: BindingName) => Kvm | undefined,
  keepGoing: () => boolean,
): Promise<Array<{ runner: CellRunner; nsPerIteration: number }>> {
  const workload = workloadCatalogue().find((w) => w.loop === 'immediate-exit');
  if (!workload) return [];
  const covered = new Set(runners.filter((r) => r.cell.workload.loop === 'immediate-exit').map((r) => r.cell.binding));
  const needed = [...new Set(runners.filter((r) => r.cell.workload.kind === 'exit').map((r) => r.cell.binding))];
  const probes: Array<{ runner: CellRunner; nsPerIteration: number }> = [];
  try {
    for (const binding of needed.filter((b) => !covered.has(b))) {
      await yieldToEventLoop();
      if (!keepGoing()) break;
      const kvm = kvmFor(binding);
      if (!kvm) continue;
      const cell = hereCell({ index: -1 - probes.length, workload, binding, guest: loadGuest(workload.guest) });
      const runner = openCellRunner(cell, getBinding(binding), kvm);
      probes.push({ runner, nsPerIteration: Number.NaN });
      runner.run(1);
      const probeNs = runner.run(1000) / 1000;
      const warmupEnd = performance.now() + PROBE_WARMUP_NS / 1e6;
      const slicer = timeSlicer();
      while (performance.now() < warmupEnd && keepGoing()) {
        runner.run(batchSize(probeNs, 0.1));
        await slicer.maybeYield();
      }
      const n = batchSize(probeNs, 0.5);
      (probes[probes.length - 1] as { nsPerIteration: number }).nsPerIteration = runner.run(n) / n;
    }
  } catch (error) {
    for (const probe of probes) probe.runner.close();
    throw error;
  }
  return probes;
}

/**
 * Untraced samples of one cell, timed like the measured rounds (~0.5 ms each, their median), with
 * the tracepoints off: the base of the tracing cost, measured in the same round as the traced batch.
 */
function untracedSample(runner: CellRunner, nsPerIteration: number): number {
  const n = Math.max(1, Math.round(UNTRACED_SAMPLE_NS / Math.max(nsPerIteration, 1)));
  const samples: number[] = [];
  for (let i = 0; i < UNTRACED_SAMPLES; i++) samples.push(runner.run(n) / n);
  return median(samples);
}

export interface TraceOptions {
  /** False once the run should stop. */
  keepGoing: () => boolean;
  /** ftrace: the open Kvm of a binding, for its immediate-exit probe VM (the tracepoint reference). */
  kvmFor?: (binding: BindingName) => Kvm | undefined;
  /** After each traced batch: how many of how many (progress). */
  onBatch?: (done: number, total: number, runner: CellRunner) => void;
}

/**
 * Runs the traced batches of every cell that measured something (medianNs: its untraced median
 * ns per iteration, which sizes the batches and is the base of the tracing cost) and writes the raw
 * captures under folder/trace/. The caller closes the session.
 */
export async function traceCells(
  session: TraceSession,
  runners: readonly CellRunner[],
  medianNs: ReadonlyMap<number, number>,
  options: TraceOptions,
): Promise<{ traces: Map<number, CellTrace>; files: TraceFile[] }> {
  const ftrace = session.mode === 'ftrace';
  // ftrace splits KVM_RUN round trips; the lifecycle's many different ioctls have no such split.
  const traced = runners.filter(
    (runner) => medianNs.has(runner.cell.index) && !(ftrace && runner.cell.workload.loop === 'lifecycle'),
  );
  const probes = ftrace && options.kvmFor ? await openProbes(traced, options.kvmFor, options.keepGoing) : [];
  try {
    const untraced = new Map(medianNs);
    for (const probe of probes) untraced.set(probe.runner.cell.index, probe.nsPerIteration);
    /** ftrace: per cell, the untraced median of each round, measured with the tracepoints off. */
    const inPhase = new Map<number, number[]>();
    const groups = [...byWorkload(traced), ...(probes.length ? [probes.map((probe) => probe.runner)] : [])];
    const batches = ftrace ? FTRACE_BATCHES : 1;
    const captures = new Map<number, { labels: string[]; captures: BatchCapture[]; traces: CellTrace[] }>();

    const traceBatch = async (runner: CellRunner, batch: number, scale: number) => {
      // ftrace's begin/end are synchronous: without a macrotask turn here, a Ctrl-C would wait for
      // the whole trace phase (seconds) before its handler ran and keepGoing() could say stop.
      await yieldToEventLoop();
      if (!options.keepGoing()) return false;
      const n = batchSize(untraced.get(runner.cell.index) as number, scale);
      const name =
        batches === 1 ? label(runner.cell) : `${label(runner.cell)}--${batch < 0 ? 'warmup' : `b${batch + 1}`}`;
      await session.begin(name);
      const started = process.hrtime.bigint();
      let loopNs: number | undefined;
      let trace: CellTrace | undefined;
      try {
        loopNs = runner.run(n); // the loop's own clock, as for the measured samples
      } finally {
        trace = await session.end(name, n, loopNs ?? Number(process.hrtime.bigint() - started));
      }
      if (batch < 0) {
        session.discard?.(name);
        return true;
      }
      const entry = captures.get(runner.cell.index) ?? { labels: [], captures: [], traces: [] };
      entry.labels.push(name);
      entry.traces.push(trace);
      if (trace.split)
        entry.captures.push({ split: trace.split, iterations: n, loopNs: trace.tracedLoopNsPerIteration * n });
      captures.set(runner.cell.index, entry);
      return true;
    };

    // ftrace: one short traced batch per cell first, discarded: the first batches after the
    // tracepoints are enabled pay one-time costs that no later batch does.
    // Each round then times every cell untraced (tracepoints off), then traces it, so the tracing
    // cost compares the two under the same load.
    const first = ftrace ? -1 : 0;
    const total = (batches - first) * groups.reduce((sum, row) => sum + row.length, 0);
    let done = 0;
    for (let batch = first; batch < batches; batch++) {
      const order = groups.flatMap((row) =>
        row.map((_, i) => row[(i + Math.max(batch, 0)) % row.length] as CellRunner),
      );
      if (ftrace && batch >= 0 && session.suspend) {
        session.suspend();
        for (const runner of order) {
          await yieldToEventLoop();
          if (!options.keepGoing()) break;
          const index = runner.cell.index;
          inPhase.set(index, [...(inPhase.get(index) ?? []), untracedSample(runner, untraced.get(index) as number)]);
        }
      }
      for (const runner of order) {
        if (!options.keepGoing()) break;
        if (await traceBatch(runner, batch, batch < 0 ? 0.25 : 1)) options.onBatch?.(++done, total, runner);
      }
    }

    const traces = new Map<number, CellTrace>();
    // Rounds in which every cell was slow at once measured the host's other work, not the bindings.
    const slow = ftrace
      ? hostSlowRounds([...captures.values()].map((entry) => entry.captures.map((c) => c.split)))
      : [];
    for (const [index, entry] of captures) {
      if (!ftrace || entry.captures.length === 0) {
        traces.set(index, entry.traces[0] as CellTrace);
        continue;
      }
      const { trace, medianBatch } = summarizeBatches(entry.captures, slow);
      // Keep the raw capture of the median batch and of any batch that disagrees with it.
      const keep = new Set([medianBatch, ...(trace.disagreement?.batches ?? [])]);
      entry.labels.forEach((name, i) => {
        if (!keep.has(i)) session.discard?.(name);
      });
      trace.rawFile = entry.traces[medianBatch]?.rawFile as string;
      traces.set(index, trace);
    }
    if (ftrace) addTracingCosts(traces, [...traced, ...probes.map((probe) => probe.runner)], medianNs, inPhase);
    for (const probe of probes) traces.delete(probe.runner.cell.index);
    return { traces, files: await session.files() };
  } finally {
    for (const probe of probes) probe.runner.close();
  }
}

/**
 * Per cell: traced - untraced (the in-phase untraced median where there is one), and the tracepoint
 * share estimated from the immediate-exit loops (the run's cells, or the probes).
 */
function addTracingCosts(
  traces: Map<number, CellTrace>,
  runners: readonly CellRunner[],
  measured: ReadonlyMap<number, number>,
  inPhase: ReadonlyMap<number, number[]>,
): void {
  const baseOf = (index: number) => {
    const rounds = inPhase.get(index);
    return rounds?.length ? median(rounds) : measured.get(index);
  };
  const references: TracepointReference[] = [];
  for (const runner of runners.filter((r) => r.cell.workload.loop === 'immediate-exit')) {
    const trace = traces.get(runner.cell.index);
    const base = baseOf(runner.cell.index);
    if (!trace?.split || base === undefined || !Number.isFinite(base)) continue;
    references.push({
      reference: runner.cell.index < 0 ? 'immediate-exit probe' : 'immediate-exit cell',
      untracedNsPerIteration: base,
      split: trace.split,
    });
  }
  for (const runner of runners.filter((r) => r.cell.index >= 0)) {
    const trace = traces.get(runner.cell.index);
    const base = baseOf(runner.cell.index);
    const fromRounds = measured.get(runner.cell.index);
    if (!trace || base === undefined || fromRounds === undefined) continue;
    const cost = tracingCostOf(trace, base, references);
    trace.tracingCost = {
      ...cost,
      untracedNsPerIteration: fromRounds,
      ...(inPhase.get(runner.cell.index)?.length ? { untracedInPhaseNsPerIteration: base } : {}),
    };
  }
}
