/**
 * `kvmbench merge RUN...`: results from several hosts into one fleet folder: fleet.json (each
 * host's results whole), fleet.csv and fleet.html with one column per host. Reads run folders,
 * results.json files and earlier fleet.json files.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { newRunId } from '../../bench/runner.js';
import { FLEET_FILE_NAME, mergeRuns } from '../../merge/fleet.js';
import { renderFleetCsv, renderFleetHtml } from '../../merge/fleet-report.js';
import { createRunFolder, prepareOutputDirectory, writeRunFiles } from '../../report/write.js';

export interface MergeCommandOptions {
  out: string;
}

/** Writes the fleet folder; returns its path. */
export function runMerge(runs: readonly string[], options: MergeCommandOptions): string {
  const fleet = mergeRuns(runs);
  const outDir = prepareOutputDirectory(options.out);
  const folder = createRunFolder(outDir, `fleet-${newRunId()}`);
  writeRunFiles(folder, [
    { name: FLEET_FILE_NAME, content: `${JSON.stringify(fleet, null, 1)}\n` },
    { name: 'fleet.csv', content: renderFleetCsv(fleet) },
    { name: 'fleet.html', content: renderFleetHtml(fleet) },
  ]);
  return folder;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description(
      'merge runs from several hosts into one fleet folder: fleet.json, fleet.csv, fleet.html (a column per host)',
    )
    .argument('<runs...>', 'run folders, results.json files or fleet.json files')
    .option('-o, --out <dir>', 'directory that receives a new fleet folder', 'results')
    .addHelpText(
      'after',
      `
Examples:
  kvmbench merge results/host-a-run results/host-b-run
  kvmbench merge fleet-artifacts/*/ --out merged`,
    )
    .action((runs: string[], options: MergeCommandOptions) => {
      const folder = runMerge(runs, options);
      process.stdout.write(
        `merged ${runs.length} input(s) into ${join(folder, FLEET_FILE_NAME)} (and fleet.csv, fleet.html)\n`,
      );
    });
}
