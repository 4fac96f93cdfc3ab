/**
 * The ftrace split as numbers that can be trusted: several traced batches per cell reduced to a
 * median split with its spread, the batches that disagree flagged, the tracing cost stated, and the
 * acceptance rules (sum rule within a run, stability rule across runs). Pure: data in, data out.
 */
import type { CellTrace, ExitSplit, Spread, TracedBatch, TracingCost } from '../results/trace.js';
import { median } from '../stats/estimates.js';

/** A batch further than this from the cell's median batch, in either part, makes the cell doubtful. */
export const BATCH_DISAGREEMENT = 0.25;
/** Sum rule: every KVM_RUN + every turnaround = the traced batch's time, within this. */
export const SUM_TOLERANCE = 0.03;
/** Stability rule: each part of the median split of two runs within this of each other. */
export const STABILITY_TOLERANCE = 0.1;
/** A traced round this much slower than the fastest one, for the typical cell, found the host busy. */
export const HOST_SLOW = 0.1;

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
function roundsWithinProcess(batches: readonly TracedBatch[]): number[] {
  const seen = new Map<number | undefined, number>();
  return batches.map((batch) => {
    const round = seen.get(batch.process) ?? 0;
    seen.set(batch.process, round + 1);
    return round;
  });
}

/** What a split adds up besides its two parts: event counts, guest time, the sampled round trip. */
type SplitTotals = Omit<ExitSplit, 'inKvmRunNs' | 'userspaceTurnaroundNs' | 'roundTripNs'>;

