/**
 * The HTML exporter: one self-contained report.html that opens offline from file://. Styles are
 * inline, charts are SVG generated here, there is no script, and a Content-Security-Policy forbids
 * every fetch, so nothing in the page can reach a network even if run data tried to.
 */

import { UsageError } from '../errors.js';
import { formatTimestamp } from '../format/units.js';
import type { Comparison } from '../results/comparison.js';
import type { Results } from '../results/types.js';
import type { ExportedFile, Exporter } from './exporter.js';
import { headlineSentences } from './headline.js';
import { html, type SafeHtml } from './html/escape.js';
import { bindingOrder } from './html/model.js';
import { pageHead } from './html/page.js';
import { bindingPalette, comparisonPalette } from './html/palette.js';
import { BASELINE_SECTION_ID, BASELINE_SECTION_TITLE, baselineSection } from './html/sections/baseline.js';
import { lifecycleSection, overheadSection, runOrderSection, workloadsSection } from './html/sections/charts.js';
import { environmentSection } from './html/sections/environment.js';
import {
  GUEST_CLOCK_SECTION_ID,
  GUEST_CLOCK_SECTION_TITLE,
  guestClockSection,
  hasGuestClockSection,
} from './html/sections/guest-clock.js';
import { reportHeader } from './html/sections/header.js';
import { RUNTIMES_SECTION_ID, RUNTIMES_SECTION_TITLE, runtimesSection } from './html/sections/runtimes.js';
import { summarySection } from './html/sections/summary.js';
import { hasTraceSection, traceSection } from './html/sections/trace.js';
import {
  hasVcpuThreadingSection,
  VCPU_THREADING_SECTION_ID,
  VCPU_THREADING_SECTION_TITLE,
  vcpuThreadingSection,
} from './html/sections/vcpu-threading.js';
import {
  hasVmmDesignSection,
  VMM_DESIGN_SECTION_ID,
  VMM_DESIGN_SECTION_TITLE,
  vmmDesignSection,
} from './html/sections/vmm-design.js';
import { warningsSection } from './html/sections/warnings.js';
import { hasRuntimeMatrix } from './runtime-matrix.js';
import { hasSweeps, sweepsSection } from './sweeps/chart.js';

/** Inline styles only, images only as data: URLs, no scripts, no connections, no forms. */

/** The report opens on the run's answer, the sentences the terminal ends with. */
function answerSection(results: Results): SafeHtml {
  return html`<section id="answer" class="answer">${headlineSentences(results).map((sentence) => html`<p>${sentence}</p>`)}</section>`;
}

/** Cells the HTML report renders at most: 10,000 take ~5 s and make ~60 MB of HTML (2 cores). */
export const MAX_HTML_CELLS = 10_000;

/** An earlier run to show this one against, with their comparison: adds the "Change against baseline" section. */
export interface HtmlReportOptions {
  baseline?: Results;
  /** The comparison of the run against `baseline`, made by the caller (kvmbench compare / report). */
  comparison?: Comparison;
}

