/**
 * The two-length method: a VMM process runs the same guest loop with N1 and with N2 exits; the
 * start-up, the set-up of the VM and the teardown are in both times, so
 *   per exit  = (t(N2) - t(N1)) / (N2 - N1)
 *   start-up  = t(N1) - N1 * per exit    (start to exit of the process with an empty loop)
 * Each round gives one of each; rounds are the independent units of the statistics. Pure.
 */

export interface TwoLengthRound {
  round: number;
  /** Wall time of the run with n1 exits, ns. */
  shortNs: number;
  /** Wall time of the run with n2 exits, ns. */
  longNs: number;
}

export interface TwoLengthEstimate {
  round: number;
  perExitNs: number;
  startNs: number;
}

export function twoLength(n1: number, n2: number, round: TwoLengthRound): TwoLengthEstimate {
  if (!(Number.isInteger(n1) && Number.isInteger(n2) && n1 >= 0 && n2 > n1)) {
    throw new Error(`two-length method: needs whole exit counts with n2 > n1 >= 0 (got n1 ${n1}, n2 ${n2})`);
  }
  const perExitNs = (round.longNs - round.shortNs) / (n2 - n1);
  return { round: round.round, perExitNs, startNs: round.shortNs - n1 * perExitNs };
}

/** Exits in the short run: enough to get past the first, slower exits, small beside the start-up. */
export const SHORT_EXITS = 1000;
/** Bounds of the long run's extra exits: the guest's counter is 32-bit, and a run must end. */
export const MIN_EXTRA_EXITS = 10_000;
export const MAX_EXTRA_EXITS = 200_000_000;

/**
 * N2 - N1 for a loop of about `targetLoopNs` at `perExitNs` per exit (an estimate from probing),
 * clamped to [MIN_EXTRA_EXITS, MAX_EXTRA_EXITS]. A non-positive estimate (the loop was lost in
 * the start-up's noise) takes the maximum.
 */
export function extraExitsFor(targetLoopNs: number, perExitNs: number): number {
  if (!(perExitNs > 0)) return MAX_EXTRA_EXITS;
  const exits = Math.round(targetLoopNs / perExitNs);
  return Math.min(MAX_EXTRA_EXITS, Math.max(MIN_EXTRA_EXITS, exits));
}

/** Which length runs first in a round: alternated, so a drift within a round does not bias one side. */
export function shortFirst(round: number): boolean {
  return round % 2 === 0;
}
