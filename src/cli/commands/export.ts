/**
 * `kvmbench export <run> --format csv,markdown --out DIR`: writes a run's exports again from its
 * results (the formats a run writes, or the CI ones for a run written without them), never over an
 * existing file unless --force.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { checkExportTarget, writeFileAtomically } from '../../compare/export-files.js';
import { exportFiles } from '../../report/export-worker.js';
import { FORMAT_NAMES } from '../../report/registry.js';
import { checkOutputDirectory, prepareOutputDirectory } from '../../report/write.js';
import { loadResultsFile } from '../../results/read.js';
import { parseList } from '../options.js';
import { processOutput } from '../output.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description("write a run's exports again from its results: CSV, Markdown, github-benchmark, Bencher, HTML")
    .argument('<run>', 'a run folder, a folder of runs (its latest), or a results.json')
    .requiredOption('-f, --format <list>', `comma-separated: ${FORMAT_NAMES.join(', ')}`)
    .option('-o, --out <dir>', 'the directory the files go to', '.')
    .option('--force', 'replace files that exist')
    .addHelpText(
      'after',
      `
Examples:
  kvmbench export results/latest --format github-benchmark,bencher --out ci/
  kvmbench export main --format markdown --out .        a baseline saved with run --name main`,
    )
    .action(async (run: string, options: { format: string; out: string; force?: boolean }) => {
      const formats = parseList('--format', options.format, FORMAT_NAMES);
      const results = loadResultsFile(run);
      const dir = checkOutputDirectory(options.out);
      const files = await exportFiles(formats, results);
      // Every target is checked before any is written: a refused one leaves the others unwritten too.
      for (const file of files) checkExportTarget(join(dir, file.name), '--out', Boolean(options.force));
      prepareOutputDirectory(dir);
      for (const file of files) {
        const path = join(dir, file.name);
        const content = typeof file.content === 'string' ? file.content : Buffer.from(file.content).toString('utf8');
        writeFileAtomically(path, content, '--out', Boolean(options.force));
        processOutput.stdout(`wrote ${path}\n`);
      }
    });
}
