/**
 * "Change against baseline": this run beside an earlier one. The headline counts, the two runs
 * side by side, any host differences, every cell's change in median sorted by effect (regressions
 * first) and, per workload, both runs' sample distributions overlaid as ECDFs.
 */

import { absoluteBeside, basisLabel, methodDescription } from '../../../format/comparison.js';
import {
  formatChange,
  formatChangeInterval,
  formatNs,
  formatNsInterval,
  formatPercent,
  formatPValue,
  formatTimestamp,
} from '../../../format/units.js';
import {
  type CellComparison,
  type Comparison,
  type HostDifference,
  orderByEffect,
  type Verdict,
} from '../../../results/comparison.js';
import type { Measurement, Results } from '../../../results/types.js';
import { type EcdfPair, ecdfChart } from '../charts/ecdf.js';
import { html, type SafeHtml } from '../escape.js';
import { anchorId, workloadOrder } from '../model.js';
import type { Palette } from '../palette.js';
import { px } from '../scale.js';
import { bindingName, figure, section } from './layout.js';

export const BASELINE_SECTION_ID = 'change';
export const BASELINE_SECTION_TITLE = 'Change against baseline';

const VERDICT_CLASS: Record<Verdict, string> = {
  regressed: 'regressed',
  improved: 'improved',
  inconclusive: 'inconclusive',
  'no significant change': 'unchanged',
};
const VERDICT_LABEL: Record<Verdict, string> = {
  regressed: '▲ regressed',
  improved: '▼ improved',
  inconclusive: '? inconclusive',
  'no significant change': '= unchanged',
};

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

// ---- Headline and the two runs -----------------------------------------------------------------

/** The units a median rests on: "10 turns · 120 samples". */
const turns = (count: number | undefined, samples: number): string =>
  `${count === undefined ? '' : `${count} turn${count === 1 ? '' : 's'} · `}${samples} samples`;

function headline(comparison: Comparison): SafeHtml {
  const { regressed, improved, unchanged, inconclusive } = comparison.summary;
  if (comparison.cells.length === 0) {
    return html`<p class="change-headline change-headline-none"><strong>No cell was measured in both runs</strong>: nothing to compare.</p>`;
  }
  const tone = regressed > 0 ? 'bad' : improved > 0 ? 'good' : 'neutral';
  const count = (verdict: Verdict, value: number, word: string) =>
    html`<span class="verdict-count verdict-${VERDICT_CLASS[verdict]}"><strong>${value}</strong> ${word}</span>`;
  const { method } = comparison;
  const overrides = Object.keys(method.thresholdOverrides).length > 0 ? ', with per-workload overrides' : '';
  return html`<p class="change-headline change-headline-${tone}">${count('regressed', regressed, 'regressed')}${count('improved', improved, 'improved')}${count('inconclusive', inconclusive, 'inconclusive')}${count('no significant change', unchanged, 'unchanged')}<span class="change-basis">of ${plural(comparison.cells.length, 'cell')} measured in both runs · threshold ${method.defaultThresholdPercent} %${overrides} · Holm-corrected p &lt; ${method.alpha}</span></p>`;
}

function okCells(results: Results): string {
  const ok = results.measurements.filter((cell) => cell.status === 'ok').length;
  return `${ok} of ${results.measurements.length} ok`;
}

