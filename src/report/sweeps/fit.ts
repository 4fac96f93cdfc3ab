/**
 * How a cost grows with size: a straight line fitted to the points' medians, cost = fixed + slope
 * x units (units: 4 KiB pages, vCPUs or VMs), with 95 % intervals from a bootstrap over each
 * point's turns (the independent unit), and where the points depart from that line.
 *
 * The fit is weighted by 1 / median^2, i.e. it minimises relative residuals: sizes span four
 * orders of magnitude, and an unweighted fit would be the two largest points alone. The growth
 * exponent (slope of log cost on log size over the larger half of the points) says what the line
 * cannot: ~1 linear, below 1 fixed costs still dominate, above 1 faster than linear.
 */
import { DEFAULT_SEED, Mulberry32, median } from '../../stats/estimates.js';

export interface FitPoint {
  /** The growth unit at this point: pages, vCPUs or VMs. */
  units: number;
  /** The turn medians (ns) measured at this point. */
  turns: readonly number[];
}

export interface GrowthFit {
  /** ns per unit. */
  slope: number;
  slopeCi95: [number, number];
  /** ns at zero units: the fixed cost. */
  fixed: number;
  fixedCi95: [number, number];
  /** Slope of log(cost) on log(units) over the larger half of the points (at least two). */
  exponent: number;
  exponentCi95: [number, number];
  /** Points whose median lies more than DEPARTURE off the line, outside the bootstrap band of the line there. */
  departures: { units: number; ratio: number }[];
  points: number;
}

/** A point this far (relative) from the line, beyond its interval, departs from linear growth. */
export const DEPARTURE = 0.25;
const RESAMPLES = 1000;

function weightedLine(xs: readonly number[], ys: readonly number[]): { slope: number; fixed: number } {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    const w = 1 / Math.max(y * y, 1e-12);
    sw += w;
    sx += w * x;
    sy += w * y;
    sxx += w * x * x;
    sxy += w * x * y;
  }
  const denominator = sw * sxx - sx * sx;
  const slope = denominator === 0 ? 0 : (sw * sxy - sx * sy) / denominator;
  return { slope, fixed: (sy - slope * sx) / sw };
}

function logSlope(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map((y) => Math.log(Math.max(y, 1e-9)));
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += ((lx[i] as number) - mx) * ((ly[i] as number) - my);
    sxx += ((lx[i] as number) - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

function interval(values: Float64Array): [number, number] {
  values.sort();
  const at = (p: number) => values[Math.min(values.length - 1, Math.max(0, Math.round(p * (values.length - 1))))] ?? 0;
  return [at(0.025), at(0.975)];
}

/** The fit of one series, or undefined with fewer than two measured points. */
export function fitGrowth(points: readonly FitPoint[], seed = DEFAULT_SEED): GrowthFit | undefined {
  const usable = points.filter((point) => point.turns.length > 0).sort((a, b) => a.units - b.units);
  if (usable.length < 2) return undefined;
  const xs = usable.map((point) => point.units);
  const medians = usable.map((point) => median(point.turns));
  const upper = Math.min(Math.ceil(usable.length / 2), usable.length - 2);
  const line = weightedLine(xs, medians);
  const exponent = logSlope(xs.slice(upper), medians.slice(upper));

  const random = new Mulberry32(seed);
  const slopes = new Float64Array(RESAMPLES);
  const fixeds = new Float64Array(RESAMPLES);
  const exponents = new Float64Array(RESAMPLES);
  const bandLow = xs.map(() => new Float64Array(RESAMPLES));
  const drawn: number[] = [];
  for (let r = 0; r < RESAMPLES; r++) {
    const ys = usable.map((point) => {
      drawn.length = 0;
      for (let i = 0; i < point.turns.length; i++) {
        drawn.push(point.turns[Math.floor(random.next() * point.turns.length)] as number);
      }
      return median(drawn);
    });
    const fit = weightedLine(xs, ys);
    slopes[r] = fit.slope;
    fixeds[r] = fit.fixed;
    exponents[r] = logSlope(xs.slice(upper), ys.slice(upper));
    for (let i = 0; i < xs.length; i++)
      (bandLow[i] as Float64Array)[r] = (ys[i] as number) - (fit.fixed + fit.slope * (xs[i] as number));
  }
  const departures: { units: number; ratio: number }[] = [];
  for (let i = 0; i < xs.length; i++) {
    const predicted = line.fixed + line.slope * (xs[i] as number);
    const ratio = (medians[i] as number) / predicted;
    const [low, high] = interval(bandLow[i] as Float64Array);
    // The residual's bootstrap interval excludes 0 and the point is far off the line.
    if (predicted > 0 && Math.abs(ratio - 1) > DEPARTURE && (low > 0 || high < 0)) {
      departures.push({ units: xs[i] as number, ratio });
    }
  }
  return {
    slope: line.slope,
    slopeCi95: interval(slopes),
    fixed: line.fixed,
    fixedCi95: interval(fixeds),
    exponent,
    exponentCi95: interval(exponents),
    departures,
    points: usable.length,
  };
}
