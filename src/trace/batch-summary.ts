/**
 * Several traced batches of one cell reduced to one trace: the median of each part of the split with
 * its range, the batches that disagree with the median flagged, and the sum rule on every batch.
 * Pure: data in, data out.
 */
import type { CellTrace, ExitSplit, Spread, TracedBatch } from '../results/trace.js';
import { median } from '../stats/estimates.js';

/** A batch further than this from the cell's median batch, in either part, makes the cell doubtful. */
export const BATCH_DISAGREEMENT = 0.25;
/** Sum rule: every KVM_RUN + every turnaround = the traced batch's time, within this. */
export const SUM_TOLERANCE = 0.03;

export interface BatchCapture {
  split: ExitSplit;
  iterations: number;
  loopNs: number;
}

const spreadOf = (values: readonly number[]): Spread => [Math.min(...values), Math.max(...values)];
const relative = (value: number, reference: number) => (reference === 0 ? 0 : Math.abs(value - reference) / reference);

/**
 * The sum rule for one batch: every KVM_RUN and every turnaround between them, over all round trips
 * (disturbed ones too), against the loop's own clock for the batch. That clock starts and stops
 * somewhere inside the batch's edges (begin marker -> first KVM_RUN, last return -> end marker),
 * so the traced time is a range: the deviation is the loop's distance from it (0 inside it).
 * Lost events, or time spent outside KVM_RUN and its turnarounds, show as a deviation.
 */
export function sumDeviation(split: ExitSplit, loopNs: number): number {
  if (split.runs === 0 || loopNs <= 0) return 0;
  const allIn = split.allInKvmRunNs ?? split.inKvmRunNs;
  const allTurn = split.allTurnaroundNs ?? split.userspaceTurnaroundNs;
  const core = split.runs * allIn + (split.runs - 1) * allTurn;
  const edges = core + (split.headNs ?? 0) + (split.tailNs ?? 0);
  if (loopNs < core) return core / loopNs - 1;
  if (loopNs > edges) return edges / loopNs - 1;
  return 0;
}

function batchOf(capture: BatchCapture): TracedBatch {
  const { split, iterations, loopNs } = capture;
  return {
    iterations,
    loopNsPerIteration: loopNs / iterations,
    runs: split.runs,
    inKvmRunNs: split.inKvmRunNs,
    userspaceTurnaroundNs: split.userspaceTurnaroundNs,
    disturbedRoundTrips: split.disturbedRoundTrips ?? 0,
    sumDeviation: sumDeviation(split, loopNs),
  };
}

/**
 * One cell's traced batches -> its trace: the median of each part, min-max over the batches, the
 * batches more than BATCH_DISAGREEMENT from the median, and the sum rule on the median split.
 * `medianBatch` is the batch closest to the median split (the one whose raw capture is kept).
 */
export function summarizeBatches(
  captures: readonly BatchCapture[],
  slowRounds: readonly number[] = [],
): { trace: CellTrace; medianBatch: number } {
  if (captures.length === 0) throw new Error('summarizeBatches: no traced batch');
  // Batches of rounds in which the host was slow for every cell are listed but left out of the
  // split; a cell keeps all its batches when that would leave it none.
  const kept = captures.map((_, i) => i).filter((i) => !slowRounds.includes(i));
  const use = kept.length ? kept : captures.map((_, i) => i);
  const all = captures.map((capture, i) =>
    use.includes(i) ? batchOf(capture) : { ...batchOf(capture), hostSlow: true },
  );
  const result = traceOfBatches(all, totalsOf(use.map((i) => (captures[i] as BatchCapture).split)));
  return {
    ...result,
    trace: {
      ...result.trace,
      ...(use.length < all.length ? { slowRounds: all.flatMap((_, i) => (use.includes(i) ? [] : [i])) } : {}),
    },
  };
}

/**
 * Each batch's traced round: its place among the batches of its process (merged traces hold
 * several processes' batches in turn; one process's batches are its rounds in order).
 */
export function roundsWithinProcess(batches: readonly TracedBatch[]): number[] {
  const seen = new Map<number | undefined, number>();
  return batches.map((batch) => {
    const round = seen.get(batch.process) ?? 0;
    seen.set(batch.process, round + 1);
    return round;
  });
}

/** What a split adds up besides its two parts: event counts, guest time, the sampled round trip. */
export type SplitTotals = Omit<ExitSplit, 'inKvmRunNs' | 'userspaceTurnaroundNs' | 'roundTripNs'>;