function runsSideBySide(baseline: Results, current: Results, comparison: Comparison): SafeHtml {
  const revision = (results: Results) =>
    results.host.gitRevision ? `${results.tool.version} (${results.host.gitRevision})` : results.tool.version;
  const rows: Array<[string, (results: Results) => string | SafeHtml, boolean]> = [
    ['run', (results) => html`<code>${results.run.id}</code>`, false],
    ['started', (results) => formatTimestamp(results.run.startedAt), false],
    [
      'status',
      (results) =>
        results.run.status === 'complete' ? 'complete' : html`<span class="status status-failed">INCOMPLETE</span>`,
      false,
    ],
    ['host', (results) => results.host.hostname, true],
    ['CPU', (results) => results.host.cpuModel, true],
    ['kernel', (results) => results.host.kernel, true],
    ['virtualization', (results) => results.host.virtualization, true],
    ['kvmbench', revision, true],
    ['Node.js', (results) => results.host.node, true],
    ['cells', okCells, false],
  ];
  const sources = [comparison.baseline.source, comparison.current.source];
  const body = rows.map(([label, value, highlight]) => {
    const before = value(baseline);
    const after = value(current);
    const differs = highlight && String(before) !== String(after);
    return html`<tr${differs ? html` class="differs"` : ''}><th scope="row">${label}</th><td>${before}</td><td>${after}</td></tr>`;
  });
  const sourceRow =
    sources.some((source) => source !== '') &&
    html`<tr><th scope="row">read from</th>${sources.map((source) => html`<td><code>${source || '—'}</code></td>`)}</tr>`;
  return html`<div class="table-scroll"><table class="compact runs-compared"><thead><tr><th scope="col"></th><th scope="col">baseline</th><th scope="col">this run</th></tr></thead><tbody>${body}${sourceRow}</tbody></table></div>`;
}

