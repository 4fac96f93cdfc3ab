/**
 * `kvmbench compare <baseline> <current>`: did the current run regress against the baseline?
 * The report goes to stdout, progress and warnings to stderr; the exit code says the verdict.
 */
import { type Command, Option } from 'commander';
import { loadResultsFile } from '../../bench/schema.js';
import { type Comparison, compareResults } from '../../compare/compare-results.js';
import { checkExportTarget, writeFileAtomically } from '../../compare/export-files.js';
import { summaryLine } from '../../compare/format.js';
import { renderMarkdown } from '../../compare/markdown.js';
import { renderTerminal } from '../../compare/terminal.js';
import { DEFAULT_THRESHOLD_PERCENT, parseThresholdOverrides, parseThresholdPercent } from '../../compare/thresholds.js';
import { bencherExporter } from '../../report/bencher.js';
import type { Exporter } from '../../report/exporter.js';
import { githubBenchmarkExporter } from '../../report/github-benchmark.js';
import { renderHtmlReport } from '../../report/html.js';
import { terminalSafe } from '../../util/terminal-safe.js';
import { EXIT } from '../exit-codes.js';

export const COMPARE_FORMATS = ['table', 'markdown', 'json'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export interface CompareCommandOptions {
  format: CompareFormat;
  /** Percent. */
  threshold: number;
  /** Workload name or kind → percent. */
  thresholdFor?: Record<string, number>;
  allowDifferentHosts?: boolean;
  exportGithubBenchmark?: string;
  exportBencher?: string;
  /** Also write the current run's HTML report against the baseline here. */
  html?: string;
  force?: boolean;
}

/** Where the command writes; tests pass their own. */
export interface CompareOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: CompareOutput = {
  // Run ids, names and warnings come from files: nothing in them may drive the terminal.
  stdout: (text) => process.stdout.write(terminalSafe(text)),
  stderr: (text) => process.stderr.write(terminalSafe(text)),
};

const RENDERERS: Record<CompareFormat, (comparison: Comparison) => string> = {
  table: renderTerminal,
  markdown: renderMarkdown,
  json: (comparison) => `${JSON.stringify(comparison, null, 2)}\n`,
};

/** The current run's metrics, in the CI formats the command can write beside its report. */
const EXPORTS: ReadonlyArray<{ option: string; key: 'exportGithubBenchmark' | 'exportBencher'; exporter: Exporter }> = [
  { option: '--export-github-benchmark', key: 'exportGithubBenchmark', exporter: githubBenchmarkExporter },
  { option: '--export-bencher', key: 'exportBencher', exporter: bencherExporter },
];

/**
 * Compares two runs and writes the report and any exports. Returns EXIT.ok or EXIT.failure (a
 * regression); throws UsageError (exit 2) for unusable files, different hosts or bad options.
 */
export function runCompare(
  baselinePath: string,
  currentPath: string,
  options: CompareCommandOptions,
  output: CompareOutput = processOutput,
): number {
  const exports = EXPORTS.flatMap(({ option, key, exporter }) => {
    const path = options[key];
    return path === undefined ? [] : [{ option, path, exporter }];
  });
  for (const { option, path } of exports) checkExportTarget(path, option, options.force ?? false);
  if (options.html !== undefined) checkExportTarget(options.html, '--html', options.force ?? false);

  const baseline = loadResultsFile(baselinePath);
  const current = loadResultsFile(currentPath);
  output.stderr(
    `kvmbench compare: baseline ${baseline.run.id} (${baseline.measurements.length} cells), ` +
      `current ${current.run.id} (${current.measurements.length} cells)\n`,
  );
  const comparison = compareResults(baseline, current, {
    thresholds: { defaultPercent: options.threshold, overrides: options.thresholdFor ?? {} },
    allowDifferentHosts: options.allowDifferentHosts ?? false,
    sources: { baseline: baselinePath, current: currentPath },
  });

  for (const { option, path, exporter } of exports) {
    const [file] = exporter.export(current);
    if (!file) continue;
    writeFileAtomically(path, file.content, option, options.force ?? false);
    output.stderr(`kvmbench compare: wrote ${path} (${exporter.format}, the current run)\n`);
  }
  if (options.html !== undefined) {
    writeFileAtomically(
      options.html,
      renderHtmlReport(current, { baseline, comparison }),
      '--html',
      options.force ?? false,
    );
    output.stderr(`kvmbench compare: wrote ${options.html} (HTML report of the current run against the baseline)\n`);
  }

  output.stdout(RENDERERS[options.format](comparison));
  // The table already shows warnings; a Markdown or JSON report is usually redirected, so say them in the log.
  if (options.format !== 'table') {
    for (const warning of comparison.warnings) output.stderr(`kvmbench compare: warning: ${warning}\n`);
    output.stderr(`kvmbench compare: ${summaryLine(comparison)}\n`);
  }
  return comparison.summary.regressed > 0 ? EXIT.failure : EXIT.ok;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two runs: per workload × binding, is the current run slower or faster than the baseline?')
    .argument('<baseline>', 'the baseline run: a run folder (results/<run id>) or its results.json')
    .argument('<current>', 'the run to judge: a run folder or its results.json')
    .addOption(new Option('--format <format>', 'report format on stdout').choices(COMPARE_FORMATS).default('table'))
    .option(
      '--threshold <percent>',
      'smallest change that counts as a regression or improvement',
      (value: string) => parseThresholdPercent('--threshold', value),
      DEFAULT_THRESHOLD_PERCENT,
    )
    .option(
      '--threshold-for <workload=percent,...>',
      'per-workload thresholds, by workload name or kind (lifecycle, exit, baseline); repeatable',
      (value: string, previous: Record<string, number> | undefined) => parseThresholdOverrides(value, previous),
    )
    .option('--allow-different-hosts', 'compare even when CPU, kernel, nesting or KVM module parameters differ')
    .option('--export-github-benchmark <file>', "also write the current run as github-action-benchmark's JSON")
    .option('--export-bencher <file>', 'also write the current run as Bencher Metric Format JSON')
    .option('--html <file>', 'also write the HTML report of the current run against the baseline (side by side)')
    .option('--force', 'replace export or --html files that exist')
    .addHelpText(
      'after',
      `
A cell regressed when the whole bootstrap 95 % interval of median(current) / median(baseline) lies
above 1 + threshold and its Mann-Whitney p-value, Holm-corrected across all cells, is below 0.05;
improved when the interval lies below 1 - threshold with the same p. Cells in one run only are
listed as added or removed.

Exit codes:
  0  no regression
  1  at least one regression
  2  incomparable or unusable input: a missing, empty, corrupt or wrong-version results file, hosts
     that differ (without --allow-different-hosts), a bad option, or an export or --html file that
     exists (without --force)

Examples:
  kvmbench compare results/main results/pr
  kvmbench compare base/results.json pr/results.json --format markdown >> "$GITHUB_STEP_SUMMARY"
  kvmbench compare results/main results/pr --threshold 3 --threshold-for lifecycle=10
  kvmbench compare results/main results/pr --export-bencher bencher.json
  kvmbench compare results/main results/pr --html change.html`,
    )
    .action((baseline: string, current: string, options: CompareCommandOptions) => {
      process.exitCode = runCompare(baseline, current, options);
    });
}
