/**
 * Numbers and units for every reader: the terminal tables, Markdown and the HTML report print a value
 * the same way. Deterministic (no locale), three significant digits. One spelling each: a missing
 * value is MISSING (—), a negative number takes a minus sign (−), a percentage a space before %
 * ("+1.4 %"), an interval an en dash ("7.00–7.04 µs", "−1.9 – +3.4 %").
 */

/** What every formatter prints for a value that is absent or not a finite number. */
export const MISSING = '—';
const MINUS = '−';
const finite = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

interface TimeUnit {
  label: string;
  /** Nanoseconds in one unit. */
  ns: number;
}

const TIME_UNITS: readonly TimeUnit[] = [
  { label: 'ns', ns: 1 },
  { label: 'µs', ns: 1e3 },
  { label: 'ms', ns: 1e6 },
  { label: 's', ns: 1e9 },
];

/** The largest unit in which `ns` is at least 1 (ns for anything smaller). */
export function timeUnitFor(ns: number): TimeUnit {
  const magnitude = Math.abs(ns);
  let chosen = TIME_UNITS[0] as TimeUnit;
  for (const unit of TIME_UNITS) if (magnitude >= unit.ns) chosen = unit;
  return chosen;
}

/** `significant` digits, without exponent notation: 7.0124 → "7.01", 99.96 → "100". */
function toSignificant(value: number, significant: number): string {
  // Round first so that 99.96 becomes "100", not "100.0".
  const rounded = Number(value.toPrecision(significant));
  if (rounded === 0) return '0';
  const digits = Math.max(0, significant - 1 - Math.floor(Math.log10(Math.abs(rounded))));
  return rounded.toFixed(digits);
}

function threeSignificant(value: number): string {
  return toSignificant(value, 3);
}

/** 7012.4 → "7.01 µs", 950 → "950 ns", 1.234e6 → "1.23 ms". */
export function formatNs(ns: number | undefined): string {
  if (!finite(ns)) return MISSING;
  let unit = timeUnitFor(ns);
  let text = threeSignificant(ns / unit.ns);
  // 999.6 ns rounds to "1000 ns": say "1.00 µs" instead.
  if (Math.abs(Number(text)) >= 1000 && unit !== TIME_UNITS[TIME_UNITS.length - 1]) {
    unit = TIME_UNITS[TIME_UNITS.indexOf(unit) + 1] as TimeUnit;
    text = threeSignificant(ns / unit.ns);
  }
  return `${text.replace('-', MINUS)} ${unit.label}`;
}

/**
 * A confidence interval in one unit: "7.00–7.04 µs". Three significant digits, or up to five when
 * fewer would print the same number twice (a tight interval around 1.01 ms reads "1.007–1.012 ms").
 * Signed intervals (differences) print both signs: "+98.0 – +131 ns".
 */
export function formatNsInterval(low: number, high: number, options: { signed?: boolean } = {}): string {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return MISSING;
  const unit = timeUnitFor(Math.max(Math.abs(low), Math.abs(high)));
  const sign = (value: number, text: string) =>
    (options.signed ? (value < 0 ? MINUS : '+') : value < 0 ? MINUS : '') + text;
  // Three significant digits, plus decimals until the interval's width shows (at most five digits).
  const largest = Math.max(Math.abs(low), Math.abs(high)) / unit.ns;
  const magnitude = largest > 0 ? Math.floor(Math.log10(largest)) : 0;
  const widthDecimals = high > low ? Math.ceil(-Math.log10((high - low) / unit.ns)) : 0;
  const decimals = Math.min(Math.max(0, 2 - magnitude, widthDecimals), Math.max(0, 4 - magnitude));
  const lowText = (Math.abs(low) / unit.ns).toFixed(decimals);
  const highText = (Math.abs(high) / unit.ns).toFixed(decimals);
  const separator = options.signed || low < 0 ? ' – ' : '–';
  return `${sign(low, lowText)}${separator}${sign(high, highText)} ${unit.label}`;
}