function hostDifferences(differences: HostDifference[]): SafeHtml {
  if (differences.length === 0) return html``;
  const relevant = differences.filter((difference) => difference.affectsPerformance);
  const rows = differences.map(
    (difference) =>
      html`<tr class="${difference.affectsPerformance ? 'host-diff-performance' : 'host-diff-info'}"><td><code>${difference.field}</code></td><td>${difference.baseline}</td><td>${difference.current}</td><td>${difference.affectsPerformance ? 'changes performance' : 'informational'}</td></tr>`,
  );
  const summary =
    relevant.length > 0
      ? html`<strong>The hosts differ in what changes performance</strong> (${relevant.map((difference, index) => html`${index > 0 ? ', ' : ''}<code>${difference.field}</code>`)}): a change below may be the host's rather than the code's`
      : html`Host and software differences (${differences.length}): ${differences.map((difference, index) => html`${index > 0 ? ', ' : ''}<code>${difference.field}</code>`)}`;
  return html`<details class="host-differences${relevant.length > 0 ? ' host-differences-performance' : ''}"${relevant.length > 0 ? html` open` : ''}><summary>${summary}</summary><div class="table-scroll"><table class="compact"><thead><tr><th scope="col">field</th><th scope="col">baseline</th><th scope="col">this run</th><th scope="col">kind</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

// ---- The change table ----------------------------------------------------------------------------

/** A shared percent axis for the change column's small interval plots. */
function changeExtent(cells: readonly CellComparison[]): number {
  const bounds = cells.flatMap((cell) => [
    Math.abs(cell.ratioCi95[0] - 1) * 100,
    Math.abs(cell.ratioCi95[1] - 1) * 100,
    Math.abs(cell.ratio - 1) * 100,
    cell.thresholdPercent,
  ]);
  const largest = Math.max(1, ...bounds.filter(Number.isFinite));
  return largest * 1.08;
}

const SPARK_WIDTH = 132;
const SPARK_HEIGHT = 18;

/** The change and its interval against the ±threshold band: 0 in the middle, slower to the right. */
function changeSpark(cell: CellComparison, extent: number): SafeHtml {
  const at = (ratio: number) => {
    const percent = Math.max(-extent, Math.min(extent, (ratio - 1) * 100));
    return 4 + ((percent + extent) / (2 * extent)) * (SPARK_WIDTH - 8);
  };
  const band = [at(1 - cell.thresholdPercent / 100), at(1 + cell.thresholdPercent / 100)];
  const middle = SPARK_HEIGHT / 2;
  const [low, high] = cell.ratioCi95;
  const label = `${formatChange(cell.ratio)} (95 % CI ${formatChangeInterval(low, high)}) against a ±${cell.thresholdPercent} % threshold`;
  return html`<svg class="spark verdict-${VERDICT_CLASS[cell.verdict]}" viewBox="0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}" width="${SPARK_WIDTH}" height="${SPARK_HEIGHT}" role="img" aria-label="${label}"><title>${label}</title><rect class="spark-band" x="${px(band[0] as number)}" y="2" width="${px((band[1] as number) - (band[0] as number))}" height="${SPARK_HEIGHT - 4}"/><line class="spark-zero" x1="${px(at(1))}" x2="${px(at(1))}" y1="0" y2="${SPARK_HEIGHT}"/><line class="spark-ci" x1="${px(at(low))}" x2="${px(at(high))}" y1="${middle}" y2="${middle}"/><circle class="spark-point" cx="${px(at(cell.ratio))}" cy="${middle}" r="3.2"/></svg>`;
}

/** What the verdict rests on, and the absolute change beside a ratio verdict (host-sensitive). */
function verdictBasis(cell: CellComparison, floor: string): string {
  const beside = absoluteBeside(cell);
  return `on ${basisLabel(cell, floor)}${beside ? ` · absolute ${beside}` : ''}`;
}

function changeRow(cell: CellComparison, palette: Palette, extent: number, floor: string): SafeHtml {
  const verdict = VERDICT_CLASS[cell.verdict];
  const [low, high] = cell.ratioCi95;
  const difference = formatNsInterval(cell.differenceCi95[0], cell.differenceCi95[1], { signed: true });
  return html`<tr class="change change-${verdict}"><td><a href="#${anchorId('ecdf', cell.workload)}"><code>${cell.workload}</code></a></td><td>${bindingName(cell.binding, palette(cell.binding))}</td><td class="num">${formatNs(cell.baselineMedianNs)}<span class="sub">${turns(cell.baselineTurns, cell.baselineSamples)}</span></td><td class="num">${formatNs(cell.currentMedianNs)}<span class="sub">${turns(cell.currentTurns, cell.currentSamples)}</span></td><td class="num change-value" title="difference ${difference} (95 % CI)">${formatChange(cell.ratio)}<span class="sub">${formatChangeInterval(low, high)}</span></td><td class="spark-cell">${changeSpark(cell, extent)}</td><td class="num">${formatPValue(cell.pValueHolm)}<span class="sub">raw ${formatPValue(cell.pValue)}</span></td><td><span class="verdict verdict-${verdict}" title="threshold ±${cell.thresholdPercent} %">${VERDICT_LABEL[cell.verdict]}</span><span class="sub">${verdictBasis(cell, floor)}</span></td></tr>`;
}

function changeTable(comparison: Comparison, palette: Palette): SafeHtml {
  if (comparison.cells.length === 0) return html``;
  const cells = orderByEffect(comparison.cells);
  const extent = changeExtent(cells);
  const head = html`<thead><tr><th scope="col">workload</th><th scope="col">binding</th><th scope="col" class="num">baseline median</th><th scope="col" class="num">this run median</th><th scope="col" class="num">change · 95 % CI</th><th scope="col" title="the change (dot) and its 95 % CI (bar) against the ±threshold band (shaded); slower to the right">−${formatPercent(extent / 100, 0)} · 0 · +${formatPercent(extent / 100, 0)}</th><th scope="col" class="num">Holm p</th><th scope="col">verdict</th></tr></thead>`;
  return html`<div class="table-scroll"><table class="compact change-table">${head}<tbody>${cells.map((cell) => changeRow(cell, palette, extent, comparison.method.floor))}</tbody></table></div>`;
}

function otherCells(comparison: Comparison): SafeHtml {
  const list = (cells: ReadonlyArray<{ workload: string; binding: string }>) =>
    cells.map((cell, index) => html`${index > 0 ? ', ' : ''}<code>${cell.workload}</code> × ${cell.binding}`);
  const items = [
    comparison.added.length > 0 && html`<li><strong>Only in this run</strong>: ${list(comparison.added)}</li>`,
    comparison.removed.length > 0 && html`<li><strong>Only in the baseline</strong>: ${list(comparison.removed)}</li>`,
    ...comparison.notCompared.map(
      (cell) =>
        html`<li><strong>Not compared</strong>: <code>${cell.workload}</code> × ${cell.binding}: <span class="reason">${cell.reason}</span></li>`,
    ),
  ].filter(Boolean);
  return items.length === 0 ? html`` : html`<ul class="change-notes">${items}</ul>`;
}

function comparisonWarnings(comparison: Comparison): SafeHtml {
  if (comparison.warnings.length === 0) return html``;
  return html`<ul class="change-warnings">${comparison.warnings.map((warning) => html`<li>${warning}</li>`)}</ul>`;
}

// ---- ECDF overlays -------------------------------------------------------------------------------

function cellOf(results: Results, workload: string, binding: string): Measurement | undefined {
  return results.measurements.find((cell) => cell.workload === workload && cell.binding === binding);
}

/** Why a binding has no curve in one run, for the caption. */
function missingCurves(pairs: EcdfPair[]): string[] {
  return pairs.flatMap((pair) => {
    const why = (cell: Measurement | undefined) => (cell ? cell.status : 'not measured');
    const baseline = pair.baseline?.status === 'ok' && pair.baseline.samples.length > 0;
    const current = pair.current?.status === 'ok' && pair.current.samples.length > 0;
    if (baseline && current) return [];
    if (!baseline && !current) return [`${pair.binding} (${why(pair.current)} in both runs)`];
    return baseline
      ? [`${pair.binding} in this run (${why(pair.current)})`]
      : [`${pair.binding} in the baseline (${why(pair.baseline)})`];
  });
}

function ecdfFigures(baseline: Results, current: Results, bindings: string[], palette: Palette): SafeHtml {
  const workloads = workloadOrder(current);
  for (const name of workloadOrder(baseline)) if (!workloads.includes(name)) workloads.push(name);
  const runIds = { baseline: baseline.run.id, current: current.run.id };
  const figures = workloads.flatMap((workload) => {
    const pairs: EcdfPair[] = bindings
      .map((binding) => ({
        binding,
        baseline: cellOf(baseline, workload, binding),
        current: cellOf(current, workload, binding),
      }))
      .filter((pair) => pair.baseline || pair.current);
    const chart = ecdfChart(workload, pairs, palette, runIds);
    if (!chart) return [];
    const missing = missingCurves(pairs);
    const caption = html`<code>${workload}</code>${missing.length > 0 ? html`<span class="muted"> · no curve for ${missing.join('; ')}</span>` : ''}`;
    return [html`<div class="ecdf-figure" id="${anchorId('ecdf', workload)}">${figure(caption, chart)}</div>`];
  });
  if (figures.length === 0) return html``;
  return html`<h3 class="change-subhead">Distributions: baseline (dashed) against this run (solid)</h3><p class="intro">Each curve is the share of a binding's samples at or below a time (empirical CDF). A solid curve right of its dashed one is slower; the horizontal gap at the median line is the change in median, a gap only near the top a change in the tail.</p><div class="grid ecdf-grid">${figures}</div>`;
}

