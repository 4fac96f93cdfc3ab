/**
 * `kvmbench compare [baseline [current]]`: did the current run regress against the baseline?
 * Without runs named, the run before results/latest against it; with one, that run against latest.
 * The report goes to stdout, progress and warnings to stderr; the exit code says the verdict.
 */
import { type Command, Option } from 'commander';
import { compareResults } from '../../compare/compare-results.js';
import { checkExportTarget, writeFileAtomically } from '../../compare/export-files.js';
import { renderMarkdown } from '../../compare/markdown.js';
import { renderTerminal } from '../../compare/terminal.js';
import { DEFAULT_THRESHOLD_PERCENT, parseThresholdOverrides, parseThresholdPercent } from '../../compare/thresholds.js';
import { summaryLine } from '../../format/comparison.js';
import { bencherExporter } from '../../report/bencher.js';
import type { Exporter } from '../../report/exporter.js';
import { githubBenchmarkExporter } from '../../report/github-benchmark.js';
import { renderHtmlReport } from '../../report/html.js';
import type { Comparison } from '../../results/comparison.js';
import { latestRun, runBefore } from '../../results/latest.js';
import { loadResultsFile } from '../../results/read.js';
import { EXIT } from '../exit-codes.js';
import { type CommandOutput, processOutput } from '../output.js';

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

/** The results directory whose `latest` pointer stands for runs not named. */
export const DEFAULT_RESULTS_DIR = 'results';

/**
 * The two runs to compare from 0, 1 or 2 names: the run before latest and latest, the named run and
 * latest, or the two named runs.
 */
export function runsToCompare(names: readonly string[], resultsDir: string): { baseline: string; current: string } {
  const [first, second] = names;
  if (first !== undefined && second !== undefined) return { baseline: first, current: second };
  const current = latestRun(resultsDir);
  return { baseline: first ?? runBefore(resultsDir, current), current };
}

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
  output: CommandOutput = processOutput,
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
    .argument(
      '[baseline]',
      'the baseline run: a run folder (results/<run id>) or its results.json (default: the run before latest)',
    )
    .argument('[current]', 'the run to judge: a run folder or its results.json (default: results/latest)')
    .option('--results-dir <dir>', 'where the latest pointer is, for runs not named', DEFAULT_RESULTS_DIR)
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

Without runs named, compare takes the newest two runs of --results-dir (results/latest, which each
kvmbench run updates, and the run before it); with one, that run against results/latest.

Examples:
  kvmbench compare                     the previous run against the latest
  kvmbench compare results/main        results/main against the latest run
  kvmbench compare results/main results/pr
  kvmbench compare base/results.json pr/results.json --format markdown >> "$GITHUB_STEP_SUMMARY"
  kvmbench compare results/main results/pr --threshold 3 --threshold-for lifecycle=10
  kvmbench compare results/main results/pr --export-bencher bencher.json
  kvmbench compare results/main results/pr --html change.html`,
    )
    .action(
      (
        baseline: string | undefined,
        current: string | undefined,
        options: CompareCommandOptions & { resultsDir: string },
      ) => {
        const runs = runsToCompare(
          [baseline, current].filter((name) => name !== undefined),
          options.resultsDir,
        );
        process.exitCode = runCompare(runs.baseline, runs.current, options);
      },
    );
}
