/**
 * Descriptive statistics and bootstrap confidence intervals for benchmark samples.
 * Pure functions, no I/O. All values keep the unit of the input (nanoseconds in kvmbench).
 */
import type { SampleStats, TurnStats } from '../results/types.js';

export type { SampleStats, TurnStats };

/** Bootstrap settings shared by `summarize` and the turn-level intervals. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples; default 2000. */
  bootstrapResamples?: number;
  /** PRNG seed so that intervals are reproducible; default DEFAULT_SEED. */
  seed?: number;
}

/** b relative to a (a = C loop, b = a binding; or a = baseline run, b = current run). */
export interface RatioCi {
  /** b over a. */
  ratio: number;
  /** 95 % confidence interval of the ratio. */
  ratioCi95: [number, number];
  /** b minus a, in the unit of the input. */
  difference: number;
  /** 95 % confidence interval of the difference. */
  differenceCi95: [number, number];
}

export const DEFAULT_BOOTSTRAP_RESAMPLES = 2000;
export const DEFAULT_SEED = 0x6b766d; // "kvm"

const CI_LOW_QUANTILE = 0.025;
const CI_HIGH_QUANTILE = 0.975;

/**
 * mulberry32: a tiny 32-bit PRNG, plenty for bootstrap index draws and fully reproducible.
 * A class with its state in an Int32Array: V8 then inlines `next()` and never boxes the state,
 * which makes the bootstrap two to three times faster than a closure or a plain number field.
 */
export class Mulberry32 {
  private readonly state = new Int32Array(1);

  constructor(seed: number) {
    this.state[0] = seed;
  }

