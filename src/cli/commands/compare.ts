/**
 * `kvmbench compare [baseline [current]]`: did the current run regress against the baseline?
 * Without runs named, the run before results/latest against it; with one, that run against latest.
 * The report goes to stdout, progress and warnings to stderr; the exit code says the verdict.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { compareRuns } from '../../compare/compare-results.js';
import { checkExportTarget, writeFileAtomically } from '../../compare/export-files.js';
import { renderMarkdown } from '../../compare/markdown.js';
import { renderTerminal } from '../../compare/terminal.js';
import {
  DEFAULT_THRESHOLD_PERCENT,
  defaultThresholdPercent,
  parseThresholdOverrides,
  parseThresholdPercent,
} from '../../compare/thresholds.js';
import { UsageError } from '../../errors.js';
import { summaryLine } from '../../format/comparison.js';
import { bencherExporter } from '../../report/bencher.js';
import type { Exporter } from '../../report/exporter.js';
import { githubBenchmarkExporter } from '../../report/github-benchmark.js';
import { renderHtmlReport } from '../../report/html.js';
import type { Comparison, VerdictBasis } from '../../results/comparison.js';
import { latestRun, runBefore } from '../../results/latest.js';
import { loadResultsFile } from '../../results/read.js';
import type { Results } from '../../results/types.js';
import { EXIT } from '../exit-codes.js';
import { type CommandOutput, processOutput } from '../output.js';

export const COMPARE_FORMATS = ['table', 'markdown', 'json'] as const;
/** --on: what binding cells gate on. */
export const COMPARE_BASES = ['ratio', 'absolute'] as const;
const BASIS: Record<(typeof COMPARE_BASES)[number], VerdictBasis> = { ratio: 'ratio-to-floor', absolute: 'absolute' };
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export interface CompareCommandOptions {
  format: CompareFormat;
  /** Percent, of the gated quantity; default: 3 on the ratio, 5 on absolute times. */
  threshold?: number;
  /** The quantity binding cells gate on; default ratio (to the floor). */
  on?: (typeof COMPARE_BASES)[number];
  /** Percent, of the absolute verdicts shown beside (and of the floor's). */
  absoluteThreshold?: number;
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
/**
 * A run as the user named it: a path (a run folder, a folder of runs, a results file, or several
 * joined by commas), or a baseline saved with `run --name NAME`, found under the results directory.
 */
export function resolveRunName(name: string, resultsDir: string): string {
  return name
    .split(',')
    .map((part) => {
      const path = part.trim();
      if (path === '' || existsSync(path) || path.includes('/')) return path;
      const named = join(resultsDir, path);
      return existsSync(named) ? named : path;
    })
    .join(',');
}

export function runsToCompare(names: readonly string[], resultsDir: string): { baseline: string; current: string } {
  const [first, second] = names.map((name) => resolveRunName(name, resultsDir));
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

/** A side's runs: one path, or several separated by commas (the paired design). */
export function runList(value: string): string[] {
  const paths = value
    .split(',')
    .map((path) => path.trim())
    .filter(Boolean);
  if (paths.length === 0) throw new UsageError(`no run named in '${value}'`);
  return paths;
}

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

  const baselinePaths = runList(baselinePath);
  const currentPaths = runList(currentPath);
  const baselines = baselinePaths.map(loadResultsFile);
  const currents = currentPaths.map(loadResultsFile);
  const [baseline, current] = [baselines[0], currents[0]] as [Results, Results];
  const describe = (runs: readonly Results[]): string =>
    runs.map((run) => `${run.run.id} (${run.measurements.length} cells)`).join(', ');
  output.stderr(`kvmbench compare: baseline ${describe(baselines)}, current ${describe(currents)}\n`);
  const on = BASIS[options.on ?? 'ratio'];
  const comparison = compareRuns(baselines, currents, {
    on,
    thresholds: {
      defaultPercent: options.threshold ?? defaultThresholdPercent(on),
      overrides: options.thresholdFor ?? {},
    },
    absoluteThresholdPercent: options.absoluteThreshold ?? DEFAULT_THRESHOLD_PERCENT,
    allowDifferentHosts: options.allowDifferentHosts ?? false,
    sources: { baseline: baselinePaths, current: currentPaths },
  });

  // The verdict first: whatever happens to the files below, it was seen, and it keeps its exit code.
  output.stdout(RENDERERS[options.format](comparison));
  // The table already shows warnings; a Markdown or JSON report is usually redirected, so say them in the log.
  if (options.format !== 'table') {
    for (const warning of comparison.warnings) output.stderr(`kvmbench compare: warning: ${warning}\n`);
    output.stderr(`kvmbench compare: ${summaryLine(comparison)}\n`);
  }
  const written = writeCompareFiles(exports, options, current, baseline, comparison, output);
  return comparison.summary.regressed > 0 || !written ? EXIT.failure : EXIT.ok;
}

/** The --export-* and --html files; false when one could not be written (said on stderr, the others still tried). */
function writeCompareFiles(
  exports: { option: string; path: string; exporter: Exporter }[],
  options: CompareCommandOptions,
  current: Results,
  baseline: Results,
  comparison: Comparison,
  output: CommandOutput,
): boolean {
  let ok = true;
  const attempt = (write: () => void) => {
    try {
      write();
    } catch (error) {
      if (error instanceof UsageError) throw error;
      output.stderr(`kvmbench compare: ${(error as Error).message}\n`);
      ok = false;
    }
  };
  for (const { option, path, exporter } of exports) {
    const [file] = exporter.export(current);
    if (!file) continue;
    attempt(() => {
      writeFileAtomically(path, file.content, option, options.force ?? false);
      output.stderr(`kvmbench compare: wrote ${path} (${exporter.format}, the current run)\n`);
    });
  }
  const html = options.html;
  if (html !== undefined) {
    attempt(() => {
      writeFileAtomically(html, renderHtmlReport(current, { baseline, comparison }), '--html', options.force ?? false);
      output.stderr(`kvmbench compare: wrote ${html} (HTML report of the current run against the baseline)\n`);
    });
  }
  return ok;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two runs: per workload × binding, is the current run slower or faster than the baseline?')
    .argument(
      '[baseline]',
      'the baseline run: a run folder (results/<run id>) or its results.json, or several separated by commas ' +
        '(default: the run before latest)',
    )
    .argument('[current]', 'the run(s) to judge, likewise (default: results/latest)')
    .option('--results-dir <dir>', 'where the latest pointer is, for runs not named', DEFAULT_RESULTS_DIR)
    .addOption(new Option('--format <format>', 'report format on stdout').choices(COMPARE_FORMATS).default('table'))
    .addOption(
      new Option('--on <quantity>', 'what binding cells gate on: their ratio to the c-loop floor, or absolute time')
        .choices(COMPARE_BASES)
        .default('ratio'),
    )
    .option(
      '--threshold <percent>',
      'smallest change of the gated quantity that counts (default: 3 on the ratio, 5 on absolute time)',
      (value: string) => parseThresholdPercent('--threshold', value),
    )
    .option(
      '--absolute-threshold <percent>',
      `threshold of the absolute verdicts shown beside the ratio's, and of the floor's (default ${DEFAULT_THRESHOLD_PERCENT})`,
      (value: string) => parseThresholdPercent('--absolute-threshold', value),
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
By default each binding is judged on its time over the c-loop floor's in the same process and round,
which a change of the host's speed between the runs leaves alone. Per cell, the per-process medians
of that ratio are the units; Welch's t on their logs gives the change, its 95 % interval and p,
Holm-corrected across the binding cells. A cell regressed when the corrected p is below 0.05 and the
change exceeds +threshold; improved likewise below; inconclusive when p is not significant but the
interval reaches beyond the threshold. The absolute change is shown beside (host-sensitive). The
c-loop cells are judged on absolute time and do not fail the gate, unless the runs form a paired
design: several runs a side, made in alternation (A1 B1 A2 B2, by their start times), compared
together (compare A1,A2 B1,B2); a floor change seen in every adjacent pair then fails it too.
--on absolute judges every cell on absolute time (host-sensitive). Cells in one run only are listed
as added or removed.

Exit codes:
  0  no regression
  1  at least one regression
  2  incomparable or unusable input: a missing, empty, corrupt or wrong-version results file, hosts
     that differ (without --allow-different-hosts), a bad option, or an export or --html file that
     exists (without --force)

Without runs named, compare takes the newest two runs of --results-dir (results/latest, which each
kvmbench run updates, and the run before it); with one, that run against results/latest. A run is a
run folder, a results file, a folder of runs (read at its latest run), or a name saved with
\`kvmbench run --name NAME\` (results/NAME).

Examples:
  kvmbench compare                     the previous run against the latest
  kvmbench compare main                a baseline saved with \`run --name main\` against the latest run
  kvmbench compare results/main        the same, by path (a folder of runs is read at its latest)
  kvmbench compare results/main results/pr
  kvmbench compare base/results.json pr/results.json --format markdown >> "$GITHUB_STEP_SUMMARY"
  kvmbench compare results/main results/pr --threshold 3 --threshold-for lifecycle=10
  kvmbench compare results/main results/pr --export-bencher bencher.json
  kvmbench compare results/main results/pr --html change.html
  kvmbench compare results/a1,results/a2 results/b1,results/b2   paired: runs made a1 b1 a2 b2
  kvmbench compare results/main results/pr --on absolute`,
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