// ---- The section ---------------------------------------------------------------------------------

export function baselineSection(
  current: Results,
  baseline: Results,
  comparison: Comparison,
  bindings: string[],
  palette: Palette,
): SafeHtml {
  const intro = html`This run (<code>${current.run.id}</code>) against the baseline <code>${baseline.run.id}</code>, started ${formatTimestamp(baseline.run.startedAt)} on <strong>${baseline.host.hostname}</strong>. Change is the geometric-mean ratio of the per-process medians, this run over the baseline, minus 1, with its 95 % interval from Welch's t; positive is slower. Each verdict says what it rests on: by default a binding's time over the ${comparison.method.floor} floor's in the same round (a host-wide speed change cancels), the floor on absolute time.`;
  const method = html`<details class="change-method"><summary>How the verdicts are reached</summary><p>${methodDescription(comparison)}</p></details>`;
  const body = html`${headline(comparison)}${runsSideBySide(baseline, current, comparison)}${hostDifferences(comparison.hostDifferences)}${comparisonWarnings(comparison)}${changeTable(comparison, palette)}${otherCells(comparison)}${method}${ecdfFigures(baseline, current, bindings, palette)}`;
  return section(BASELINE_SECTION_ID, BASELINE_SECTION_TITLE, intro, body);
}
