/** The summary table printed at the end of `kvmbench run`, and with --trace ftrace where the time went. */

import { colourFor } from '../format/colour.js';
import { type FittedTable, numbersAfter, renderTable } from '../format/table.js';
import { formatChange, formatNs, formatNsInterval, formatNsSigned, formatPercent, MISSING } from '../format/units.js';
import { terminalWidth, wrapText } from '../format/wrap.js';
import { isFloorRow } from '../results/rows.js';
import { hasStatistics, type Measurement, type Results } from '../results/types.js';
import { guestClockLines } from './guest-clock.js';
import { type MatrixCell, OWN_FFI_COLUMN, runtimeMatrices, type WorkloadMatrix } from './runtime-matrix.js';
import { vcpuThreadingLines } from './vcpu-threading.js';
import { vmmDesignLines } from './vmm-design.js';

/** The secondary tables, at most `width` wide (src/format/table.ts). */
const tableOf =
  (width: number): FittedTable =>
  (header, rows, layout) =>
    renderTable(header, rows, { width, ...layout });

/** "5.10–5.40 µs": a cell's range over its traced batches. */
const range = (spread: [number, number] | undefined) => (spread ? formatNsInterval(spread[0], spread[1]) : MISSING);

/**
 * With --trace ftrace: per traced cell, the median over its traced batches of the time inside
 * KVM_RUN and the userspace turnaround between two KVM_RUNs (the binding's cost), with their range
 * over the batches, the guest's share where kvm_entry / kvm_exit fire, what tracing costs per round
 * trip, and the estimated part of the turnaround that is the tracepoints' own work.
 */
function traceSplitTable(measurements: Measurement[], table: FittedTable): string[] {
  const cells = measurements.filter((m) => m.trace?.split !== undefined);
  if (cells.length === 0) return [];
  const withGuest = cells.some((m) => m.trace?.split?.inGuestNs !== undefined);
  const header = [
    'workload',
    'binding',
    'in KVM_RUN',
    'range',
    'turnaround',
    'range',
    ...(withGuest ? ['guest'] : []),
    'tracing cost',
    'tracepoints (est.)',
    'turnaround w/o (est.)',
    'checks',
  ];
  const rows = cells.map((m) => {
    const trace = m.trace;
    const split = trace?.split;
    // The null-ioctl baseline never calls KVM_RUN: there is nothing to split.
    const hasRuns = split !== undefined && split.runs > 0;
    const cost = trace?.tracingCost;
    const share = cost?.tracepointShare;
    const checks = [
      trace?.disagreement ? `batches ${trace.disagreement.batches.map((i) => i + 1).join(',')} disagree` : '',
      trace?.sumCheck && !trace.sumCheck.passed ? `sum ${formatPercent(trace.sumCheck.deviation)}` : '',
      split?.disturbedRoundTrips ? `${split.disturbedRoundTrips} disturbed` : '',
    ].filter((text) => text !== '');
    return [
      m.workload,
      m.binding,
      hasRuns ? formatNs(split.inKvmRunNs) : MISSING,
      hasRuns ? range(trace?.spread?.inKvmRunNs) : MISSING,
      hasRuns ? formatNs(split.userspaceTurnaroundNs) : MISSING,
      hasRuns ? range(trace?.spread?.userspaceTurnaroundNs) : MISSING,
      ...(withGuest ? [hasRuns ? formatNs(split.inGuestNs) : MISSING] : []),
      cost ? formatNs(cost.costNs) : MISSING,
      share ? formatNs(share.turnaroundShareNs) : MISSING,
      share ? formatNs(share.turnaroundWithoutNs) : MISSING,
      checks.length ? checks.join('; ') : hasRuns && trace?.sumCheck ? 'ok' : '',
    ];
  });
  const unsplit = cells.some((m) => (m.trace?.split?.runs ?? 0) > 0 && m.trace?.split?.inGuestNs === undefined);
  const batches = Math.max(...cells.map((m) => m.trace?.batches?.length ?? 1));
  const processes = new Set(cells.flatMap((m) => (m.trace?.batches ?? []).map((b) => b.process ?? 0))).size;
  const notes = [
    "in KVM_RUN = kernel + guest (+ PVM world switch); turnaround = the binding's cost between two KVM_RUNs.",
    `Median over ${batches} traced batch(es) per cell${processes > 1 ? ` from ${processes} processes` : ''}, range = min – max over them; round trips over 3x the median one (preempted, interrupted) are left out and counted as disturbed.`,
    "tracing cost = traced round trip - untraced median. tracepoints (est.) = the part of the turnaround that is the tracepoints' own work, an estimate from immediate-exit loops traced and untraced (their median cost per recorded event, for the one event recorded inside the turnaround).",
    ...(unsplit ? ['No guest/kernel split: this host does not fire kvm:kvm_exit / kvm:kvm_entry (e.g. PVM).'] : []),
  ];
  return [
    '',
    'Where the time goes (--trace ftrace, mean per round trip, median over the traced batches):',
    ...table(header, rows, traceSplitLayout(header)),
    ...notes,
  ];
}