/** Counts summed over splits; guest time and the sampled round trip as their medians. */
function totalsOf(splits: readonly ExitSplit[]): SplitTotals {
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

/** The trace of a cell from all its batches (host-slow ones flagged and left out of the medians). */
function traceOfBatches(all: readonly TracedBatch[], totals: SplitTotals): { trace: CellTrace; medianBatch: number } {
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
  if (off.length) {
    const rounds = roundsWithinProcess(all);
    const parts = off.map((i) => {
      const b = all[i] as TracedBatch;
      const where =
        b.process === undefined ? `batch ${i + 1}` : `process ${b.process + 1} batch ${(rounds[i] as number) + 1}`;
      return `${where}: ${b.inKvmRunNs.toFixed(0)} ns in KVM_RUN, ${b.userspaceTurnaroundNs.toFixed(0)} ns turnaround`;
    });
    trace.disagreement = {
      batches: off,
      detail: `${parts.join('; ')} (median ${inKvmRunNs.toFixed(0)} / ${userspaceTurnaroundNs.toFixed(0)} ns)`,
    };
  }
  // The sum rule holds for every batch, or the split is not an account of the loop.
  const deviation = all.reduce((worst, b) => (Math.abs(b.sumDeviation) > Math.abs(worst) ? b.sumDeviation : worst), 0);
  trace.sumCheck = { deviation, tolerance: SUM_TOLERANCE, passed: Math.abs(deviation) <= SUM_TOLERANCE };
  return { trace, medianBatch };
}

/**
 * One cell's ftrace traces from several processes (run --trace ftrace --processes N) -> one trace:
 * every process's batches (tagged with it), the median split over all of them, disagreement and
 * spread against that median, the worst sum rule, and the tracing cost against the median of the
 * processes' untraced medians. The raw capture kept is that of the batch closest to the median.
 */
export function mergeTraces(parts: readonly { process: number; trace: CellTrace }[]): CellTrace | undefined {
  const split = parts.filter((part) => part.trace.mode === 'ftrace' && part.trace.batches?.length && part.trace.split);
  if (split.length === 0) return parts[0]?.trace;
  const all = split.flatMap(({ process, trace }) => (trace.batches ?? []).map((batch) => ({ ...batch, process })));
  const { trace, medianBatch } = traceOfBatches(all, totalsOf(split.map((part) => part.trace.split as ExitSplit)));
  // The raw capture each process kept is its own median batch: keep that of the process whose
  // batch is nearest the merged split (the nearest batch's own capture was usually discarded).
  const closest = all[medianBatch];
  const rawFile = split.find((part) => part.process === closest?.process)?.trace.rawFile;
  if (rawFile) trace.rawFile = rawFile;
  const costs = split.flatMap((part) => (part.trace.tracingCost ? [part.trace.tracingCost] : []));
  if (costs.length && trace.split) {
    const untraced = median(costs.map((cost) => cost.untracedNsPerIteration));
    const inPhase = costs.flatMap((cost) =>
      cost.untracedInPhaseNsPerIteration === undefined ? [] : [cost.untracedInPhaseNsPerIteration],
    );
    const base = inPhase.length ? median(inPhase) : untraced;
    const tracedNs = tracedNsOf(trace);
    trace.tracingCost = {
      untracedNsPerIteration: untraced,
      ...(inPhase.length ? { untracedInPhaseNsPerIteration: base } : {}),
      tracedNs,
      costNs: tracedNs - base,
    };
    const shares = costs.flatMap((cost) => (cost.tracepointShare ? [cost.tracepointShare] : []));
    const first = shares[0];
    if (first) {
      const share = median(shares.map((s) => s.turnaroundShareNs));
      trace.tracingCost.tracepointShare = {
        estimate: true,
        reference: first.reference,
        references: Math.max(...shares.map((s) => s.references)),
        referenceCostNs: median(shares.map((s) => s.referenceCostNs)),
        referenceEventsPerRun: median(shares.map((s) => s.referenceEventsPerRun)),
        turnaroundShareNs: share,
        turnaroundWithoutNs: Math.max(0, trace.split.userspaceTurnaroundNs - share),
      };
    }
  }
  return trace;
}

/**
 * Traced rounds in which the host was slow for every cell at once (other work on a shared machine):
 * per round, the median over cells of (that round's round trip / the cell's fastest round trip);
 * rounds more than HOST_SLOW above the fastest round. `cells[c][r]`: cell c's split in round r.
 */
export function hostSlowRounds(cells: readonly (readonly ExitSplit[])[]): number[] {
  const split = cells.filter((rounds) => rounds.length > 0 && rounds.every((s) => s.runs > 0));
  const roundCount = Math.max(0, ...split.map((rounds) => rounds.length));
  if (split.length === 0 || roundCount < 2) return [];
  const factors: number[] = [];
  for (let round = 0; round < roundCount; round++) {
    const ratios = split.flatMap((rounds) => {
      const s = rounds[round];
      return s ? [s.roundTripNs / Math.min(...rounds.map((r) => r.roundTripNs))] : [];
    });
    if (ratios.length) factors.push(median(ratios));
  }
  const fastest = Math.min(...factors);
  return factors.flatMap((factor, round) => (factor > fastest * (1 + HOST_SLOW) ? [round] : []));
}

/** Events recorded per KVM_RUN in a split: its two syscall events and the KVM events inside it. */
export function eventsPerRun(split: ExitSplit): number {
  if (split.runs === 0) return 0;
  return (2 * split.runs + split.userspaceExits + split.pioEvents + split.mmioEvents + split.kernelExits) / split.runs;
}

/**
 * A traced round trip timed like the measured samples (sampledRoundTripNs); a loop without KVM_RUN
 * (null-ioctl) has no split, only its traced loop time.
 */
function tracedNsOf(trace: CellTrace): number {
  const split = trace.split;
  return split && split.runs > 0 ? (split.sampledRoundTripNs ?? split.roundTripNs) : trace.tracedLoopNsPerIteration;
}

/** A loop with the same syscall tracepoints and no guest, traced and untraced (immediate-exit). */
export interface TracepointReference {
  reference: 'immediate-exit cell' | 'immediate-exit probe';
  untracedNsPerIteration: number;
  split: ExitSplit;
}

/**
 * The tracing cost of one cell per round trip (the traced round trip timed like the measured
 * samples - the untraced median) and, given reference loops, the estimated share of the turnaround that is the
 * tracepoints' own work: the references' cost per recorded event (their median: the tracepoints are
 * kernel work that falls on every binding alike, and one reference's untraced median is noisy on a
 * busy host), for the one event (sys_exit_ioctl) whose recording runs after its timestamp, inside
 * the turnaround.
 */
export function tracingCostOf(
  trace: CellTrace,
  untracedNsPerIteration: number,
  references: readonly TracepointReference[] = [],
): TracingCost {
  const split = trace.split;
  const traced = tracedNsOf(trace);
  const cost: TracingCost = { untracedNsPerIteration, tracedNs: traced, costNs: traced - untracedNsPerIteration };
  const usable = references.filter((r) => eventsPerRun(r.split) > 0);
  if (!split || split.runs === 0 || usable.length === 0) return cost;
  const costs = usable.map((r) => (r.split.sampledRoundTripNs ?? r.split.roundTripNs) - r.untracedNsPerIteration);
  const events = median(usable.map((r) => eventsPerRun(r.split)));
  const perEvent = median(usable.map((r, i) => (costs[i] as number) / eventsPerRun(r.split)));
  // References that tracing did not slow down (noisy untraced medians) give no estimate.
  if (perEvent > 0) {
    cost.tracepointShare = {
      estimate: true,
      reference: (usable[0] as TracepointReference).reference,
      references: usable.length,
      referenceCostNs: median(costs),
      referenceEventsPerRun: events,
      turnaroundShareNs: perEvent,
      turnaroundWithoutNs: Math.max(0, split.userspaceTurnaroundNs - perEvent),
    };
  }
  return cost;
}

interface TracedMeasurement {
  workload: string;
  binding: string;
  trace?: CellTrace;
}

const where = (m: TracedMeasurement) => `${m.workload} / ${m.binding}`;

/** The first few items in full, then how many more (each cell's detail is in results.json and the report). */
const LISTED = 4;
const listed = (items: readonly string[]) =>
  items.length <= LISTED
    ? items.join(', ')
    : `${items.slice(0, LISTED).join(', ')} and ${items.length - LISTED} more (each in results.json and the report)`;

/** One warning per kind: traced batches that disagree, and splits that fail the sum rule. */
export function traceWarnings(measurements: readonly TracedMeasurement[]): string[] {
  const warnings: string[] = [];
  const disagreeing = measurements.filter((m) => m.trace?.disagreement);
  if (disagreeing.length) {
    warnings.push(
      `the traced batches of ${disagreeing.length} cell(s) disagree (a batch more than ${BATCH_DISAGREEMENT * 100} % from the cell's median split): read their split with care: ${listed(
        disagreeing.map((m) => `${where(m)} (${m.trace?.disagreement?.detail})`),
      )}`,
    );
  }
  // Slow rounds from the batches' own flags: one process's rounds by number, several processes' counted.
  const slowIn = new Set<string>();
  const traced = new Set<string>();
  let processes = 0;
  for (const m of measurements) {
    const batches = m.trace?.batches ?? [];
    roundsWithinProcess(batches).forEach((round, i) => {
      const batch = batches[i] as TracedBatch;
      const key = `${batch.process ?? 0}/${round}`;
      traced.add(key);
      if (batch.hostSlow) slowIn.add(key);
    });
    processes = Math.max(processes, new Set(batches.map((b) => b.process ?? 0)).size);
  }
  if (slowIn.size && processes <= 1) {
    const slow = [...slowIn].map((key) => Number(key.split('/')[1])).sort((a, b) => a - b);
    warnings.push(
      `the host was slow for every cell at once (other work) in traced round(s) ${slow.map((r) => r + 1).join(', ')} of ${traced.size}: those batches are left out of the ftrace split`,
    );
  } else if (slowIn.size) {
    warnings.push(
      `the host was slow for every cell at once (other work) in ${slowIn.size} of ${traced.size} traced rounds (over all processes): those batches are left out of the ftrace split`,
    );
  }
  const unsummed = measurements.filter((m) => m.trace?.sumCheck?.passed === false);
  if (unsummed.length) {
    warnings.push(
      `the ftrace split of ${unsummed.length} cell(s) does not add up to the traced loop within ${SUM_TOLERANCE * 100} % (lost events, or time outside KVM_RUN and its turnaround): ${unsummed.map((m) => `${where(m)} (${((m.trace?.sumCheck?.deviation ?? 0) * 100).toFixed(1)} %)`).join(', ')}`,
    );
  }
  return warnings;
}

export interface StabilityPart {
  values: number[];
  /** max / min - 1 over the runs. */
  spread: number;
  within: boolean;
}

export interface StabilityRow {
  workload: string;
  binding: string;
  inKvmRun: StabilityPart;
  turnaround: StabilityPart;
  within: boolean;
}

function part(values: number[], tolerance: number): StabilityPart {
  const low = Math.min(...values);
  const spread = low > 0 ? Math.max(...values) / low - 1 : Number.POSITIVE_INFINITY;
  return { values, spread, within: spread <= tolerance };
}

/**
 * The stability rule over two or more runs' measurements: for every cell split in all of them,
 * each part of the median split within `tolerance` (max / min - 1).
 */
export function compareSplits(
  runs: readonly (readonly TracedMeasurement[])[],
  tolerance = STABILITY_TOLERANCE,
): StabilityRow[] {
  const first = runs[0] ?? [];
  const rows: StabilityRow[] = [];
  for (const m of first) {
    const splits = runs.map(
      (run) => run.find((other) => other.workload === m.workload && other.binding === m.binding)?.trace?.split,
    );
    if (splits.some((s) => s === undefined || s.runs === 0)) continue;
    const present = splits as ExitSplit[];
    const inKvmRun = part(
      present.map((s) => s.inKvmRunNs),
      tolerance,
    );
    const turnaround = part(
      present.map((s) => s.userspaceTurnaroundNs),
      tolerance,
    );
    rows.push({
      workload: m.workload,
      binding: m.binding,
      inKvmRun,
      turnaround,
      within: inKvmRun.within && turnaround.within,
    });
  }
  return rows;
}

/** Workloads where the floor binding's turnaround is not below every other binding's: a broken split. */
export function floorNotLowest(measurements: readonly TracedMeasurement[], floor: string): string[] {
  const problems: string[] = [];
  for (const f of measurements.filter((m) => m.binding === floor && (m.trace?.split?.runs ?? 0) > 0)) {
    const floorTurn = f.trace?.split?.userspaceTurnaroundNs as number;
    for (const m of measurements) {
      if (m.workload !== f.workload || m.binding === floor || !m.trace?.split?.runs) continue;
      if (m.trace.split.userspaceTurnaroundNs <= floorTurn) {
        problems.push(
          `${f.workload}: ${floor} turnaround ${floorTurn.toFixed(0)} ns is not below ${m.binding}'s ${m.trace.split.userspaceTurnaroundNs.toFixed(0)} ns`,
        );
      }
    }
  }
  return problems;
}
