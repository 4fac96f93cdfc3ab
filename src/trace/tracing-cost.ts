/**
 * What tracing costs a cell: its traced round trip against its untraced median, and an estimate of
 * the tracepoints' own share of the turnaround from reference loops. Pure: data in, data out.
 */
import type { CellTrace, ExitSplit, TracingCost } from '../results/trace.js';
import { median } from '../stats/estimates.js';

/** Events recorded per KVM_RUN in a split: its two syscall events and the KVM events inside it. */
export function eventsPerRun(split: ExitSplit): number {
  if (split.runs === 0) return 0;
  return (2 * split.runs + split.userspaceExits + split.pioEvents + split.mmioEvents + split.kernelExits) / split.runs;
}

/**
 * A traced round trip timed like the measured samples (sampledRoundTripNs); a loop without KVM_RUN
 * (null-ioctl) has no split, only its traced loop time.
 */
export function tracedNsOf(trace: CellTrace): number {
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
