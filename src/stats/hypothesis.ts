/**
 * Hypothesis tests for comparing benchmark runs: Student's t distribution, Welch's test on the log
 * scale and Holm-Bonferroni. Pure functions, no I/O.
 */

import { assertFiniteSamples, studentT975, varianceOfMean } from './estimates.js';

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms): relative error below 1e-13. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0] as number;
  for (let i = 1; i < 9; i++) sum += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (const numerator of [
      (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
      (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
    ]) {
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-14) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast only below the mean; above it, use the symmetry I_x(a, b) = 1 - I_1-x(b, a).
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Two-sided p-value of Student's t with `df` (possibly fractional) degrees of freedom: P(|T| >= |t|). */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`studentTTwoSidedP: degrees of freedom must be positive, got ${df}`);
  if (!Number.isFinite(t)) return Number.isNaN(t) ? 1 : 0;
  return Math.min(1, incompleteBeta(df / (df + t * t), df / 2, 0.5));
}

/** The t with P(|T| >= t) = p for Student's t with `df` degrees of freedom (bisection). */
export function studentTTwoSidedQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTTwoSidedQuantile: p must be within (0, 1), got ${p}`);
  let low = 0;
  let high = 1;
  while (studentTTwoSidedP(high, df) > p) high *= 2;
  for (let i = 0; i < 100 && high - low > 1e-9 * high; i++) {
    const middle = (low + high) / 2;
    if (studentTTwoSidedP(middle, df) > p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** Welch's test of two sets of positive values on the log scale. */
export interface WelchLogResult {
  /** exp(mean log b - mean log a): the geometric-mean ratio, b over a. */
  ratio: number;
  /** 95 % interval of the ratio: exp(difference ± t975(df) × standard error). */
  ratioCi95: [number, number];
  /** Standard error of the difference of the mean logs. */
  standardError: number;
  /** Welch-Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value of "no change". */
  p: number;
}

/**
 * Welch's unequal-variance t-test on log(a) against log(b). The values are independent units (the
 * per-process medians of a cell). A side with one value has no variance of its own: the other side's
 * variance stands for both then (a lower bound, which compare warns about). Throws with one value a side.
 */
export function welchLogTest(a: readonly number[], b: readonly number[]): WelchLogResult {
  assertFiniteSamples(a, 'welchLogTest(a)');
  assertFiniteSamples(b, 'welchLogTest(b)');
  if (a.length < 2 && b.length < 2)
    throw new Error('welchLogTest: one value a side leaves no variance to test against');
  if ([...a, ...b].some((value) => !(value > 0))) throw new Error('welchLogTest: values must be positive (log scale)');
  let spreadA = varianceOfMean(a.map(Math.log));
  let spreadB = varianceOfMean(b.map(Math.log));
  // One value: borrow the other side's variance of one unit, scaled to this side's count.
  if (spreadA.k < 2) spreadA = { ...spreadA, varianceOfMean: spreadB.varianceOfMean * spreadB.k, k: spreadB.k };
  if (spreadB.k < 2) spreadB = { ...spreadB, varianceOfMean: spreadA.varianceOfMean * spreadA.k, k: spreadA.k };
  const difference = spreadB.mean - spreadA.mean;
  const variance = spreadA.varianceOfMean + spreadB.varianceOfMean;
  const ratio = Math.exp(difference);
  if (!(variance > 0)) {
    return {
      ratio,
      ratioCi95: [ratio, ratio],
      standardError: 0,
      df: spreadA.k + spreadB.k - 2,
      p: difference === 0 ? 1 : 0,
    };
  }
  const df = Math.max(
    1,
    variance ** 2 / (spreadA.varianceOfMean ** 2 / (spreadA.k - 1) + spreadB.varianceOfMean ** 2 / (spreadB.k - 1)),
  );
  const standardError = Math.sqrt(variance);
  const halfWidth = studentT975(df) * standardError;
  return {
    ratio,
    ratioCi95: [Math.exp(difference - halfWidth), Math.exp(difference + halfWidth)],
    standardError,
    df,
    p: studentTTwoSidedP(difference / standardError, df),
  };
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
