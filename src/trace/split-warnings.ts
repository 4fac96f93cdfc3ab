/**
 * The run's warnings about its ftrace splits, one per kind: traced batches that disagree, rounds in
 * which the host was slow for every cell, and splits that fail the sum rule. Pure: data in, text out.
 */
import type { CellTrace, TracedBatch } from '../results/trace.js';
import { BATCH_DISAGREEMENT, roundsWithinProcess, SUM_TOLERANCE } from './batch-summary.js';

/** A measured cell as the rules read it: which cell, and its trace if it was traced. */
export interface TracedMeasurement {
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

/** One warning per kind: traced batches that disagree, host-slow rounds, and splits that fail the sum rule. */
export function traceWarnings(measurements: readonly TracedMeasurement[]): string[] {
  return [disagreementWarning(measurements), slowRoundsWarning(measurements), sumRuleWarning(measurements)].flatMap(
    (warning) => (warning === undefined ? [] : [warning]),
  );
}

function disagreementWarning(measurements: readonly TracedMeasurement[]): string | undefined {
  const disagreeing = measurements.filter((m) => m.trace?.disagreement);
  if (disagreeing.length === 0) return undefined;
  return `the traced batches of ${disagreeing.length} cell(s) disagree (a batch more than ${BATCH_DISAGREEMENT * 100} % from the cell's median split): read their split with care: ${listed(
    disagreeing.map((m) => `${where(m)} (${m.trace?.disagreement?.detail})`),
  )}`;
}

/** Slow rounds from the batches' own flags: one process's rounds by number, several processes' counted. */
function slowRoundsWarning(measurements: readonly TracedMeasurement[]): string | undefined {
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
  if (slowIn.size === 0) return undefined;
  if (processes <= 1) {
    const slow = [...slowIn].map((key) => Number(key.split('/')[1])).sort((a, b) => a - b);
    return `the host was slow for every cell at once (other work) in traced round(s) ${slow.map((r) => r + 1).join(', ')} of ${traced.size}: those batches are left out of the ftrace split`;
  }
  return `the host was slow for every cell at once (other work) in ${slowIn.size} of ${traced.size} traced rounds (over all processes): those batches are left out of the ftrace split`;
}

function sumRuleWarning(measurements: readonly TracedMeasurement[]): string | undefined {
  const unsummed = measurements.filter((m) => m.trace?.sumCheck?.passed === false);
  if (unsummed.length === 0) return undefined;
  return `the ftrace split of ${unsummed.length} cell(s) does not add up to the traced loop within ${SUM_TOLERANCE * 100} % (lost events, or time outside KVM_RUN and its turnaround): ${unsummed.map((m) => `${where(m)} (${((m.trace?.sumCheck?.deviation ?? 0) * 100).toFixed(1)} %)`).join(', ')}`;
}
