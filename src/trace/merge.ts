/**
 * One cell's ftrace traces from several processes (run --trace ftrace --processes N) merged into one
 * trace, as if every process's batches had been traced by one. Pure: data in, data out.
 */
import type { CellTrace, ExitSplit, TracingCost } from '../results/trace.js';
import { median } from '../stats/estimates.js';
import { totalsOf, traceOfBatches } from './batch-summary.js';
import { tracedNsOf } from './tracing-cost.js';

/**
 * Every process's batches (tagged with it), the median split over all of them, disagreement and
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
  if (costs.length && trace.split) trace.tracingCost = mergedTracingCost(trace, trace.split, costs);
  return trace;
}

/**
 * The merged trace's cost: its traced round trip against the median of the processes' untraced
 * medians (their in-phase ones where they have them), and the median of their tracepoint shares.
 */
function mergedTracingCost(trace: CellTrace, split: ExitSplit, costs: readonly TracingCost[]): TracingCost {
  const untraced = median(costs.map((cost) => cost.untracedNsPerIteration));
  const inPhase = costs.flatMap((cost) =>
    cost.untracedInPhaseNsPerIteration === undefined ? [] : [cost.untracedInPhaseNsPerIteration],
  );
  const base = inPhase.length ? median(inPhase) : untraced;
  const tracedNs = tracedNsOf(trace);
  const merged: TracingCost = {
    untracedNsPerIteration: untraced,
    ...(inPhase.length ? { untracedInPhaseNsPerIteration: base } : {}),
    tracedNs,
    costNs: tracedNs - base,
  };
  const shares = costs.flatMap((cost) => (cost.tracepointShare ? [cost.tracepointShare] : []));
  const first = shares[0];
  if (first) {
    const share = median(shares.map((s) => s.turnaroundShareNs));
    merged.tracepointShare = {
      estimate: true,
      reference: first.reference,
      references: Math.max(...shares.map((s) => s.references)),
      referenceCostNs: median(shares.map((s) => s.referenceCostNs)),
      referenceEventsPerRun: median(shares.map((s) => s.referenceEventsPerRun)),
      turnaroundShareNs: share,
      turnaroundWithoutNs: Math.max(0, split.userspaceTurnaroundNs - share),
    };
  }
  return merged;
}