/**
 * The trace table's numbers right-aligned (checks is text); on a narrow terminal the two ranges go
 * first, then the estimates, then the tracing cost.
 */
function traceSplitLayout(header: readonly string[]): Parameters<FittedTable>[2] {
  const last = header.length - 1;
  const estimates = ['turnaround w/o (est.)', 'tracepoints (est.)', 'tracing cost'].map((name) => header.indexOf(name));
  return {
    align: numbersAfter(2, header.length).map((side, i) => (i === last ? 'left' : side)),
    drop: [header.indexOf('range'), header.lastIndexOf('range'), ...estimates],
  };
}

const turnRange = (turns: number[]) =>
  Math.min(...turns) === Math.max(...turns) ? String(turns[0]) : `${Math.min(...turns)}-${Math.max(...turns)}`;

/** One line on how samples were sized and what the harness itself costs in them. */
function harnessLine(results: Results): string[] {
  const harness = results.harness;
  if (!harness) return [];
  const shares = results.measurements.map((m) => m.calibration?.harnessShare).filter((x) => x !== undefined);
  const turns = results.measurements.map((m) => m.stats?.turns).filter((x) => x !== undefined);
  const processes = Math.max(1, ...results.measurements.map((m) => m.stats?.processes ?? 1));
  const units =
    processes > 1
      ? `Student's t over ${processes} processes (${turnRange(turns)} turns per cell)`
      : `over ${turnRange(turns)} turns per cell of one process (they hold no process-to-process variation: ` +
        'a default run measures in several)';
  return [
    '',
    `Samples last >= ${formatNs(harness.targetSampleNs)} on every binding (iterations per sample the same for all ` +
      `bindings of a workload); the harness costs <= ${formatPercent(Math.max(0, ...shares), 3)} of a sample ` +
      `(timer ${formatNs(harness.timerNs)}). Intervals: 95 % ${units}.`,
  ];
}

/** A matrix cell: median and overhead over its runtime's floor ("268 µs +10.4%": five cells fit 80 columns). */
function matrixText(cell: MatrixCell | undefined, floor: string): string {
  if (!cell) return '';
  if (cell.median === undefined) return cell.status.toUpperCase();
  const change = cell.ratio === undefined ? MISSING : formatChange(cell.ratio).replace(' %', '%');
  return cell.binding === floor ? formatNs(cell.median) : `${formatNs(cell.median)} ${change}`;
}

/** Which binding the "own FFI" column holds in each runtime, once, under the matrices. */
function ownFfiLine(matrices: readonly WorkloadMatrix[]): string[] {
  const own = new Map<string, string>();
  for (const matrix of matrices) {
    for (const runtime of matrix.runtimes) {
      const cell = matrix.cells.get(runtime)?.get(OWN_FFI_COLUMN);
      if (cell) own.set(runtime, cell.binding);
    }
  }
  return own.size
    ? [`${OWN_FFI_COLUMN}: ${[...own].map(([runtime, binding]) => `${binding} in ${runtime}`).join(', ')}.`]
    : [];
}