/** A ratio interval: "1.010–1.015×". */
export function formatRatioInterval(low: number, high: number): string {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return MISSING;
  const digits = high < 10 ? 3 : 1;
  return `${low.toFixed(digits)}–${high.toFixed(digits)}×`;
}

/** A difference: always signed, "+99.0 ns" / "−12.3 ns". */
export function formatNsSigned(ns: number): string {
  if (!Number.isFinite(ns)) return MISSING;
  const text = formatNs(Math.abs(ns));
  return ns < 0 ? `${MINUS}${text}` : `+${text}`;
}

/** A ratio with enough digits to tell 1.014 from 1.036: "1.014×". */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return MISSING;
  return `${ratio.toFixed(ratio < 10 ? 3 : 1)}×`;
}

/** 0.0123 → "1.2 %". */
export function formatPercent(fraction: number | undefined, digits = 1): string {
  if (!finite(fraction)) return MISSING;
  return `${(fraction * 100).toFixed(digits).replace('-', MINUS)} %`;
}

/** A ratio as a signed percentage without the unit: 1.0142 → "+1.4"; a change that rounds to 0 is "+0.0". */
function signedChange(ratio: number): string {
  const change = (ratio - 1) * 100;
  const text = Math.abs(change).toFixed(1);
  return `${change < 0 && Number(text) !== 0 ? MINUS : '+'}${text}`;
}

/** A ratio as a signed change: 1.0142 → "+1.4 %", 0.986 → "−1.4 %". */
export function formatChange(ratio: number | undefined): string {
  if (!finite(ratio)) return MISSING;
  return `${signedChange(ratio)} %`;
}

/** A ratio interval as signed changes: [0.981, 1.034] → "−1.9 – +3.4 %". */
export function formatChangeInterval(low: number, high: number): string {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return MISSING;
  return `${signedChange(low)} – ${signedChange(high)} %`;
}

/** A change with its interval: "+43.1 % (+41.1 – +45.5 %)". */
export function formatChangeWithInterval(ratio: number | undefined, interval?: readonly [number, number]): string {
  if (!finite(ratio)) return MISSING;
  return interval ? `${formatChange(ratio)} (${formatChangeInterval(interval[0], interval[1])})` : formatChange(ratio);
}

/** A p-value: "< 0.001", or three decimals. */
export function formatPValue(p: number | undefined): string {
  if (p === undefined) return MISSING;
  if (!Number.isFinite(p)) return MISSING;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** 191_234_816 → "182 MiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return MISSING;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let index = 0;
  while (Math.abs(value) >= 1024 && index < units.length - 1) {
    value /= 1024;
    index++;
  }
  return `${index === 0 ? String(value) : threeSignificant(value)} ${units[index]}`;
}

/** Wall-clock durations: "850 ms", "12.3 s", "4 min 12 s", "1 h 3 min". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${threeSignificant(seconds)} s`;
  const totalSeconds = Math.round(seconds);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min ${totalSeconds % 60} s`;
}

/** 2_100_000_000 → "2.10 GHz". */
export function formatHz(hz: number): string {
  if (!Number.isFinite(hz)) return MISSING;
  if (hz >= 1e9) return `${(hz / 1e9).toFixed(2)} GHz`;
  if (hz >= 1e6) return `${(hz / 1e6).toFixed(1)} MHz`;
  return `${Math.round(hz)} Hz`;
}

/** Integers with thin-space thousands separators: 14720 → "14 720" (no locale dependence). */
export function formatInteger(value: number): string {
  if (!Number.isFinite(value)) return MISSING;
  const sign = value < 0 ? MINUS : '';
  return sign + String(Math.round(Math.abs(value))).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** An ISO timestamp as "2026-11-25 14:03:12 UTC"; anything unparsable is shown as it came. */
export function formatTimestamp(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Booleans as words; undefined means the harness could not tell. */
export function formatYesNo(value: boolean | undefined): string {
  if (value === undefined) return 'unknown';
  return value ? 'yes' : 'no';
}