/** Counts summed over splits; guest time and the sampled round trip as their medians. */
export function totalsOf(splits: readonly ExitSplit[]): SplitTotals {
  const sum = (pick: (s: ExitSplit) => number) => splits.reduce((total, s) => total + pick(s), 0);
  const guest = splits.flatMap((s) => (s.inGuestNs === undefined ? [] : [s.inGuestNs]));
  const sampled = splits.flatMap((s) => (s.sampledRoundTripNs === undefined ? [] : [s.sampledRoundTripNs]));
  return {
    runs: sum((s) => s.runs),
    userspaceExits: sum((s) => s.userspaceExits),
    pioEvents: sum((s) => s.pioEvents),
    mmioEvents: sum((s) => s.mmioEvents),
    kernelExits: sum((s) => s.kernelExits),
    disturbedRoundTrips: sum((s) => s.disturbedRoundTrips ?? 0),
    ...(guest.length ? { inGuestNs: median(guest) } : {}),
    ...(sampled.length ? { sampledRoundTripNs: median(sampled) } : {}),
  };
}

/**
 * The trace of a cell from all its batches (host-slow ones flagged and left out of the medians),
 * and the index of the batch closest to the median split.
 */
export function traceOfBatches(
  all: readonly TracedBatch[],
  totals: SplitTotals,
): { trace: CellTrace; medianBatch: number } {
  const kept = all.filter((batch) => !batch.hostSlow);
  const batches = kept.length ? kept : all;
  const inKvmRunNs = median(batches.map((b) => b.inKvmRunNs));
  const userspaceTurnaroundNs = median(batches.map((b) => b.userspaceTurnaroundNs));
  const split: ExitSplit = {
    ...totals,
    inKvmRunNs,
    userspaceTurnaroundNs,
    roundTripNs: inKvmRunNs + userspaceTurnaroundNs,
  };
  const trace: CellTrace = {
    mode: 'ftrace',
    tracedIterations: batches.reduce((total, b) => total + b.iterations, 0),
    tracedLoopNsPerIteration: median(batches.map((b) => b.loopNsPerIteration)),
    split,
    batches: [...all],
    spread: {
      inKvmRunNs: spreadOf(batches.map((b) => b.inKvmRunNs)),
      userspaceTurnaroundNs: spreadOf(batches.map((b) => b.userspaceTurnaroundNs)),
      loopNsPerIteration: spreadOf(batches.map((b) => b.loopNsPerIteration)),
    },
  };
  const distance = (b: TracedBatch) =>
    Math.max(relative(b.inKvmRunNs, inKvmRunNs), relative(b.userspaceTurnaroundNs, userspaceTurnaroundNs));
  const candidates = all.flatMap((b, i) => (b.hostSlow && kept.length ? [] : [i]));
  const medianBatch = candidates.reduce(
    (best, i) => (distance(all[i] as TracedBatch) < distance(all[best] as TracedBatch) ? i : best),
    candidates[0] ?? 0,
  );
  if (split.runs === 0) return { trace, medianBatch }; // null-ioctl: nothing to split
  const off = candidates.filter((i) => distance(all[i] as TracedBatch) > BATCH_DISAGREEMENT);
  if (off.length) trace.disagreement = disagreementOf(all, off, split);
  trace.sumCheck = sumCheckOf(all);
  return { trace, medianBatch };
}

/** The batches `off` named (by process and round where there are several processes) against the median split. */
function disagreementOf(
  all: readonly TracedBatch[],
  off: readonly number[],
  split: ExitSplit,
): NonNullable<CellTrace['disagreement']> {
  const rounds = roundsWithinProcess(all);
  const parts = off.map((i) => {
    const b = all[i] as TracedBatch;
    const where =
      b.process === undefined ? `batch ${i + 1}` : `process ${b.process + 1} batch ${(rounds[i] as number) + 1}`;
    return `${where}: ${b.inKvmRunNs.toFixed(0)} ns in KVM_RUN, ${b.userspaceTurnaroundNs.toFixed(0)} ns turnaround`;
  });
  return {
    batches: [...off],
    detail: `${parts.join('; ')} (median ${split.inKvmRunNs.toFixed(0)} / ${split.userspaceTurnaroundNs.toFixed(0)} ns)`,
  };
}

/** The sum rule holds for every batch, or the split is not an account of the loop: the worst batch decides. */
function sumCheckOf(all: readonly TracedBatch[]): NonNullable<CellTrace['sumCheck']> {
  const deviation = all.reduce((worst, b) => (Math.abs(b.sumDeviation) > Math.abs(worst) ? b.sumDeviation : worst), 0);
  return { deviation, tolerance: SUM_TOLERANCE, passed: Math.abs(deviation) <= SUM_TOLERANCE };
}
