/** Human-readable numbers shared by the terminal table and the text reports. */
export function formatNs(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return '-';
  const abs = Math.abs(ns);
  const [value, unit] =
    abs >= 1e9 ? [ns / 1e9, 's'] : abs >= 1e6 ? [ns / 1e6, 'ms'] : abs >= 1e3 ? [ns / 1e3, 'µs'] : [ns, 'ns'];
  return `${value.toPrecision(3)} ${unit}`;
}

export const formatPercent = (fraction: number | undefined) =>
  fraction === undefined || !Number.isFinite(fraction) ? '-' : `${(fraction * 100).toFixed(1)} %`;

export function formatRatio(ratio: number | undefined, ci?: [number, number]): string {
  if (ratio === undefined) return '-';
  const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
  return ci ? `${pct(ratio)} [${pct(ci[0])}, ${pct(ci[1])}]` : pct(ratio);
}
