/**
 * The HTML exporter: one self-contained report.html that opens offline from file://. Styles are
 * inline, charts are SVG generated here, there is no script, and a Content-Security-Policy forbids
 * every fetch, so nothing in the page can reach a network even if run data tried to.
 */
import type { Results } from '../bench/results.js';
import { type Comparison, compareResults } from '../compare/compare-results.js';
import { hasSweeps, sweepsSection } from '../sweeps/chart.js';
import type { ExportedFile, Exporter } from './exporter.js';
import { REPORT_CSS } from './html/css.js';
import { html, type SafeHtml, trustedConstant } from './html/escape.js';
import { formatTimestamp } from './html/format.js';
import { bindingOrder } from './html/model.js';
import { bindingPalette, comparisonPalette } from './html/palette.js';
import { BASELINE_SECTION_ID, BASELINE_SECTION_TITLE, baselineSection } from './html/sections/baseline.js';
import { lifecycleSection, overheadSection, runOrderSection, workloadsSection } from './html/sections/charts.js';
import { environmentSection } from './html/sections/environment.js';
import { reportHeader } from './html/sections/header.js';
import { summarySection } from './html/sections/summary.js';
import { hasTraceSection, traceSection } from './html/sections/trace.js';
import { warningsSection } from './html/sections/warnings.js';

/** Inline styles only, images only as data: URLs, no scripts, no connections, no forms. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'";

export interface HtmlReportOptions {
  /** An earlier run to show this one against: adds the "Change against baseline" section. */
  baseline?: Results;
  /**
   * The comparison of the run against `baseline` (thresholds, host differences allowed). Without
   * it, compareResults runs with its defaults, which refuse hosts that differ in performance.
   */
  comparison?: Comparison;
}

function tableOfContents(results: Results, withBaseline: boolean): SafeHtml {
  const links: Array<[string, string]> = [
    ...(withBaseline ? ([[BASELINE_SECTION_ID, BASELINE_SECTION_TITLE]] as Array<[string, string]>) : []),
    ['environment', 'Environment'],
    ...(results.warnings.length > 0 ? ([['warnings', 'Warnings']] as Array<[string, string]>) : []),
    ['summary', 'Summary'],
    ...(hasSweeps(results) ? ([['sweeps', 'Sweeps']] as Array<[string, string]>) : []),
    ['workloads', 'Workloads'],
    ...(results.measurements.some((cell) => (cell.steps?.length ?? 0) > 0)
      ? ([['lifecycle', 'Lifecycle steps']] as Array<[string, string]>)
      : []),
    ['overhead', 'Overhead'],
    ...(hasTraceSection(results) ? ([['trace', 'Where the time goes']] as Array<[string, string]>) : []),
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
 * The report of one run; with `options.baseline`, also how it changed against that run. Throws
 * what compareResults throws (IncomparableRunsError for hosts that differ) when it has to compare.
 */
export function renderHtmlReport(results: Results, options: HtmlReportOptions = {}): string {
  const { baseline } = options;
  if (options.comparison && !baseline) {
    throw new TypeError('renderHtmlReport: a comparison needs the baseline results it was made from');
  }
  const palette = baseline ? comparisonPalette(results, baseline) : bindingPalette(results);
  const change = baseline
    ? baselineSection(
        results,
        baseline,
        options.comparison ?? compareResults(baseline, results),
        bindingsOfBoth(results, baseline),
        palette,
      )
    : html``;
  const title = baseline ? `${results.run.id} against ${baseline.run.id}` : results.run.id;
  const against = baseline ? html`, against baseline ${baseline.run.id}` : '';
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="${results.tool.name} ${results.tool.version}">
<title>kvmbench report — ${title}</title>
<link rel="icon" href="data:,">
<style>${trustedConstant(REPORT_CSS)}</style>
</head>
<body>
${reportHeader(results, palette)}
${tableOfContents(results, baseline !== undefined)}
<main>
${change}${environmentSection(results, palette)}
${warningsSection(results)}
${summarySection(results, palette)}
${sweepsSection(results)}
${workloadsSection(results, palette)}
${lifecycleSection(results, palette)}
${overheadSection(results, palette)}
${traceSection(results, palette)}
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
