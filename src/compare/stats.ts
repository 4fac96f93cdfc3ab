/**
 * Hypothesis tests for comparing benchmark runs: Mann-Whitney U and Holm-Bonferroni.
 * Pure functions, no I/O.
 */

import { assertFiniteSamples } from '../bench/stats.js';

/** Result of a two-sided Mann-Whitney U test. */
export interface MannWhitneyResult {
  /** U of the first group: pairs (x from a, y from b) with x > y, ties counting 1/2. Textbook tables use min(u, na*nb - u). */
  u: number;
  /** Normal-approximation z with tie and continuity correction; positive when a tends to be larger. */
  z: number;
  /** Two-sided p-value. */
  p: number;
}

// Chebyshev coefficients of Numerical Recipes' erfcc, lowest order first.
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
  0.17087277,
];

/**
 * Complementary error function for x >= 0 (Numerical Recipes' erfcc). Its error is below
 * 1.2e-7 relative everywhere, so even tiny p-values keep their leading digits.
 */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly = ERFC_COEFFICIENTS.reduceRight((acc, coefficient) => coefficient + t * acc, 0);
  return t * Math.exp(-x * x + poly);
}

/**
 * Two-sided Mann-Whitney U test (Wilcoxon rank-sum) using the normal approximation with
 * tie correction and continuity correction, matching scipy's `mannwhitneyu(method="asymptotic")`.
 * The approximation is good for roughly 20 or more samples per group; for smaller groups the
 * p-value is only indicative (use an exact test there). Identical inputs give p = 1.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult {
  assertFiniteSamples(a, 'mannWhitneyU(a)');
  assertFiniteSamples(b, 'mannWhitneyU(b)');
  const na = a.length;
  const nb = b.length;
  const n = na + nb;

  // Rank the pooled samples, giving tied values their average rank; remember which came from a.
  const pooled = [...a.map((value) => ({ value, fromA: true })), ...b.map((value) => ({ value, fromA: false }))];
  pooled.sort((x, y) => x.value - y.value);
  let rankSumA = 0;
  let tieTerm = 0; // sum over tie groups of t^3 - t
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && pooled[end]?.value === pooled[start]?.value) end++;
    const tied = end - start;
    const averageRank = (start + 1 + end) / 2; // ranks are 1-based: start+1 .. end
    for (let i = start; i < end; i++) {
      if (pooled[i]?.fromA) rankSumA += averageRank;
    }
    tieTerm += tied ** 3 - tied;
    start = end;
  }

  const u = rankSumA - (na * (na + 1)) / 2;
  const meanU = (na * nb) / 2;
  const varianceU = ((na * nb) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(varianceU > 0)) {
    // Every value is tied: the ranks carry no information either way.
    return { u, z: 0, p: 1 };
  }
  const deviation = u - meanU;
  const corrected = Math.max(Math.abs(deviation) - 0.5, 0);
  // Written out so that a zero z is +0, never -0.
  const z = corrected === 0 ? 0 : (Math.sign(deviation) * corrected) / Math.sqrt(varianceU);
  const p = Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
  return { u, z, p };
}

/**
 * Holm-Bonferroni step-down adjustment for a family of tests. Returns adjusted p-values in the
 * input order, made monotone in the sorted order and capped at 1; compare them with alpha directly.
 */
export function holmBonferroni(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) {
      throw new Error(`holmBonferroni: p-value ${i} must be within [0, 1], got ${p}`);
    }
  });
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((i, j) => (pValues[i] ?? 0) - (pValues[j] ?? 0));
  const adjusted = new Array<number>(m);
  let runningMax = 0;
  order.forEach((originalIndex, rank) => {
    const scaled = (m - rank) * (pValues[originalIndex] ?? 1);
    runningMax = Math.min(1, Math.max(runningMax, scaled));
    adjusted[originalIndex] = runningMax;
  });
  return adjusted;
}
