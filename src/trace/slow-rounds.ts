/** Traced rounds in which the host, not a binding, was slow. Pure: data in, data out. */
import type { ExitSplit } from '../results/trace.js';
import { median } from '../stats/estimates.js';

/** A traced round this much slower than the fastest one, for the typical cell, found the host busy. */
export const HOST_SLOW = 0.1;

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