  /** Uniform number in [0, 1). */
  next(): number {
    const state = ((this.state[0] ?? 0) + 0x6d2b79f5) | 0;
    this.state[0] = state;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Throws on empty or non-finite input, naming the offending argument and sample. */
export function assertFiniteSamples(samples: readonly number[], name: string): void {
  if (samples.length === 0) {
    throw new Error(`${name}: no samples (empty input)`);
  }
  for (let i = 0; i < samples.length; i++) {
    const value = samples[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${name}: sample ${i} is not a finite number (${String(value)})`);
    }
  }
}

function checkResamples(resamples: number): void {
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(`bootstrapResamples must be a positive integer, got ${resamples}`);
  }
}

function sortedCopy(samples: readonly number[]): Float64Array {
  // Typed-array sort is numeric and much faster than Array#sort with a comparator.
  return Float64Array.from(samples).sort();
}

/** Percentile of already-sorted data by linear interpolation (Hyndman-Fan type 7, numpy's default). */
function quantileOfSorted(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const lower = sorted[below] ?? Number.NaN;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] ?? Number.NaN;
  return lower + (position - below) * (upper - lower);
}

/** Percentile (p in [0, 1]) by linear interpolation, type 7 like numpy.percentile's default. */
export function quantile(samples: readonly number[], p: number): number {
  assertFiniteSamples(samples, 'quantile');
  if (!(p >= 0 && p <= 1)) {
    throw new Error(`quantile: p must be within [0, 1], got ${p}`);
  }
  return quantileOfSorted(sortedCopy(samples), p);
}

/** Median (type-7 50th percentile: the mean of the two middle values when n is even). */
export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/**
 * The lower or upper of the two middle values: always an element of the list (a batch size, a
 * change that happened), where the interpolated median would be a value no sample took. 0 when empty.
 */
export function middleElement(values: readonly number[], side: 'lower' | 'upper'): number {
  const sorted = Float64Array.from(values).sort();
  const index = side === 'lower' ? Math.floor((sorted.length - 1) / 2) : Math.floor(sorted.length / 2);
  return sorted[index] ?? 0;
}

/**
 * Draws bootstrap medians of one sorted sample set. Instead of building and sorting each
 * resample, it counts how often each sorted index is drawn and walks the cumulative counts
 * to the middle order statistics: O(n) per resample with no sorting or swapping.
 */
class BootstrapMedian {
  private readonly sorted: Float64Array;
  private readonly counts: Uint32Array;
  private readonly lowerRank: number;
  private readonly upperRank: number;

  constructor(sorted: Float64Array) {
    this.sorted = sorted;
    this.counts = new Uint32Array(sorted.length);
    this.lowerRank = Math.floor((sorted.length - 1) / 2);
    this.upperRank = Math.ceil((sorted.length - 1) / 2);
  }

  draw(random: Mulberry32): number {
    const { counts, sorted } = this;
    const n = sorted.length;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const index = Math.floor(random.next() * n);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    // Walk cumulative counts: the index at which `seen` first exceeds a rank holds that order
    // statistic. Counts sum to n, so `?? n` never applies; it only satisfies the type checker.
    let seen = 0;
    let index = 0;
    while (seen <= this.lowerRank) seen += counts[index++] ?? n;
    const lowerValue = sorted[index - 1] ?? Number.NaN;
    while (seen <= this.upperRank) seen += counts[index++] ?? n;
    const upperValue = sorted[index - 1] ?? Number.NaN;
    return (lowerValue + upperValue) / 2;
  }
}

function percentileInterval(values: Float64Array): [number, number] {
  values.sort();
  return [quantileOfSorted(values, CI_LOW_QUANTILE), quantileOfSorted(values, CI_HIGH_QUANTILE)];
}

/**
 * Summarizes samples: moments, type-7 percentiles, Tukey outlier counts and a seeded
 * bootstrap 95 % percentile interval of the median.
 */
export function summarize(samples: readonly number[], options: BootstrapOptions = {}): SampleStats {
  assertFiniteSamples(samples, 'summarize');
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  checkResamples(resamples);
  const sorted = sortedCopy(samples);
  const random = new Mulberry32(options.seed ?? DEFAULT_SEED);
  const bootstrap = new BootstrapMedian(sorted);
  const medians = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) medians[r] = bootstrap.draw(random);
  return describeSorted(sorted, quantileOfSorted(sorted, 0.5), percentileInterval(medians));
}

/**
 * Summarizes a cell's samples with the turn as the independent unit: `median` is the median of the
 * per-turn medians, `medianCi95` its interval; `p50` is the 50th percentile of all samples, and the
 * other fields describe all samples. No resampling of samples, so it is fast for any n.
 */
export function summarizeTurns(
  samples: readonly number[],
  rounds: readonly number[],
  processes?: readonly number[],
  options: BootstrapOptions = {},
  scale: IntervalScale = 'log',
): TurnStats {
  assertFiniteSamples(samples, 'summarizeTurns');
  const estimate = unitsMedianCi(turnMedians(samples, rounds, processes), options, scale);
  return {
    ...describeSorted(sortedCopy(samples), estimate.median, estimate.ci95),
    turns: estimate.n,
    processes: estimate.processes,
    ciConfidence: estimate.confidence,
  };
}

/** Moments, percentiles and Tukey outlier counts of sorted samples, with the given median estimate. */
function describeSorted(sorted: Float64Array, medianEstimate: number, medianCi95: [number, number]): SampleStats {
  const n = sorted.length;
  // Two-pass mean/variance: exact enough for nanosecond timings with a large common offset.
  let sum = 0;
  for (const value of sorted) sum += value;
  const mean = sum / n;
  let squaredDeviations = 0;
  for (const value of sorted) squaredDeviations += (value - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(squaredDeviations / (n - 1)) : 0;
  const cv = sd === 0 ? 0 : sd / Math.abs(mean);

  const q1 = quantileOfSorted(sorted, 0.25);
  const p50 = quantileOfSorted(sorted, 0.5);
  const q3 = quantileOfSorted(sorted, 0.75);
  const iqr = q3 - q1;
  const lowFence = q1 - 1.5 * iqr;
  const highFence = q3 + 1.5 * iqr;
  let low = 0;
  let high = 0;
  for (const value of sorted) {
    if (value < lowFence) low++;
    else if (value > highFence) high++;
  }
  return {
    n,
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    mean,
    sd,
    cv,
    q1,
    median: medianEstimate,
    q3,
    iqr,
    p50,
    p90: quantileOfSorted(sorted, 0.9),
    p99: quantileOfSorted(sorted, 0.99),
    p999: quantileOfSorted(sorted, 0.999),
    medianCi95,
    outliers: { low, high },
  };
}

/*
 * Turn-level inference. Successive samples of one process are autocorrelated (code layout, caches,
 * frequency, the host's other work drift slowly), so a bootstrap over samples gives intervals that
 * two identical runs fall outside. The independent unit is the *turn*: one cell's batch of samples
 * in one round (of one process). Rounds are interleaved across bindings, so a binding and the floor
 * measured in the same round form a pair.
 */

/** One turn: its process (0 unless `run --processes`), its round and the median of its samples. */
export interface TurnUnit {
  process: number;
  round: number;
  median: number;
}

/** A location estimate with its confidence interval over independent units. */
export interface UnitEstimate {
  /** Median of the units. */
  median: number;
  /** Confidence interval of that median, [low, high]. */
  ci95: [number, number];
  /** Its actual coverage: 0.95 or more, lower only when there are too few units for 95 %. */
  confidence: number;
  /** Units (turns, or paired turns) it rests on. */
  n: number;
  /** Processes the units came from. */
  processes: number;
}

/** Per-turn medians of samples tagged with their round (and process), in run order. */
export function turnMedians(
  samples: readonly number[],
  rounds: readonly number[],
  processes?: readonly number[],
): TurnUnit[] {
  if (rounds.length !== samples.length || (processes && processes.length !== samples.length)) {
    throw new Error(
      `turnMedians: ${samples.length} samples but ${rounds.length} rounds${processes ? ` and ${processes.length} processes` : ''}`,
    );
  }
  const units: TurnUnit[] = [];
  let start = 0;
  while (start < samples.length) {
    const process = processes?.[start] ?? 0;
    const round = rounds[start] ?? 0;
    let end = start + 1;
    while (end < samples.length && rounds[end] === round && (processes?.[end] ?? 0) === process) end++;
    units.push({ process, round, median: median(samples.slice(start, end)) });
    start = end;
  }
  return units;
}

/** log of the binomial coefficient times 0.5^n: P(X = k) for X ~ Binomial(n, 1/2). */
function binomialHalfPmf(n: number, k: number): number {
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log(n - k + i) - Math.log(i);
  return Math.exp(logC - n * Math.LN2);
}

/**
 * Distribution-free interval for the median of n independent values: [x(k), x(n+1-k)] with the
 * largest k whose coverage 1 - 2 P(X < k), X ~ Binomial(n, 1/2), is still >= 95 %. Below n = 6 no
 * such k exists: the interval is then [min, max] and its (lower) coverage is returned.
 */
export function orderStatisticInterval(values: readonly number[]): { ci95: [number, number]; confidence: number } {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  let k = 1;
  let below = binomialHalfPmf(n, 0); // P(X < k) for k = 1
  for (;;) {
    const next = below + binomialHalfPmf(n, k);
    if (1 - 2 * next < 0.95 || k + 1 > (n + 1) / 2) break;
    below = next;
    k++;
  }
  return {
    ci95: [sorted[k - 1] ?? Number.NaN, sorted[n - k] ?? Number.NaN],
    confidence: Math.max(0, 1 - 2 * below),
  };
}

function groupByProcess<T extends { process: number }>(units: readonly T[]): T[][] {
  const groups = new Map<number, T[]>();
  for (const unit of units) {
    const group = groups.get(unit.process);
    if (group) group.push(unit);
    else groups.set(unit.process, [unit]);
  }
  return [...groups.values()];
}

/** One two-level bootstrap draw: processes with replacement, then each one's values with replacement. */
function drawHierarchical(groups: readonly Float64Array[], random: Mulberry32, out: number[]): void {
  out.length = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[Math.floor(random.next() * groups.length)] as Float64Array;
    for (let i = 0; i < group.length; i++) out.push(group[Math.floor(random.next() * group.length)] as number);
  }
}

function medianOfArray(values: ArrayLike<number>): number {
  return quantileOfSorted(Float64Array.from(values).sort(), 0.5);
}

/** How a process-level interval spreads around its estimate: in ratio (log) or in difference (linear). */
export type IntervalScale = 'log' | 'linear';

/** Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom; df may be fractional (Welch).
 * Table values (log t interpolated in 1/df) up to 30, a Cornish-Fisher expansion beyond (error < 1e-4).
 */
export function studentT975(df: number): number {
  if (!(df >= 1)) throw new Error(`studentT975: degrees of freedom must be >= 1, got ${df}`);
  if (df > 30) {
    const z = 1.959964;
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
  }
  const below = Math.floor(df);
  const above = Math.ceil(df);
  const tBelow = T975[below - 1] as number;
  if (below === above) return tBelow;
  const tAbove = T975[above - 1] as number;
  // log t is close to linear in 1/df (t itself is not: between 1 and 3 df it would overshoot by 15 %).
  const weight = (1 / df - 1 / above) / (1 / below - 1 / above);
  return Math.exp(Math.log(tAbove) + weight * (Math.log(tBelow) - Math.log(tAbove)));
}

/**
 * Mean of k values and the variance of that mean: the sample variance (k - 1 denominator) over k.
 * The per-process intervals here and compare's Welch test both rest on it.
 */
export function varianceOfMean(values: readonly number[]): { mean: number; varianceOfMean: number; k: number } {
  const k = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / k;
  const variance = k > 1 ? values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (k - 1) : 0;
  return { mean, varianceOfMean: variance / k, k };
}

/** The variance of the mean of the k per-process medians, on the given scale (undefined: log of a value <= 0). */
function processSpread(
  groups: readonly Float64Array[],
  scale: IntervalScale,
): { varianceOfMean: number; k: number } | undefined {
  const values = groups.map(medianOfArray);
  if (scale === 'log' && values.some((value) => !(value > 0))) return undefined;
  return varianceOfMean(scale === 'log' ? values.map(Math.log) : values);
}

/** `estimate` widened by `halfWidth` on the scale: ×/÷ e^h for log, ± h for linear. */
function spreadAround(estimate: number, halfWidth: number, scale: IntervalScale): [number, number] {
  return scale === 'log'
    ? [estimate * Math.exp(-halfWidth), estimate * Math.exp(halfWidth)]
    : [estimate - halfWidth, estimate + halfWidth];
}

function hull(a: readonly [number, number], b: readonly [number, number]): [number, number] {
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

/**
 * Median of independent values grouped by process, with its 95 % CI. From one process:
 * distribution-free order statistics. From several, the process is the independent unit (as in
 * pyperf): turns of one process share its code layout and the host's phase while it ran, so a
 * bootstrap over them (even two-level: 3 processes allow only 10 distinct draws) is too narrow.
 * The interval is then the estimate ± Student's t(k - 1) times the standard error of the k
 * per-process medians (on the log scale for `log`), and never narrower than the two-level
 * bootstrap over processes and values.
 */
export function groupedMedianCi(
  values: readonly { process: number; value: number }[],
  options: BootstrapOptions = {},
  scale: IntervalScale = 'log',
): UnitEstimate {
  const flat = values.map((unit) => unit.value);
  assertFiniteSamples(flat, 'groupedMedianCi');
  const groups = groupByProcess(values).map((group) => Float64Array.from(group, (unit) => unit.value));
  const estimate = median(flat);
  if (groups.length === 1) {
    const { ci95, confidence } = orderStatisticInterval(flat);
    return { median: estimate, ci95, confidence, n: flat.length, processes: 1 };
  }
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  checkResamples(resamples);
  const random = new Mulberry32(options.seed ?? DEFAULT_SEED);
  const draws = new Float64Array(resamples);
  const scratch: number[] = [];
  for (let r = 0; r < resamples; r++) {
    drawHierarchical(groups, random, scratch);
    draws[r] = medianOfArray(scratch);
  }
  let ci95 = percentileInterval(draws);
  const spread = processSpread(groups, scale);
  if (spread) {
    const halfWidth = studentT975(spread.k - 1) * Math.sqrt(spread.varianceOfMean);
    ci95 = hull(ci95, spreadAround(estimate, halfWidth, scale));
  }
  return { median: estimate, ci95, confidence: 0.95, n: flat.length, processes: groups.length };
}

/** Median of the turn medians with its 95 % CI (see groupedMedianCi). */
export function unitsMedianCi(
  units: readonly TurnUnit[],
  options: BootstrapOptions = {},
  scale: IntervalScale = 'log',
): UnitEstimate {
  return groupedMedianCi(
    units.map((unit) => ({ process: unit.process, value: unit.median })),
    options,
    scale,
  );
}

/** A relative and an absolute effect of b against a, each with its interval. */
export interface PairedEffect extends RatioCi {
  /** Pairs (or, unpaired, units of the smaller side) the intervals rest on. */
  n: number;
  /** Coverage of the intervals (0.95 unless there were too few units). */
  confidence: number;
}

/**
 * b relative to a when both were measured in the same rounds (a binding against the floor):
 * per pair of turns (same process and round) the ratio and the difference of their medians; the
 * estimate is the median over pairs, the interval is groupedMedianCi's. Turns without a partner
 * (a failed or interrupted turn) are left out.
 */
export function pairedRatioCi(
  a: readonly TurnUnit[],
  b: readonly TurnUnit[],
  options: BootstrapOptions = {},
): PairedEffect {
  const partner = new Map(a.map((unit) => [`${unit.process}/${unit.round}`, unit.median]));
  const ratios: { process: number; value: number }[] = [];
  const differences: { process: number; value: number }[] = [];
  for (const unit of b) {
    const base = partner.get(`${unit.process}/${unit.round}`);
    if (base === undefined || !(base > 0)) continue;
    ratios.push({ process: unit.process, value: unit.median / base });
    differences.push({ process: unit.process, value: unit.median - base });
  }
  if (ratios.length === 0) throw new Error('pairedRatioCi: no turn of b has a partner in a (same process and round)');
  const ratio = groupedMedianCi(ratios, options);
  const difference = groupedMedianCi(differences, options, 'linear');
  return {
    ratio: ratio.median,
    ratioCi95: ratio.ci95,
    difference: difference.median,
    differenceCi95: difference.ci95,
    n: ratio.n,
    confidence: Math.min(ratio.confidence, difference.confidence),
  };
}

/**
 * b relative to a for two separate runs (compare): median(b units) / median(a units) and
 * median(b) - median(a), with percentile intervals from bootstrapping each side's units
 * independently (two-level when a side has several processes). When a side comes from several
 * processes, each interval is also never narrower than Welch's: the estimate ± t(Welch df) times
 * the standard error of the difference of the per-process medians' means (log scale for the
 * ratio), so process-to-process variation counts as it does within a run (see groupedMedianCi).
 */
export function unpairedRatioCi(
  a: readonly TurnUnit[],
  b: readonly TurnUnit[],
  options: BootstrapOptions = {},
): PairedEffect {
  const valuesA = a.map((unit) => unit.median);
  const valuesB = b.map((unit) => unit.median);
  assertFiniteSamples(valuesA, 'unpairedRatioCi(a)');
  assertFiniteSamples(valuesB, 'unpairedRatioCi(b)');
  const medianA = median(valuesA);
  const medianB = median(valuesB);
  if (!(medianA > 0)) throw new Error(`unpairedRatioCi: median(a) must be positive to form a ratio, got ${medianA}`);
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  checkResamples(resamples);
  const groupsA = groupByProcess(a).map((group) => Float64Array.from(group, (unit) => unit.median));
  const groupsB = groupByProcess(b).map((group) => Float64Array.from(group, (unit) => unit.median));
  const random = new Mulberry32(options.seed ?? DEFAULT_SEED);
  const ratios = new Float64Array(resamples);
  const differences = new Float64Array(resamples);
  const scratch: number[] = [];
  for (let r = 0; r < resamples; r++) {
    drawHierarchical(groupsA, random, scratch);
    const drawnA = medianOfArray(scratch);
    drawHierarchical(groupsB, random, scratch);
    const drawnB = medianOfArray(scratch);
    ratios[r] = drawnB / drawnA;
    differences[r] = drawnB - drawnA;
  }
  const ratio = medianB / medianA;
  const difference = medianB - medianA;
  let ratioCi95 = percentileInterval(ratios);
  let differenceCi95 = percentileInterval(differences);
  if (groupsA.length > 1 || groupsB.length > 1) {
    const welchRatio = welchHalfWidth(groupsA, groupsB, 'log');
    if (welchRatio !== undefined) ratioCi95 = hull(ratioCi95, spreadAround(ratio, welchRatio, 'log'));
    const welchDifference = welchHalfWidth(groupsA, groupsB, 'linear');
    if (welchDifference !== undefined)
      differenceCi95 = hull(differenceCi95, spreadAround(difference, welchDifference, 'linear'));
  }
  // A percentile interval can miss its own estimate when the draws are lopsided; the estimate is
  // always inside (calibrate's thresholds rely on it).
  ratioCi95 = hull(ratioCi95, [ratio, ratio]);
  differenceCi95 = hull(differenceCi95, [difference, difference]);
  return {
    ratio,
    ratioCi95,
    difference,
    differenceCi95,
    n: Math.min(a.length, b.length),
    confidence: 0.95,
  };
}

/**
 * Welch's t(df) times the standard error of the difference of two sides' per-process means. A side
 * from one process has no process-to-process variance of its own to offer: the other side's alone
 * then gives the width (t with its k - 1 df), a lower bound that compare warns about.
 */
function welchHalfWidth(
  groupsA: readonly Float64Array[],
  groupsB: readonly Float64Array[],
  scale: IntervalScale,
): number | undefined {
  const spreadA = groupsA.length > 1 ? processSpread(groupsA, scale) : undefined;
  const spreadB = groupsB.length > 1 ? processSpread(groupsB, scale) : undefined;
  const one = spreadA ?? spreadB;
  if (!one) return undefined;
  if (!spreadA || !spreadB) return studentT975(one.k - 1) * Math.sqrt(one.varianceOfMean);
  const varianceA = spreadA.varianceOfMean;
  const varianceB = spreadB.varianceOfMean;
  const standardError = Math.sqrt(varianceA + varianceB);
  if (standardError === 0) return 0;
  const df = (varianceA + varianceB) ** 2 / (varianceA ** 2 / (spreadA.k - 1) + varianceB ** 2 / (spreadB.k - 1));
  return studentT975(Math.max(1, df)) * standardError;
}
