/**
 * `kvmbench report <run> [--baseline <run>]`: renders a run's HTML report again from its results,
 * optionally against a baseline run (the "Change against baseline" section). By default it replaces
 * the run folder's report.html, which is derived from results.json; a file named with --out is only
 * replaced with --force.
 */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { compareResults } from '../../compare/compare-results.js';
import { checkExportTarget, writeFileAtomically } from '../../compare/export-files.js';
import { UsageError } from '../../errors.js';
import { summaryLine } from '../../format/comparison.js';
import { renderHtmlReport } from '../../report/html.js';
import { loadResultsFile, RESULTS_FILE_NAME } from '../../results/read.js';
import type { Results } from '../../results/types.js';
import { EXIT } from '../exit-codes.js';
import { type CommandOutput, processOutput } from '../output.js';

/** The name the HTML exporter gives the report inside a run folder. */
export const REPORT_FILE_NAME = 'report.html';

export interface ReportCommandOptions {
  baseline?: string;
  out?: string;
  force?: boolean;
  allowDifferentHosts?: boolean;
}

/**
 * The run folder's report.html: <run>/report.html for a folder, or beside a results.json. Any other
 * file is not known to sit in a run folder, so its report.html is not ours to replace.
 */
function defaultTarget(run: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(run).isDirectory();
  } catch {
    // loadResultsFile has already said what is wrong with the path.
  }
  if (isDirectory) return join(run, REPORT_FILE_NAME);
  if (basename(run) === RESULTS_FILE_NAME) return join(dirname(run), REPORT_FILE_NAME);
  throw new UsageError(
    `${run} is not a run folder nor its ${RESULTS_FILE_NAME}: say where the report goes with --out FILE`,
  );
}

/** Renders and writes the report; returns EXIT.ok. Throws UsageError (exit 2) for bad input. */
export function runReport(run: string, options: ReportCommandOptions, output: CommandOutput = processOutput): number {
  const force = options.force ?? false;
  if (options.out !== undefined) {
    if (options.out.trim() === '') throw new UsageError('--out needs a file name');
    checkExportTarget(options.out, '--out', force);
  }
  const current = loadResultsFile(run);
  const target = options.out ?? defaultTarget(run);
  let baseline: Results | undefined;
  let content: string;
  if (options.baseline === undefined) {
    content = renderHtmlReport(current);
  } else {
    baseline = loadResultsFile(options.baseline);
    const comparison = compareResults(baseline, current, {
      allowDifferentHosts: options.allowDifferentHosts ?? false,
      sources: { baseline: options.baseline, current: run },
    });
    content = renderHtmlReport(current, { baseline, comparison });
    output.stderr(`kvmbench report: against ${baseline.run.id}: ${summaryLine(comparison)}\n`);
  }
  // The run folder's own report.html is derived from its results.json: replacing it loses nothing.
  writeFileAtomically(
    target,
    content,
    options.out === undefined ? 'writing' : '--out',
    options.out === undefined || force,
  );
  output.stdout(`wrote ${target}${baseline ? ` (${current.run.id} against baseline ${baseline.run.id})` : ''}\n`);
  return EXIT.ok;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("render a run's HTML report again, optionally against a baseline run")
    .argument('<run>', 'a run folder (results/<run id>) or its results.json')
    .option('--baseline <run>', 'show the run against this earlier run: change table and ECDF overlays')
    .option('-o, --out <file>', "write here instead of the run folder's report.html")
    .option('--force', 'replace the --out file if it exists')
    .option('--allow-different-hosts', 'compare even when CPU, kernel, nesting or KVM module parameters differ')
    .addHelpText(
      'after',
      `
Without --out the report replaces <run>/report.html (it is derived from results.json); a file given
with --out is never replaced unless --force. Files are written atomically. Regressions do not change
the exit code: use kvmbench compare to gate on them.

Exit codes:
  0  the report was written
  2  unusable input: a missing, empty, corrupt or wrong-version results file, hosts that differ
     (without --allow-different-hosts), or an --out file that exists (without --force)

Examples:
  kvmbench report results/20261130T085817Z-628d5c
  kvmbench report results/pr --baseline results/main
  kvmbench report pr/results.json --baseline main/results.json --out change.html --force`,
    )
    .action((run: string, options: ReportCommandOptions) => {
      process.exitCode = runReport(run, options);
    });
}
