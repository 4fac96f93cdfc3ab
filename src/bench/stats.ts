/**
 * Descriptive statistics and bootstrap confidence intervals for benchmark samples.
 * Pure functions, no I/O. All values keep the unit of the input (nanoseconds in kvmbench).
 */

/** Summary of one set of samples; every value is in the unit of the input. */
export interface SampleStats {
  /** Number of samples. */
  n: number;
  /** Smallest sample. */
  min: number;
  /** Largest sample. */
  max: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (n - 1 denominator); 0 when n = 1. */
  sd: number;
  /** Coefficient of variation sd / |mean| (unitless); 0 when sd = 0. */
  cv: number;
  /** First quartile (25th percentile). */
  q1: number;
  /** Median (50th percentile). */
  median: number;
  /** Third quartile (75th percentile). */
  q3: number;
  /** Interquartile range q3 - q1. */
  iqr: number;
  /** 50th percentile; equal to `median`, kept so percentile tables read uniformly. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** 99.9th percentile. */
  p999: number;
  /** Bootstrap 95 % percentile confidence interval of the median, [low, high]. */
  medianCi95: [number, number];
  /** Tukey outliers (beyond 1.5 IQR from the quartiles); counted, never removed. */
  outliers: {
    /** Samples below q1 - 1.5 * iqr. */
    low: number;
    /** Samples above q3 + 1.5 * iqr. */
    high: number;
  };
}

/** Bootstrap settings shared by `summarize` and `ratioCi`. */
export interface BootstrapOptions {
  /** Number of bootstrap resamples; default 2000. */
  bootstrapResamples?: number;
  /** PRNG seed so that intervals are reproducible; default DEFAULT_SEED. */
  seed?: number;
}

/** Bootstrap comparison of two sample sets: b relative to a (e.g. a = C loop, b = a binding). */
export interface RatioCi {
  /** median(b) / median(a). */
  ratio: number;
  /** Bootstrap 95 % percentile confidence interval of the ratio. */
  ratioCi95: [number, number];
  /** median(b) - median(a), in the unit of the input. */
  difference: number;
  /** Bootstrap 95 % percentile confidence interval of the difference. */
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
  const medianValue = quantileOfSorted(sorted, 0.5);
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

  const random = new Mulberry32(options.seed ?? DEFAULT_SEED);
  const bootstrap = new BootstrapMedian(sorted);
  const medians = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) medians[r] = bootstrap.draw(random);

  return {
    n,
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
    mean,
    sd,
    cv,
    q1,
    median: medianValue,
    q3,
    iqr,
    p50: medianValue,
    p90: quantileOfSorted(sorted, 0.9),
    p99: quantileOfSorted(sorted, 0.99),
    p999: quantileOfSorted(sorted, 0.999),
    medianCi95: percentileInterval(medians),
    outliers: { low, high },
  };
}

/**
 * Bootstrap 95 % intervals of median(b) / median(a) and median(b) - median(a), each group
 * resampled independently and both statistics taken from the same resamples.
 * Used for overhead against the C loop (a = C loop, b = binding) and run-to-run comparison.
 * Requires median(a) > 0; a resample whose median of a is 0 yields an infinite ratio.
 */
export function ratioCi(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): RatioCi {
  assertFiniteSamples(a, 'ratioCi(a)');
  assertFiniteSamples(b, 'ratioCi(b)');
  const resamples = options.bootstrapResamples ?? DEFAULT_BOOTSTRAP_RESAMPLES;
  checkResamples(resamples);
  const sortedA = sortedCopy(a);
  const sortedB = sortedCopy(b);
  const medianA = quantileOfSorted(sortedA, 0.5);
  const medianB = quantileOfSorted(sortedB, 0.5);
  if (!(medianA > 0)) {
    throw new Error(`ratioCi: median(a) must be positive to form a ratio, got ${medianA}`);
  }

  const random = new Mulberry32(options.seed ?? DEFAULT_SEED);
  const bootstrapA = new BootstrapMedian(sortedA);
  const bootstrapB = new BootstrapMedian(sortedB);
  const ratios = new Float64Array(resamples);
  const differences = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const resampledA = bootstrapA.draw(random);
    const resampledB = bootstrapB.draw(random);
    ratios[r] = resampledB / resampledA;
    differences[r] = resampledB - resampledA;
  }

  return {
    ratio: medianB / medianA,
    ratioCi95: percentileInterval(ratios),
    difference: medianB - medianA,
    differenceCi95: percentileInterval(differences),
  };
}
