/** Linear scales with "nice" ticks (1, 2, 5 × 10^k), and tick labels in one unit per axis. */
import { timeUnitFor } from '../../format/units.js';

export interface LinearScale {
  domain: [number, number];
  /** Maps a domain value to a pixel coordinate (unclamped). */
  at(value: number): number;
  ticks: number[];
  /** Formats a tick value with the decimals the tick step needs. */
  format(value: number): string;
}

function niceStep(span: number, targetTicks: number): number {
  const rough = span / Math.max(1, targetTicks);
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * A scale over [min, max] widened to whole tick steps, mapped onto [start, end] pixels.
 * `divisor` turns domain values into the axis unit for labels (1000 for ns shown in µs).
 */
export function linearScale(
  min: number,
  max: number,
  start: number,
  end: number,
  options: { targetTicks?: number; divisor?: number; exact?: boolean } = {},
): LinearScale {
  // No finite data (every cell failed): draw an empty 0–1 axis rather than loop forever.
  let low = Number.isFinite(min) ? min : 0;
  let high = Number.isFinite(max) ? max : low + 1;
  if (!(high > low)) {
    // One value (or none): open a window around it so the mark sits mid-axis.
    const pad = Math.abs(low) > 0 ? Math.abs(low) * 0.05 : 1;
    low -= pad;
    high += pad;
  }
  const step = niceStep(high - low, options.targetTicks ?? 6);
  const firstTick = Math.ceil(low / step - 1e-9) * step;
  const lastTick = Math.floor(high / step + 1e-9) * step;
  // `exact` keeps the data's own extent (panels side by side); otherwise widen to whole steps.
  const domainLow = options.exact ? low : Math.floor(low / step + 1e-9) * step;
  const domainHigh = options.exact ? high : Math.ceil(high / step - 1e-9) * step;
  const ticks: number[] = [];
  const from = options.exact ? firstTick : domainLow;
  const to = options.exact ? lastTick : domainHigh;
  for (let tick = from; tick <= to + step * 1e-6; tick += step) ticks.push(Number(tick.toPrecision(12)));
  const divisor = options.divisor ?? 1;
  const decimals = decimalsFor(step / divisor);
  const span = domainHigh - domainLow;
  return {
    domain: [domainLow, domainHigh],
    at: (value) => start + ((value - domainLow) / span) * (end - start),
    ticks,
    format: (value) => (value / divisor).toFixed(decimals),
  };
}

/** A time axis in nanoseconds labelled in the unit that suits its largest value. */
export function timeScale(
  minNs: number,
  maxNs: number,
  start: number,
  end: number,
  targetTicks = 6,
): LinearScale & { unit: string } {
  const unit = timeUnitFor(Math.max(Math.abs(minNs), Math.abs(maxNs)));
  return { ...linearScale(minNs, maxNs, start, end, { targetTicks, divisor: unit.ns }), unit: unit.label };
}

/** Rounds a pixel coordinate to 0.1 px: enough precision, much smaller markup. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}
