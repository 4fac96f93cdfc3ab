/** `kvmbench calibrate`: A/A runs of this build against itself; prints each workload's noise and a threshold. */
import type { Command } from 'commander';
import { newRunId, runBenchmarks } from '../../bench/runner.js';
import { absoluteThresholdOption, calibrate, formatCalibration, thresholdOption } from '../../compare/calibrate.js';
import { probePerf } from '../../host/perf.js';
import { planRunOptions } from '../../pipeline/run-options.js';
import { jsonExporter } from '../../report/json.js';
import { checkOutputDirectory, createRunFolder, prepareOutputDirectory, writeRunFiles } from '../../report/write.js';
import type { Results } from '../../results/types.js';
import { parseInteger, printJson } from '../options.js';
import { progressReporter } from '../progress.js';
import { addRunOptions } from '../run-option-flags.js';

const MIN_RUNS = 2;
const MAX_RUNS = 100;

export function registerCalibrate(program: Command): void {
  const command = program
    .command('calibrate')
    .description('run the same build several times (A/A) and suggest per-workload thresholds for compare')
    .option('-n, --runs <n>', `how many runs, ${MIN_RUNS} to ${MAX_RUNS}`, '3');
  addRunOptions(command, ['workloads', 'bindings', 'quick'], {
    workloads: 'comma-separated workloads (default: all)',
    bindings: 'comma-separated bindings (default: all)',
    quick: 'quick runs',
  })
    .option('-o, --out <dir>', 'directory that receives the runs', 'results')
    .option('--json', 'print the noise table as JSON')
    .addHelpText(
      'after',
      `
Each run is a full \`kvmbench run\` (in 4 processes, or one with --quick) written to --out, and each
is compared with the first on both quantities compare judges: the binding / floor ratio (the default
gate, --threshold/--threshold-for) and absolute time (--absolute-threshold, --on absolute). For each:
the worst A/A change (the noise a threshold must stay above), a suggested threshold, and the smallest
change one run a side would catch 90 % of the time given the measured spread.

Examples:
  kvmbench calibrate --quick
  kvmbench calibrate --runs 5 --workloads pio-out,lifecycle --bindings napi,koffi
  kvmbench calibrate --json > noise.json`,
    )
    .action(
      async (options: {
        runs: string;
        workloads?: string;
        bindings?: string;
        quick?: boolean;
        out: string;
        json?: boolean;
      }) => {
        // One run has nothing to be compared with: refuse it rather than quietly running two.
        const count = parseInteger('--runs', options.runs, MIN_RUNS, MAX_RUNS);
        const { workloads, bindings, quick } = options;
        // Each A/A run as `run` would make it (a default run in 4 fresh processes, --quick in one):
        // the noise to stay above is that of the runs a CI job compares, process to process included.
        const plan = planRunOptions({ workloads, bindings, quick });
        // Made with the first run's files: runs that fail (no KVM) leave no folder.
        const outDir = checkOutputDirectory(options.out);
        const perf = await probePerf();
        const runs: Results[] = [];
        for (let i = 0; i < count; i++) {
          process.stderr.write(`kvmbench calibrate: run ${i + 1} of ${count}\n`);
          const progress = progressReporter();
          const runId = newRunId();
          const { results } = await runBenchmarks(plan, {
            runId,
            hardwareCounters: perf.hardwareCounters,
            stopped: () => false,
            onProgress: (p) => progress.update(p),
          });
          progress.finish();
          writeRunFiles(createRunFolder(prepareOutputDirectory(outDir), runId), jsonExporter.export(results));
          runs.push(results);
        }
        const calibration = calibrate(runs);
        const suggested = {
          thresholdFor: thresholdOption(calibration),
          absoluteThreshold: absoluteThresholdOption(calibration),
        };
        if (options.json) {
          printJson({ ...calibration, suggested });
          return;
        }
        process.stdout.write(formatCalibration(calibration, suggested));
      },
    );
}
