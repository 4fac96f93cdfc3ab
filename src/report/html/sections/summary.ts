/**
 * The summary table: one row per workload × binding with the numbers a reader quotes (median and
 * its CI, tail percentiles, noise, overhead against the floor) and whether KVM's own exit counters
 * agree with the harness. Failed cells keep their row and show the error instead.
 */

import {
  formatInteger,
  formatNs,
  formatNsInterval,
  formatNsSigned,
  formatPercent,
  formatRatio,
  formatRatioInterval,
} from '../../../format/units.js';
import {
  type ExitCountCheck,
  hasStatistics,
  type Measurement,
  type Results,
  type WorkloadInfo,
} from '../../../results/types.js';
import { html, type SafeHtml } from '../escape.js';
import { anchorId, cellsOf, floorBinding, workloadOrder } from '../model.js';
import type { Palette } from '../palette.js';
import { bindingName, section } from './layout.js';

/** A CV above this marks a cell as noisy in the table. */
const NOISY_CV = 0.05;

/** Which optional columns have a value in some row: a column empty in every row is left out. */
interface Columns {
  cycles: boolean;
  overhead: boolean;
  exitCount: boolean;
}

function columnsOf(results: Results): Columns {
  const measured = results.measurements.filter(hasStatistics);
  return {
    cycles: measured.some((cell) => cell.medianCycles !== undefined),
    overhead: measured.some((cell) => cell.overheadVsFloor !== undefined),
    exitCount: measured.some((cell) => cell.exitCountCheck !== undefined),
  };
}

function columnTitles(columns: Columns, floor: string): string[] {
  return [
    'workload',
    'binding',
    'status',
    'n',
    'median · 95 % CI',
    ...(columns.cycles ? ['cycles'] : []),
    'p90',
    'p99',
    'min',
    'CV',
    'outliers lo / hi',
    ...(columns.overhead ? [`× ${floor}`, `Δ ${floor}`] : []),
    ...(columns.exitCount ? ['exit count'] : []),
  ];
}

function exitCheckCell(check: ExitCountCheck | undefined): SafeHtml {
  if (!check) return html`<td class="muted">—</td>`;
  const counts =
    check.expected !== undefined && check.observed !== undefined
      ? ` ${check.counter ?? 'exits'}: expected ${check.expected}, observed ${check.observed}`
      : '';
  const tooltip = `${check.detail}${counts}`;
  if (check.source === 'unavailable' || check.matched === undefined) {
    return html`<td class="muted" title="${tooltip}">unavailable</td>`;
  }
  if (check.matched) return html`<td class="check-ok" title="${tooltip}">matched ✓</td>`;
  const difference =
    check.expected !== undefined && check.observed !== undefined
      ? `${check.counter ?? 'exits'} ${check.observed >= check.expected ? '+' : '−'}${Math.abs(check.observed - check.expected)}`
      : check.detail;
  return html`<td class="check-bad" title="${tooltip}">mismatch ✗<span class="sub">${difference}</span></td>`;
}

function overheadCells(cell: Measurement, floor: string): SafeHtml {
  if (cell.binding === floor) return html`<td class="muted" colspan="2">floor</td>`;
  const overhead = cell.overheadVsFloor;
  if (!overhead) return html`<td class="muted">—</td><td class="muted">—</td>`;
  const [ratioLow, ratioHigh] = overhead.ratioCi95;
  const [differenceLow, differenceHigh] = overhead.differenceCi95;
  return html`<td class="num">${formatRatio(overhead.ratio)}<span class="sub">${formatRatioInterval(ratioLow, ratioHigh)}</span></td><td class="num">${formatNsSigned(overhead.differenceNs)}<span class="sub">${formatNsInterval(differenceLow, differenceHigh, { signed: true })}</span></td>`;
}