function tableOfContents(results: Results, withBaseline: boolean): SafeHtml {
  const links: Array<[string, string]> = [
    ...(withBaseline ? ([[BASELINE_SECTION_ID, BASELINE_SECTION_TITLE]] as Array<[string, string]>) : []),
    ...(hasRuntimeMatrix(results) ? ([[RUNTIMES_SECTION_ID, RUNTIMES_SECTION_TITLE]] as Array<[string, string]>) : []),
    ['overhead', 'Overhead'],
    ['summary', 'Summary'],
    ...(hasSweeps(results) ? ([['sweeps', 'Sweeps']] as Array<[string, string]>) : []),
    ...(results.warnings.length > 0 ? ([['warnings', 'Warnings']] as Array<[string, string]>) : []),
    ['environment', 'Environment'],
    ['workloads', 'Workloads'],
    ...(results.measurements.some((cell) => (cell.steps?.length ?? 0) > 0)
      ? ([['lifecycle', 'Lifecycle steps']] as Array<[string, string]>)
      : []),
    ...(hasGuestClockSection(results)
      ? ([[GUEST_CLOCK_SECTION_ID, GUEST_CLOCK_SECTION_TITLE]] as Array<[string, string]>)
      : []),
    ...(hasVmmDesignSection(results)
      ? ([[VMM_DESIGN_SECTION_ID, VMM_DESIGN_SECTION_TITLE]] as Array<[string, string]>)
      : []),
    ...(hasTraceSection(results) ? ([['trace', 'Where the time goes']] as Array<[string, string]>) : []),
    ...(hasVcpuThreadingSection(results)
      ? ([[VCPU_THREADING_SECTION_ID, VCPU_THREADING_SECTION_TITLE]] as Array<[string, string]>)
      : []),
    ['run-order', 'Run order'],
  ];
  return html`<nav class="toc">${links.map(([id, title]) => html`<a href="#${id}">${title}</a>`)}</nav>`;
}

/** The bindings of both runs, this run's first: the order of the baseline section's series. */
function bindingsOfBoth(current: Results, baseline: Results): string[] {
  const names = bindingOrder(current);
  for (const name of bindingOrder(baseline)) if (!names.includes(name)) names.push(name);
  return names;
}

/**
 * The report of one run; with `options.baseline` and its comparison, also how it changed against
 * that run. It opens on the answer (the overhead against the floor, the summary table), then the
 * warnings, then the environment and the detailed charts.
 */
export function renderHtmlReport(results: Results, options: HtmlReportOptions = {}): string {
  const { baseline, comparison } = options;
  const cells = results.measurements.length + (baseline?.measurements.length ?? 0);
  if (cells > MAX_HTML_CELLS) {
    throw new UsageError(
      `the HTML report draws every cell, and these results have ${cells}: it renders up to ${MAX_HTML_CELLS} (~60 MB of HTML, 5 s); use the CSV or Markdown exports, or compare --format markdown, for more`,
    );
  }
  if ((comparison === undefined) !== (baseline === undefined)) {
    throw new TypeError('renderHtmlReport: give a baseline together with its comparison (compareResults), or neither');
  }
  const palette = baseline ? comparisonPalette(results, baseline) : bindingPalette(results);
  const change =
    baseline && comparison
      ? baselineSection(results, baseline, comparison, bindingsOfBoth(results, baseline), palette)
      : html``;
  const title = baseline ? `${results.run.id} against ${baseline.run.id}` : results.run.id;
  const against = baseline ? html`, against baseline ${baseline.run.id}` : '';
  const page = html`<!doctype html>
<html lang="en">
${pageHead(`kvmbench report — ${title}`, { generator: `${results.tool.name} ${results.tool.version}` })}
<body>
${reportHeader(results, palette)}
${tableOfContents(results, baseline !== undefined)}
<main>
${answerSection(results)}${change}${runtimesSection(results)}${overheadSection(results, palette)}
${summarySection(results, palette)}
${sweepsSection(results)}
${warningsSection(results)}
${environmentSection(results, palette)}
${workloadsSection(results, palette)}
${lifecycleSection(results, palette)}
${guestClockSection(results, palette)}
${vmmDesignSection(results, palette)}
${traceSection(results, palette)}
${vcpuThreadingSection(results)}
${runOrderSection(results, palette)}
</main>
<footer>Generated by ${results.tool.name} ${results.tool.version} from results schema v${results.schemaVersion}, run ${results.run.id}${against}, finished ${formatTimestamp(results.run.finishedAt)}. All times are nanoseconds per iteration unless marked.</footer>
</body>
</html>
`;
  return page.value;
}

export const htmlExporter: Exporter = {
  format: 'html',
  description: 'Self-contained HTML report with inline SVG charts (opens offline)',
  export(results: Results): ExportedFile[] {
    return [{ name: 'report.html', content: renderHtmlReport(results) }];
  },
};
