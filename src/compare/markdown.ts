/**
 * The comparison as GitHub Markdown, for a job summary ($GITHUB_STEP_SUMMARY) or a PR comment: a
 * headline verdict, the regressions and improvements as a table, then in collapsed sections (one
 * line of HTML each, so that an A/A comparison stays a few lines) the unchanged cells, and the
 * hosts, method and warnings. Every string from a results file is escaped.
 */

import { absoluteBeside, basisLabel, cellName, methodDescription, summaryLine } from '../format/comparison.js';
import { htmlDetailsLine, htmlTableLine, markdownTable } from '../format/markdown.js';
import { formatChange, formatChangeInterval, formatNs, formatPValue, MISSING } from '../format/units.js';
import {
  type CellComparison,
  type CellRef,
  type Comparison,
  orderByEffect,
  type RunReference,
  type Verdict,
} from '../results/comparison.js';
import type { HostFingerprint } from '../results/types.js';
import { escapeHtmlInMarkdown as escapeHtml, escapeMarkdown } from '../util/escape.js';

const VERDICT_MARK: Record<Verdict, string> = {
  regressed: '🔴',
  improved: '🟢',
  inconclusive: '🟡',
  'no significant change': '⚪',
};

function headline(comparison: Comparison): string {
  const { regressed, improved } = comparison.summary;
  if (comparison.cells.length === 0) return '### ⚠️ kvmbench compare: nothing measured in both runs';
  if (regressed > 0) return `### ❌ kvmbench compare: ${regressed} regression${regressed === 1 ? '' : 's'}`;
  if (improved > 0)
    return `### ✅ kvmbench compare: no regression, ${improved} improvement${improved === 1 ? '' : 's'}`;
  return '### ✅ kvmbench compare: no significant change';
}

const runName = (reference: RunReference, escapeText: (text: string) => string): string =>
  `${escapeText(reference.id)}${reference.status === 'incomplete' ? ' (interrupted)' : ''}`;

/** One run by name, or the pooled runs of a side (the paired design). */
const runNames = (role: string, runs: readonly RunReference[]): string =>
  runs.length === 1
    ? `${role} ${runName(runs[0] as RunReference, escapeMarkdown)}`
    : `${role}s ${runs.map((run) => runName(run, escapeMarkdown)).join(', ')} (pooled)`;

const HEADER = [
  'Workload',
  'Binding',
  'Baseline',
  'Current',
  'Verdict on',
  'Change',
  '95 % CI',
  'p (Holm)',
  'Absolute (host-sensitive)',
];
const ALIGN = ['left', 'left', 'right', 'right', 'left', 'right', 'right', 'right', 'right'] as const;

function cellRow(cell: CellComparison, floor: string, escapeText: (text: string) => string): string[] {
  return [
    escapeText(cell.workload),
    escapeText(cell.binding),
    formatNs(cell.baselineMedianNs),
    formatNs(cell.currentMedianNs),
    escapeText(basisLabel(cell, floor)),
    formatChange(cell.ratio),
    formatChangeInterval(cell.ratioCi95[0], cell.ratioCi95[1]),
    formatPValue(cell.pValueHolm),
    absoluteBeside(cell) || MISSING,
  ];
}

/** Regressions, improvements, then inconclusive cells, largest first: the rows a reviewer must see. */
function changedTable(cells: readonly CellComparison[], floor: string): string {
  return markdownTable(
    ['', ...HEADER, 'Verdict'],
    cells.map((cell) => [VERDICT_MARK[cell.verdict], ...cellRow(cell, floor, escapeMarkdown), cell.verdict]),
    ['left', ...ALIGN, 'left'],
  );
}

function unchangedBlock(cells: readonly CellComparison[], floor: string): string {
  const summary = `${cells.length} cell${cells.length === 1 ? '' : 's'} without significant change`;
  return htmlDetailsLine(
    summary,
    htmlTableLine(
      HEADER,
      cells.map((cell) => cellRow(cell, floor, escapeHtml)),
      ALIGN,
    ),
  );
}

const cellList = (cells: readonly CellRef[]): string =>
  cells.map((cell) => `${escapeMarkdown(cell.workload)} / ${escapeMarkdown(cell.binding)}`).join(', ');

function otherCells(comparison: Comparison): string[] {
  const paragraphs: string[] = [];
  if (comparison.added.length > 0)
    paragraphs.push(`**Added** (only in the current run): ${cellList(comparison.added)}`);
  if (comparison.removed.length > 0)
    paragraphs.push(`**Removed** (only in the baseline): ${cellList(comparison.removed)}`);
  if (comparison.notCompared.length > 0) {
    const items = comparison.notCompared.map(
      (cell) => `- ${escapeMarkdown(cellName(cell))}: ${escapeMarkdown(cell.reason)}`,
    );
    paragraphs.push(`**Not compared:**\n\n${items.join('\n')}`);
  }
  return paragraphs;
}