function measuredCells(cell: Measurement, columns: Columns, floor: string): SafeHtml {
  const stats = cell.stats;
  if (!hasStatistics(cell) || !stats) {
    const error = cell.error ?? (cell.status === 'ok' ? 'no statistics recorded' : `${cell.status} without a reason`);
    // The error spans every column after workload, binding and status.
    const span = columnTitles(columns, floor).length - 3;
    return html`<td class="error" colspan="${span}">${error}</td>`;
  }
  const [low, high] = stats.medianCi95;
  const cycles = cell.medianCycles === undefined ? '—' : formatInteger(cell.medianCycles);
  const noisy = stats.cv > NOISY_CV;
  return html`<td class="num">${formatInteger(stats.n)}</td><td class="num median">${formatNs(stats.median)}<span class="sub">${formatNsInterval(low, high)}</span></td>${columns.cycles ? html`<td class="num">${cycles}</td>` : ''}<td class="num">${formatNs(stats.p90)}</td><td class="num">${formatNs(stats.p99)}</td><td class="num">${formatNs(stats.min)}</td><td class="num${noisy ? ' noisy' : ''}"${noisy ? html` title="CV above ${formatPercent(NOISY_CV, 0)}: noisy"` : ''}>${formatPercent(stats.cv, 2)}</td><td class="num">${stats.outliers.low} / ${stats.outliers.high}</td>${columns.overhead ? overheadCells(cell, floor) : ''}`;
}

function workloadHeading(name: string, info: WorkloadInfo | undefined): SafeHtml {
  const detail = info
    ? `${info.kind} · ${info.userspaceExitsPerIteration} exit${info.userspaceExitsPerIteration === 1 ? '' : 's'}/iteration`
    : '';
  return html`<a href="#${anchorId('workload', name)}">${name}</a><span class="sub wrap">${detail}</span>`;
}

function workloadRows(results: Results, workload: string, palette: Palette, columns: Columns): SafeHtml[] {
  const floor = floorBinding(results);
  const cells = cellsOf(results, workload);
  const info = results.workloads.find((candidate) => candidate.name === workload);
  return cells.map((cell, index) => {
    const heading =
      index === 0 ? html`<th scope="rowgroup" rowspan="${cells.length}">${workloadHeading(workload, info)}</th>` : '';
    const statusCell = html`<td><span class="status status-${cell.status}">${cell.status}</span></td>`;
    const exitCell = hasStatistics(cell) && columns.exitCount ? exitCheckCell(cell.exitCountCheck) : html``;
    return html`<tr class="row-${cell.status}">${heading}<td>${bindingName(cell.binding, palette(cell.binding))}</td>${statusCell}${measuredCells(cell, columns, floor)}${exitCell}</tr>`;
  });
}

export function summarySection(results: Results, palette: Palette): SafeHtml {
  const columns = columnsOf(results);
  const floor = floorBinding(results);
  const groups = workloadOrder(results)
    .map((workload) => workloadRows(results, workload, palette, columns))
    .filter((rows) => rows.length > 0)
    .map((rows) => html`<tbody>${rows}</tbody>`);
  const head = html`<thead><tr>${columnTitles(columns, floor).map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>`;
  const intro = [
    'Times are per iteration (one round trip or one lifecycle)',
    columns.cycles ? '; cycles are the median in TSC cycles' : '',
    `. Grey lines under a value are its 95 % confidence interval: ${intervalBasis(results)}.`,
    columns.overhead ? ` × and Δ compare the median with ${floor}'s (ratio and difference).` : '',
    " Outliers are Tukey's (beyond 1.5 IQR), counted, never removed.",
    columns.exitCount ? " The exit count is checked against KVM's own statistics." : '',
  ].join('');
  return section(
    'summary',
    'Summary',
    intro,
    html`<div class="table-scroll"><table class="summary">${head}${groups}</table></div>`,
  );
}

/** What the intervals rest on: the processes of a default run, or the turns of one process. */
function intervalBasis(results: Results): string {
  const processes = Math.max(1, ...results.measurements.map((m) => m.stats?.processes ?? 1));
  return processes > 1
    ? `Student's t over the ${processes} processes the run measured in, each process one independent unit`
    : 'over the turns of one process, so they hold none of the variation from one process to the next (a default run measures in several)';
}
