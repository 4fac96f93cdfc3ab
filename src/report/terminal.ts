/** The summary table printed at the end of `kvmbench run`, and with --trace ftrace where the time went. */

import { formatChange, formatNs, formatNsInterval, formatNsSigned, formatPercent, MISSING } from '../format/units.js';
import { hasStatistics, type Measurement, type Results } from '../results/types.js';

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
      hasRuns ? formatNs(split.inKvmRunNs) : MISSING,
      hasRuns ? formatNs(split.userspaceTurnaroundNs) : MISSING,
      ...(withGuest ? [hasRuns ? formatNs(split.inGuestNs) : MISSING] : []),
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

const turnRange = (turns: number[]) =>
  Math.min(...turns) === Math.max(...turns) ? String(turns[0]) : `${Math.min(...turns)}-${Math.max(...turns)}`;

/** One line on how samples were sized and what the harness itself costs in them. */
function harnessLine(results: Results): string[] {
  const harness = results.harness;
  if (!harness) return [];
  const shares = results.measurements.map((m) => m.calibration?.harnessShare).filter((x) => x !== undefined);
  const turns = results.measurements.map((m) => m.stats?.turns).filter((x) => x !== undefined);
  return [
    '',
    `Samples last >= ${formatNs(harness.targetSampleNs)} on every binding (iterations per sample the same for all ` +
      `bindings of a workload); the harness costs <= ${formatPercent(Math.max(0, ...shares), 3)} of a sample ` +
      `(timer ${formatNs(harness.timerNs)}). Intervals: 95 % over ${turnRange(turns)} turns per cell.`,
  ];
}

export function terminalTable(results: Results): string {
  const floor = results.floor ?? 'c-loop';
  const emulated = results.measurements.some((m) => (m.emulatedInstructionsPerIteration ?? 0) > 0);
  const header = [
    'workload',
    'binding',
    'median',
    '95 % CI',
    'p99',
    'CV',
    `vs ${floor}`,
    `Δ vs ${floor} (95 % CI)`,
    ...(emulated ? ['emulated/it'] : []),
    'exits',
  ];
  const rows = results.measurements.map((m) => {
    const s = m.stats;
    if (!hasStatistics(m) || !s) return [m.workload, m.binding, m.status.toUpperCase()];
    const check = m.exitCountCheck;
    const overhead = m.overheadVsFloor;
    return [
      m.workload,
      m.binding,
      formatNs(s.median),
      formatNsInterval(s.medianCi95[0], s.medianCi95[1]),
      formatNs(s.p99),
      formatPercent(s.cv),
      overhead ? formatChange(overhead.ratio) : m.binding === floor ? 'floor' : MISSING,
      overhead
        ? `${formatNsSigned(overhead.differenceNs)} (${formatNsInterval(overhead.differenceCi95[0], overhead.differenceCi95[1], { signed: true })})`
        : '',
      ...(emulated
        ? [m.emulatedInstructionsPerIteration === undefined ? '' : m.emulatedInstructionsPerIteration.toFixed(1)]
        : []),
      m.status === 'suspect' ? 'SUSPECT' : check?.matched === true ? 'ok' : check ? 'n/a' : '',
    ];
  });
  const out = [...table(header, rows), ...harnessLine(results), ...traceSplitTable(results.measurements)];
  for (const m of results.measurements) {
    if (m.status === 'failed' || m.status === 'suspect')
      out.push(`\n${m.workload} / ${m.binding} ${m.status}: ${m.error}`);
  }
  return `${out.join('\n')}\n`;
}