const HOST_ROWS: ReadonlyArray<[label: string, field: keyof HostFingerprint]> = [
  ['CPU', 'cpuModel'],
  ['CPUs', 'cpuCount'],
  ['SMT', 'smt'],
  ['Microcode', 'cpuMicrocode'],
  ['Governor', 'governor'],
  ['Transparent huge pages', 'transparentHugepages'],
  ['Kernel', 'kernel'],
  ['Virtualisation', 'virtualization'],
  ['Host is a VM', 'hostIsVirtualMachine'],
  ['Hypervisor beneath', 'underlyingHypervisor'],
  ['Nested', 'nested'],
  ['PVM', 'pvm'],
  ['Container', 'container'],
  ['Hostname', 'hostname'],
  ['Node', 'node'],
  ['V8', 'v8'],
  ['koffi', 'koffi'],
  ['N-API', 'napi'],
  ['kvmbench', 'kvmbench'],
  ['Git revision', 'gitRevision'],
];

const hostValue = (value: unknown): string => (value === undefined ? MISSING : escapeHtml(String(value)));

/** One sentence when the hosts match; a baseline / current table of every field when they differ. */
function hostPart(comparison: Comparison): string {
  const baseline = comparison.baseline.host;
  const current = comparison.current.host;
  if (comparison.hostDifferences.length === 0) {
    return (
      `<p>Both runs on one host: ${escapeHtml(baseline.cpuModel)}, ${baseline.cpuCount} CPUs, ` +
      `Linux ${escapeHtml(baseline.kernel)}, ${escapeHtml(baseline.virtualization)}, Node ${escapeHtml(baseline.node)}.</p>`
    );
  }
  const rows = HOST_ROWS.map(([label, field]) => {
    const differs = baseline[field] !== current[field];
    return [differs ? `<b>${label}</b> (differs)` : label, hostValue(baseline[field]), hostValue(current[field])];
  });
  const modules = (host: HostFingerprint): string => escapeHtml(Object.keys(host.kvmModules).sort().join(', '));
  const moduleDifferences = comparison.hostDifferences.filter((d) => d.field.startsWith('kvmModules'));
  rows.push([
    moduleDifferences.length > 0 ? '<b>KVM modules</b> (differ)' : 'KVM modules',
    modules(baseline),
    modules(current),
  ]);
  for (const difference of moduleDifferences)
    rows.push([escapeHtml(difference.field), escapeHtml(difference.baseline), escapeHtml(difference.current)]);
  return htmlTableLine(['Host', 'Baseline', 'Current'], rows);
}

function detailsBlock(comparison: Comparison): string {
  const { baseline, current, warnings } = comparison;
  const run = (role: string, reference: RunReference): string =>
    `${role}: run ${runName(reference, escapeHtml)}, started ${escapeHtml(reference.startedAt)}, ` +
    `kvmbench ${escapeHtml(reference.kvmbench)}.`;
  const body = [
    `<p>${run('Baseline', baseline)}<br>${run('Current', current)}</p>`,
    hostPart(comparison),
    `<p><b>Method.</b> ${escapeHtml(methodDescription(comparison))} Times are nanoseconds per iteration.</p>`,
    warnings.length > 0 ? `<ul>${warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join('')}</ul>` : '',
  ].join('');
  const summary =
    warnings.length === 0
      ? 'Hosts and method'
      : `Hosts, method and ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
  return htmlDetailsLine(summary, body);
}

export function renderMarkdown(comparison: Comparison): string {
  const ordered = orderByEffect(comparison.cells);
  const changed = ordered.filter((cell) => cell.verdict !== 'no significant change');
  const unchanged = ordered.filter((cell) => cell.verdict === 'no significant change');
  const sections = [
    headline(comparison),
    `${summaryLine(comparison)}: ${runNames('run', comparison.currentRuns ?? [comparison.current])} against ${runNames('baseline', comparison.baselineRuns ?? [comparison.baseline])}.`,
  ];
  const { floor } = comparison.method;
  if (changed.length > 0) sections.push(changedTable(changed, floor));
  if (unchanged.length > 0) sections.push(unchangedBlock(unchanged, floor));
  sections.push(...otherCells(comparison), detailsBlock(comparison));
  return `${sections.join('\n\n')}\n`;
}