/** --runtimes: per workload, runtimes down and bindings across, and the cheapest JS path. */
function runtimeMatrixLines(results: Results, table: FittedTable): string[] {
  const matrices = runtimeMatrices(results);
  if (matrices.length === 0) return [];
  const floor = results.floor ?? 'c-loop';
  const out = ['', `Runtime x binding: median per iteration, change over the ${floor} of the same runtime:`];
  for (const matrix of matrices) {
    out.push('', `${matrix.workload}:`);
    const rows = matrix.runtimes.map((runtime) => [
      runtime,
      ...matrix.columns.map((column) => matrixText(matrix.cells.get(runtime)?.get(column), floor)),
    ]);
    const header = ['runtime', ...matrix.columns];
    out.push(...table(header, rows, { align: numbersAfter(1, header.length) }));
    const best = matrix.cheapest;
    if (best?.median !== undefined) {
      out.push(
        `cheapest JS path: ${best.row} ${formatNs(best.median)}${best.ratio === undefined ? '' : ` (${formatChange(best.ratio)} over its ${floor})`}`,
      );
    }
  }
  return [...out, ...ownFfiLine(matrices)];
}

/** The run table's columns that go first when the terminal is narrow: p99, CV, emulated/it, the Δ interval. */
const RUN_DROP = (emulated: boolean) => (emulated ? [4, 5, 8, 7] : [4, 5, 7]);

export function terminalTable(results: Results, width = terminalWidth(), colour = colourFor()): string {
  const table = tableOf(width);
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
  // Peers run under a software emulator (run --peers without KVM) are labelled on every row.
  const emulatedPeers = new Set(results.bindings.filter((b) => b.emulated).map((b) => b.name));
  const label = (binding: string) => (emulatedPeers.has(binding) ? `${binding} (emulated)` : binding);
  const rows = results.measurements.map((m) => {
    const s = m.stats;
    if (!hasStatistics(m) || !s) return [m.workload, label(m.binding), m.status.toUpperCase()];
    const check = m.exitCountCheck;
    const overhead = m.overheadVsFloor;
    return [
      m.workload,
      label(m.binding),
      formatNs(s.median),
      formatNsInterval(s.medianCi95[0], s.medianCi95[1]),
      formatNs(s.p99),
      formatPercent(s.cv),
      overhead ? formatChange(overhead.ratio) : isFloorRow(m.binding, floor) ? 'floor' : MISSING,
      overhead
        ? `${formatNsSigned(overhead.differenceNs)} (${formatNsInterval(overhead.differenceCi95[0], overhead.differenceCi95[1], { signed: true })})`
        : '',
      ...(emulated
        ? [m.emulatedInstructionsPerIteration === undefined ? '' : m.emulatedInstructionsPerIteration.toFixed(1)]
        : []),
      m.status === 'suspect' ? 'SUSPECT' : check?.matched === true ? 'ok' : check ? 'n/a' : '',
    ];
  });
  const bad = (text: string) => (/^(FAILED|SUSPECT|SKIPPED)$/.test(text.trim()) ? colour('red', text) : text);
  const out = [
    ...renderTable(header, rows, {
      width,
      drop: RUN_DROP(emulated),
      style: (row, _column, text) => (row < 0 ? text : bad(text)),
    }),
    ...harnessLine(results).flatMap((line) => wrapText(line, width)),
    ...traceSplitTable(results.measurements, table),
    ...guestClockLines(results, table),
    ...vmmDesignLines(results, table),
    ...runtimeMatrixLines(results, table),
    ...vcpuThreadingLines(results, width),
  ];
  for (const m of results.measurements) {
    if (m.status === 'failed' || m.status === 'suspect') {
      out.push('', ...wrapText(`${colour('red', `${m.workload} / ${m.binding} ${m.status}`)}: ${m.error}`, width));
    }
  }
  // Prose (notes, sources, headings) wrapped to the width; table rows already fit.
  return `${out.flatMap((line) => (line.length > width ? wrapText(line, width) : [line])).join('\n')}\n`;
}
