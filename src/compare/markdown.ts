/**
 * The comparison as GitHub Markdown, for a job summary ($GITHUB_STEP_SUMMARY) or a PR comment:
 * a headline verdict, the cells sorted by effect with regressions first, then host, method and
 * warnings in a collapsed section. Every string from a results file is escaped.
 */
import type { HostFingerprint } from '../bench/results.js';
import { escapeMarkdown, markdownDetails, markdownTable } from '../report/markdown.js';
import type { CellComparison, CellRef, Comparison, RunReference, Verdict } from './compare-results.js';
import {
  formatChange,
  formatChangeCi,
  formatNs,
  formatP,
  methodDescription,
  orderByEffect,
  summaryLine,
} from './format.js';

const VERDICT_MARK: Record<Verdict, string> = { regressed: '🔴', improved: '🟢', 'no significant change': '⚪' };

function headline(comparison: Comparison): string {
  const { regressed, improved } = comparison.summary;
  if (comparison.cells.length === 0) return '### ⚠️ kvmbench compare: nothing measured in both runs';
  if (regressed > 0) return `### ❌ kvmbench compare: ${regressed} regression${regressed === 1 ? '' : 's'}`;
  if (improved > 0)
    return `### ✅ kvmbench compare: no regression, ${improved} improvement${improved === 1 ? '' : 's'}`;
  return '### ✅ kvmbench compare: no significant change';
}

const run = (reference: RunReference): string =>
  `${escapeMarkdown(reference.id)}${reference.status === 'incomplete' ? ' (interrupted)' : ''}`;

function cellRow(cell: CellComparison): string[] {
  return [
    VERDICT_MARK[cell.verdict],
    escapeMarkdown(cell.workload),
    escapeMarkdown(cell.binding),
    formatNs(cell.baselineMedianNs),
    formatNs(cell.currentMedianNs),
    formatChange(cell.ratio),
    formatChangeCi(cell.ratioCi95),
    formatP(cell.pValueHolm),
    cell.verdict,
  ];
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
      (cell) => `- ${escapeMarkdown(cell.workload)} / ${escapeMarkdown(cell.binding)}: ${escapeMarkdown(cell.reason)}`,
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

const hostValue = (value: unknown): string => (value === undefined ? '–' : escapeMarkdown(String(value)));

function hostTable(comparison: Comparison): string {
  const baseline = comparison.baseline.host;
  const current = comparison.current.host;
  const rows = HOST_ROWS.map(([label, field]) => {
    const differs = baseline[field] !== current[field];
    return [differs ? `**${label}** (differs)` : label, hostValue(baseline[field]), hostValue(current[field])];
  });
  const moduleDifferences = comparison.hostDifferences.filter((d) => d.field.startsWith('kvmModules'));
  const modules = (host: HostFingerprint): string => escapeMarkdown(Object.keys(host.kvmModules).sort().join(', '));
  rows.push([
    moduleDifferences.length > 0 ? '**KVM modules** (differ)' : 'KVM modules',
    modules(baseline),
    modules(current),
  ]);
  for (const difference of moduleDifferences)
    rows.push([
      escapeMarkdown(difference.field),
      escapeMarkdown(difference.baseline),
      escapeMarkdown(difference.current),
    ]);
  return markdownTable(['Host', 'Baseline', 'Current'], rows);
}

function detailsBody(comparison: Comparison): string {
  const { baseline, current } = comparison;
  const parts = [
    `Baseline: run ${run(baseline)}, started ${escapeMarkdown(baseline.startedAt)}, kvmbench ${escapeMarkdown(baseline.kvmbench)}.  \n` +
      `Current: run ${run(current)}, started ${escapeMarkdown(current.startedAt)}, kvmbench ${escapeMarkdown(current.kvmbench)}.`,
    hostTable(comparison),
    `**Method.** ${methodDescription(comparison)} Times are nanoseconds per iteration.`,
  ];
  if (comparison.warnings.length > 0)
    parts.push(`**Warnings:**\n\n${comparison.warnings.map((warning) => `- ${escapeMarkdown(warning)}`).join('\n')}`);
  return parts.join('\n\n');
}

export function renderMarkdown(comparison: Comparison): string {
  const sections = [
    headline(comparison),
    `${summaryLine(comparison)}: run ${run(comparison.current)} against baseline ${run(comparison.baseline)}.`,
  ];
  if (comparison.cells.length > 0) {
    sections.push(
      markdownTable(
        ['', 'Workload', 'Binding', 'Baseline', 'Current', 'Change', '95 % CI', 'p (Holm)', 'Verdict'],
        orderByEffect(comparison.cells).map(cellRow),
        ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'],
      ),
    );
  }
  sections.push(...otherCells(comparison));
  const warnings = comparison.warnings.length;
  const summary =
    warnings === 0 ? 'Hosts and method' : `Hosts, method and ${warnings} warning${warnings === 1 ? '' : 's'}`;
  sections.push(markdownDetails(summary, detailsBody(comparison)));
  return `${sections.join('\n\n')}\n`;
}
