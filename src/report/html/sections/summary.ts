/**
 * The summary table: one row per workload × binding with the numbers a reader quotes (median and
 * its CI, tail percentiles, noise, overhead against the floor) and whether KVM's own exit counters
 * agree with the harness. Failed cells keep their row and show the error instead.
 */
import type { ExitCountCheck, Measurement, Results, WorkloadInfo } from '../../../bench/results.js';
import { html, type SafeHtml } from '../escape.js';
import {
  formatInteger,
  formatNs,
  formatNsInterval,
  formatNsSigned,
  formatPercent,
  formatRatio,
  formatRatioInterval,
} from '../format.js';
import { anchorId, cellsOf, FLOOR_BINDING, workloadOrder } from '../model.js';
import type { Palette } from '../palette.js';
import { bindingName, section } from './layout.js';

/** A CV above this marks a cell as noisy in the table. */
const NOISY_CV = 0.05;
const COLUMNS = [
  'workload',
  'binding',
  'status',
  'n',
  'median · 95 % CI',
  'cycles',
  'p90',
  'p99',
  'min',
  'CV',
  'outliers lo / hi',
  `× ${FLOOR_BINDING}`,
  `Δ ${FLOOR_BINDING}`,
  'exit count',
] as const;
/** Columns after workload, binding and status: a failed cell's error spans them. */
const NUMBER_COLUMNS = COLUMNS.length - 3;

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

function overheadCells(cell: Measurement): SafeHtml {
  if (cell.binding === FLOOR_BINDING) return html`<td class="muted" colspan="2">floor</td>`;
  const overhead = cell.overheadVsFloor;
  if (!overhead) return html`<td class="muted">—</td><td class="muted">—</td>`;
  const [ratioLow, ratioHigh] = overhead.ratioCi95;
  const [differenceLow, differenceHigh] = overhead.differenceCi95;
  return html`<td class="num">${formatRatio(overhead.ratio)}<span class="sub">${formatRatioInterval(ratioLow, ratioHigh)}</span></td><td class="num">${formatNsSigned(overhead.differenceNs)}<span class="sub">${formatNsInterval(differenceLow, differenceHigh, { signed: true })}</span></td>`;
}

function measuredCells(cell: Measurement): SafeHtml {
  const stats = cell.stats;
  if (cell.status !== 'ok' || !stats) {
    const error = cell.error ?? (cell.status === 'ok' ? 'no statistics recorded' : `${cell.status} without a reason`);
    return html`<td class="error" colspan="${NUMBER_COLUMNS}">${error}</td>`;
  }
  const [low, high] = stats.medianCi95;
  const cycles = cell.medianCycles === undefined ? '—' : formatInteger(cell.medianCycles);
  const noisy = stats.cv > NOISY_CV;
  return html`<td class="num">${formatInteger(stats.n)}</td><td class="num median">${formatNs(stats.median)}<span class="sub">${formatNsInterval(low, high)}</span></td><td class="num">${cycles}</td><td class="num">${formatNs(stats.p90)}</td><td class="num">${formatNs(stats.p99)}</td><td class="num">${formatNs(stats.min)}</td><td class="num${noisy ? ' noisy' : ''}"${noisy ? html` title="CV above ${formatPercent(NOISY_CV, 0)}: noisy"` : ''}>${formatPercent(stats.cv, 2)}</td><td class="num">${stats.outliers.low} / ${stats.outliers.high}</td>${overheadCells(cell)}`;
}

function workloadHeading(name: string, info: WorkloadInfo | undefined): SafeHtml {
  const detail = info
    ? `${info.kind} · ${info.userspaceExitsPerIteration} exit${info.userspaceExitsPerIteration === 1 ? '' : 's'}/iteration`
    : '';
  return html`<a href="#${anchorId('workload', name)}">${name}</a><span class="sub wrap">${detail}</span>`;
}

function workloadRows(results: Results, workload: string, palette: Palette): SafeHtml[] {
  const cells = cellsOf(results, workload);
  const info = results.workloads.find((candidate) => candidate.name === workload);
  return cells.map((cell, index) => {
    const heading =
      index === 0 ? html`<th scope="rowgroup" rowspan="${cells.length}">${workloadHeading(workload, info)}</th>` : '';
    const statusCell = html`<td><span class="status status-${cell.status}">${cell.status}</span></td>`;
    const exitCell = cell.status === 'ok' ? exitCheckCell(cell.exitCountCheck) : html``;
    return html`<tr class="row-${cell.status}">${heading}<td>${bindingName(cell.binding, palette(cell.binding))}</td>${statusCell}${measuredCells(cell)}${exitCell}</tr>`;
  });
}

export function summarySection(results: Results, palette: Palette): SafeHtml {
  const groups = workloadOrder(results)
    .map((workload) => workloadRows(results, workload, palette))
    .filter((rows) => rows.length > 0)
    .map((rows) => html`<tbody>${rows}</tbody>`);
  const head = html`<thead><tr>${COLUMNS.map((column) => html`<th scope="col">${column}</th>`)}</tr></thead>`;
  const intro = `Times are per iteration (one round trip or one lifecycle); cycles are the median in TSC cycles. Grey lines under a value are its bootstrap 95 % confidence interval. × and Δ compare the median with ${FLOOR_BINDING}'s (ratio and difference). Outliers are Tukey's (beyond 1.5 IQR), counted, never removed. The exit count is checked against KVM's own statistics.`;
  return section(
    'summary',
    'Summary',
    intro,
    html`<div class="table-scroll"><table class="summary">${head}${groups}</table></div>`,
  );
}
