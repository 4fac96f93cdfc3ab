/**
 * Markdown for GitHub (job summaries, PR comments): escaping of untrusted text, tables, collapsed
 * sections, and the single-run exporter (results.md). Names and host strings come from results
 * files that anyone can edit, so everything not written here goes through escapeMarkdown.
 */

import type { Measurement, Results } from '../bench/results.js';
import type { ExportedFile, Exporter } from './exporter.js';
import { formatNs } from './format.js';

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Makes text render as itself in GitHub Markdown, inline, in table cells and at the start of a list
 * item: HTML is entity-encoded, Markdown punctuation (emphasis, code, links, table pipes) is
 * backslash-escaped, line breaks and leading blanks go (they would start new blocks), a leading list
 * marker is neutralised, and `@name` gets a zero-width space so a results file cannot notify people.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/^ +/, '')
    .replace(/[\\`*_[\]|~#]/g, '\\$&')
    .replace(/[&<>"]/g, (char) => HTML_ENTITIES[char] ?? char)
    .replace(/^[-+]/, '\\$&')
    .replace(/^(\d{1,9})([.)])(?= |$)/, '$1\\$2')
    .replace(/@(?=\w)/g, '@\u200b');
}

export type ColumnAlign = 'left' | 'right';

/** A GitHub table. Cells must already be Markdown (escape untrusted text first). */
export function markdownTable(
  header: readonly string[],
  rows: readonly string[][],
  align?: readonly ColumnAlign[],
): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const separator = header.map((_, column) => (align?.[column] === 'right' ? '---:' : '---'));
  return [line(header), line(separator), ...rows.map(line)].join('\n');
}

/** A collapsed section; the blank lines let GitHub render Markdown inside it. */
export function markdownDetails(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

const nanoseconds = (ns: number): string => formatNs(ns);

function measurementRow(measurement: Measurement): string[] {
  const stats = measurement.stats;
  const name = [escapeMarkdown(measurement.workload), escapeMarkdown(measurement.binding)];
  if (measurement.status !== 'ok' || !stats) {
    const why = measurement.error ? `: ${escapeMarkdown(measurement.error)}` : '';
    return [...name, '', '', '', String(measurement.samples.length), `${measurement.status}${why}`];
  }
  const [low, high] = stats.medianCi95;
  return [
    ...name,
    nanoseconds(stats.median),
    `${nanoseconds(low)} – ${nanoseconds(high)}`,
    `${(stats.cv * 100).toFixed(1)} %`,
    String(stats.n),
    'ok',
  ];
}

/** One run as Markdown: host, one row per workload × binding, warnings. */
export function renderResultsMarkdown(results: Results): string {
  const { host, run } = results;
  const sections = [
    `## kvmbench run ${escapeMarkdown(run.id)}${run.status === 'incomplete' ? ' (interrupted)' : ''}`,
    `${escapeMarkdown(host.cpuModel)}, ${host.cpuCount} CPUs, Linux ${escapeMarkdown(host.kernel)}, ` +
      `${escapeMarkdown(host.virtualization)}; Node ${escapeMarkdown(host.node)}, kvmbench ${escapeMarkdown(results.tool.version)}. ` +
      'Times are per iteration.',
    markdownTable(
      ['Workload', 'Binding', 'Median', '95 % CI of the median', 'CV', 'Samples', 'Status'],
      results.measurements.map(measurementRow),
      ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
    ),
  ];
  if (results.warnings.length > 0)
    sections.push(`### Warnings\n\n${results.warnings.map((warning) => `- ${escapeMarkdown(warning)}`).join('\n')}`);
  return `${sections.join('\n\n')}\n`;
}

export const markdownExporter: Exporter = {
  format: 'markdown',
  description: 'results.md: one table of medians and their confidence intervals, for a job summary or a PR',
  export: (results: Results): ExportedFile[] => [{ name: 'results.md', content: renderResultsMarkdown(results) }],
};
