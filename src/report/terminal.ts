/** The summary table printed at the end of `kvmbench run`, and with --trace ftrace where the time went. */
import type { Measurement, Results } from '../bench/results.js';
import { formatNs, formatPercent, formatRatio } from './format.js';
import { guestClockLines } from './guest-clock.js';

/** Columns padded to their widest cell, two spaces apart, with a dashed rule under the header. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/**
 * With --trace ftrace: per traced cell, the mean time inside KVM_RUN, the userspace turnaround
 * between two KVM_RUNs (the binding's cost), the guest's share where kvm_entry / kvm_exit fire,
 * and the harness's own time per iteration during the traced batch.
 */
function traceSplitTable(measurements: Measurement[]): string[] {
  const cells = measurements.filter((m) => m.trace?.split !== undefined);
  if (cells.length === 0) return [];
  const withGuest = cells.some((m) => m.trace?.split?.inGuestNs !== undefined);
  const header = ['workload', 'binding', 'in KVM_RUN', 'turnaround', ...(withGuest ? ['guest'] : []), 'traced loop'];
  const rows = cells.map((m) => {
    const split = m.trace?.split;
    // The null-ioctl baseline never calls KVM_RUN: there is nothing to split.
    const hasRuns = split !== undefined && split.runs > 0;
    return [
      m.workload,
      m.binding,
      hasRuns ? formatNs(split.inKvmRunNs) : '-',
      hasRuns ? formatNs(split.userspaceTurnaroundNs) : '-',
      ...(withGuest ? [hasRuns ? formatNs(split.inGuestNs) : '-'] : []),
      formatNs(m.trace?.tracedLoopNsPerIteration),
    ];
  });
  const unsplit = cells.some((m) => (m.trace?.split?.runs ?? 0) > 0 && m.trace?.split?.inGuestNs === undefined);
  const notes = [
    "in KVM_RUN = kernel + guest (+ PVM world switch); turnaround = the binding's cost between two KVM_RUNs.",
    ...(unsplit ? ['No guest/kernel split: this host does not fire kvm:kvm_exit / kvm:kvm_entry (e.g. PVM).'] : []),
  ];
  return [
    '',
    'Where the time goes (--trace ftrace, mean per round trip in the traced batch):',
    ...table(header, rows),
    ...notes,
  ];
}

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
  const out = [...table(header, rows), ...traceSplitTable(results.measurements), ...guestClockLines(results, table)];
  const failures = results.measurements.filter((m) => m.status === 'failed');
  for (const m of failures) out.push(`\n${m.workload} / ${m.binding} failed: ${m.error}`);
  return `${out.join('\n')}\n`;
}
