/** The single-run Markdown exporter (results.md), for a job summary or a PR. */

import { markdownTable } from '../format/markdown.js';
import { formatNs, formatNsInterval, formatPercent } from '../format/units.js';
import { hasStatistics, type Measurement, type Results } from '../results/types.js';
import { escapeMarkdown } from '../util/escape.js';
import type { ExportedFile, Exporter } from './exporter.js';
import { vcpuThreadingMarkdown } from './vcpu-threading.js';
import {
  irqfdGuestTimedLine,
  VMM_DESIGN_NOTES,
  VMM_DESIGN_TITLE,
  vmmDesignRows,
  vmmDesignTable,
} from './vmm-design.js';

function measurementRow(measurement: Measurement): string[] {
  const stats = measurement.stats;
  const name = [escapeMarkdown(measurement.workload), escapeMarkdown(measurement.binding)];
  if (!hasStatistics(measurement) || !stats) {
    const why = measurement.error ? `: ${escapeMarkdown(measurement.error)}` : '';
    return [...name, '', '', '', String(measurement.samples.length), `${measurement.status}${why}`];
  }
  const [low, high] = stats.medianCi95;
  return [
    ...name,
    formatNs(stats.median),
    formatNsInterval(low, high),
    formatPercent(stats.cv),
    String(stats.n),
    measurement.status === 'suspect' ? `suspect: ${escapeMarkdown(measurement.error ?? '')}` : 'ok',
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
  const designs = vmmDesignRows(results);
  if (designs.length > 0) {
    const { header, cells } = vmmDesignTable(designs);
    sections.push(
      `### ${VMM_DESIGN_TITLE}`,
      markdownTable(
        header,
        cells.map((row) => row.map(escapeMarkdown)),
        ['left', 'left', 'left', 'right', 'right', 'right', 'right'],
      ),
      [...VMM_DESIGN_NOTES, ...irqfdGuestTimedLine(results)].map(escapeMarkdown).join(' '),
    );
  }
  if (results.vmmDesigns) sections.push(vcpuThreadingMarkdown(results));
  if (results.warnings.length > 0)
    sections.push(`### Warnings\n\n${results.warnings.map((warning) => `- ${escapeMarkdown(warning)}`).join('\n')}`);
  return `${sections.join('\n\n')}\n`;
}

export const markdownExporter: Exporter = {
  format: 'markdown',
  description: 'results.md: one table of medians and their confidence intervals, for a job summary or a PR',
  export: (results: Results): ExportedFile[] => [{ name: 'results.md', content: renderResultsMarkdown(results) }],
};
