/** Human-readable numbers shared by the terminal table and the text reports. */
/** Three significant digits: enough to see a 1 % change, few enough to read. */
function threeDigits(value: number): string {
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2);
}

/** Nanoseconds in the unit that keeps the number short: 812 ns, 1.23 µs, 45.6 ms ('-' when absent). */
export function formatNs(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return '-';
  // Switch units where rounding would print 1000: 999.7 µs reads better as 1.00 ms.
  const magnitude = Math.abs(ns);
  if (magnitude < 999.5) return `${threeDigits(ns)} ns`;
  if (magnitude < 999.5e3) return `${threeDigits(ns / 1e3)} µs`;
  if (magnitude < 999.5e6) return `${threeDigits(ns / 1e6)} ms`;
  return `${threeDigits(ns / 1e9)} s`;
}

export const formatPercent = (fraction: number | undefined) =>
  fraction === undefined || !Number.isFinite(fraction) ? '-' : `${(fraction * 100).toFixed(1)} %`;

export function formatRatio(ratio: number | undefined, ci?: [number, number]): string {
  if (ratio === undefined) return '-';
  const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  return ci ? `${pct(ratio)} [${pct(ci[0])}, ${pct(ci[1])}]` : pct(ratio);
}
