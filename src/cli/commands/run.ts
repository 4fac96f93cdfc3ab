/** `kvmbench run`: parse the options, run the pipeline (src/pipeline/run.ts), print the table and the answer. */
import { type Command, Option } from 'commander';
import { readChildRequest } from '../../bench/child-request.js';
import { CHILD_OPTIONS_FLAG } from '../../bench/processes.js';
import { terminalWidth, wrapText } from '../../format/wrap.js';
import { requestFromChild, requestFromFlags, runToFolder } from '../../pipeline/run.js';
import { attributeName, type RunFlags } from '../../pipeline/run-options.js';
import { headlineSentences } from '../../report/headline.js';
import { sweepSummaryLines } from '../../report/sweeps/terminal.js';
import { terminalTable } from '../../report/terminal.js';
import type { Results } from '../../results/types.js';
import { runExitCode } from '../exit-codes.js';
import { progressReporter } from '../progress.js';
import { reExecWith } from '../re-exec.js';
import { addRunOptions } from '../run-option-flags.js';

const EXAMPLES = `
Examples:
  kvmbench run --quick
  kvmbench run --workloads pio-out,lifecycle --bindings c-loop,napi --rounds 20
  kvmbench run --pin 1 --out /results --format json,csv
  kvmbench run --processes 1 --rounds 20    measure in this process only
  kvmbench run --name main                 a baseline: results/main/<run id>; later \`kvmbench compare main\`
  kvmbench run -w pio-out,hlt --trace ftrace  per-exit split: in KVM_RUN vs userspace turnaround
  kvmbench run --quick --trace perf-record flame graph with the koffi and N-API frames
  kvmbench run --sweep memory --quick      4 KiB..64 MiB: set region, touch every page, dirty log, teardown
  kvmbench run --sweep vcpus               vCPU creation and exit throughput, 1..2x CPUs vCPUs in threads
  kvmbench run --sweep vms                 N VMs created, run and destroyed at once
  kvmbench run --quick --peers qemu,kvmtool  QEMU and kvmtool beside the bindings (docs/peers.md)
  kvmbench run --quick --runtimes node,node26,bun,deno  every FFI path in every runtime (docs/runtimes.md)`;

/** The table first, then the warnings: whatever happens to the files, the numbers were seen. */
function printMeasured(results: Results): void {
  process.stdout.write(terminalTable(results));
  if (results.run.options.sweep) process.stdout.write(sweepSummaryLines(results).join('\n'));
  for (const warning of results.warnings) {
    process.stderr.write(`${wrapText(`warning: ${warning}`, terminalWidth(process.stderr)).join('\n')}\n`);
  }
}

/** The run's answer, where to read more, and what to run next: the last lines a newcomer sees. */
function answerLines(results: Results, written: readonly string[]): string[] {
  const width = terminalWidth();
  const report = written.find((file) => file.endsWith('report.html'));
  return [
    ...(report ? wrapText(`report: ${report}`, width) : []),
    ...wrapText('next: change something, run again, then `kvmbench compare` (this run against the next)', width),
    '',
    ...headlineSentences(results).flatMap((sentence) => wrapText(sentence, width)),
    '',
  ];
}

async function runCommand(flags: RunFlags): Promise<void> {
  // A measuring child is handed its RunOptions as data (src/bench/child-request.ts).
  const optionsFile = flags[attributeName(CHILD_OPTIONS_FLAG)];
  const request =
    typeof optionsFile === 'string' ? requestFromChild(readChildRequest(optionsFile)) : await requestFromFlags(flags);
  const outcome = await runToFolder(request, {
    progress: progressReporter(),
    measured: printMeasured,
    wrote: (count, folder) => process.stdout.write(`\nwrote ${count} files to ${folder}\n`),
  });
  if ('restartWith' in outcome) {
    process.exitCode = await reExecWith(outcome.restartWith);
    return;
  }
  if (!request.partOfRun) process.stdout.write(answerLines(outcome.results, outcome.written).join('\n'));
  process.exitCode = runExitCode(outcome.results, outcome.signal, outcome.partFailed);
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('benchmark VM lifecycle and exit round trips through every binding; write a new run folder');
  addRunOptions(command)
    .addOption(new Option(`${CHILD_OPTIONS_FLAG} <path>`, "a measuring child's request (internal)").hideHelp())
    .addHelpText('after', EXAMPLES)
    .action(runCommand);
}
