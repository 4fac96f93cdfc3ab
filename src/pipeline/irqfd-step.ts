/**
 * The irqfd step of a run whose workloads include irqfd: after the rounds, its latency timed by the
 * guest, in as many turns as the cells' figures rest on (rounds x processes), added to the results as
 * `irqfdGuestTimed`. A KVM without what it needs gets the section marked skipped, naming it.
 */
import { measureIrqFdByGuest } from '../bench/irqfd-guest-timing.js';
import type { Results, RunOptions } from '../results/types.js';

export function measureIrqFdStep(
  results: Results,
  options: RunOptions,
  stopped: () => boolean,
  kvmPath?: string,
): Results {
  const measured = results.measurements.some((m) => m.workload === 'irqfd' && m.status !== 'skipped');
  if (!measured) return results;
  const turns = options.rounds * (options.processes ?? 1);
  return { ...results, irqfdGuestTimed: measureIrqFdByGuest(turns, stopped, kvmPath) };
}
