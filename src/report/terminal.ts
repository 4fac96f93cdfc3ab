/** The summary table printed at the end of `kvmbench run`. */
import type { Results } from '../bench/results.js';
import { formatNs, formatPercent, formatRatio } from './format.js';

export function terminalTable(results: Results): string {
  const header = ['workload', 'binding', 'median', '95% CI', 'p99', 'CV', 'vs c-loop', 'exits'];
  const rows = results.measurements.map((m) => {
    const s = m.stats;
    if (m.status !== 'ok' || !s) return [m.workload, m.binding, m.status.toUpperCase(), '', '', '', '', ''];
    const check = m.exitCountCheck;
    return [
      m.workload,
      m.binding,
      formatNs(s.median),
      `${formatNs(s.medianCi95[0])} – ${formatNs(s.medianCi95[1])}`,
      formatNs(s.p99),
      formatPercent(s.cv),
      m.overheadVsFloor
        ? formatRatio(m.overheadVsFloor.ratio, m.overheadVsFloor.ratioCi95)
        : m.binding === 'c-loop'
          ? 'floor'
          : '-',
      check?.matched === true ? 'ok' : check?.matched === false ? 'MISMATCH' : check ? 'n/a' : '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  const out = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const failures = results.measurements.filter((m) => m.status === 'failed');
  for (const m of failures) out.push(`\n${m.workload} / ${m.binding} failed: ${m.error}`);
  return `${out.join('\n')}\n`;
}
