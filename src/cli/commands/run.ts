/** `kvmbench run`: measure, then write the run folder and print the summary table. */
import { cpus } from 'node:os';
import type { Command } from 'commander';
import type { RunOptions } from '../../bench/results.js';
import { newRunId, runBenchmarks } from '../../bench/runner.js';
import { DEFAULT_CPUID_K, WORKLOAD_NAMES } from '../../bench/workloads.js';
import { BINDING_NAMES } from '../../bindings/types.js';
import { probePerf } from '../../host/perf.js';
import { exportFiles } from '../../report/export-worker.js';
import { DEFAULT_FORMATS, exportersFor, FORMAT_NAMES } from '../../report/registry.js';
import { terminalTable } from '../../report/terminal.js';
import { createRunFolder, prepareOutputDirectory, removeIfEmpty, writeRunFiles } from '../../report/write.js';
import { WriteFilesError } from '../../results/write.js';
import { PERF_BASIC_PROF } from '../../trace/perf-record-session.js';
import { TRACE_MODES } from '../../trace/session.js';
import { onInterrupt } from '../../util/cleanup.js';
import { runExitCode } from '../exit-codes.js';
import { parseInteger, parseList, parseOne, parsePositiveInteger } from '../options.js';
import { progressReporter } from '../progress.js';
import { reExecWith } from '../re-exec.js';

export interface RunCommandOptions {
  workloads?: string;
  bindings?: string;
  quick?: boolean;
  rounds?: string;
  timePerRound?: string;
  pin?: string;
  out: string;
  format: string;
  cpuidK: string;
  kvm: string;
  trace?: string;
}

/** Defaults sized for 2 cores: a full run in about a minute, --quick in about ten seconds. */
const PROFILES = {
  default: { rounds: 8, timePerRoundMs: 120, warmupMs: 100 },
  quick: { rounds: 3, timePerRoundMs: 40, warmupMs: 30 },
};

export function planFromOptions(options: RunCommandOptions): RunOptions {
  const profile = options.quick ? PROFILES.quick : PROFILES.default;
  // `!== undefined`, not truthiness: an empty value ('') is an error, not "use the default".
  return {
    workloads:
      options.workloads !== undefined
        ? parseList('--workloads', options.workloads, WORKLOAD_NAMES)
        : [...WORKLOAD_NAMES],
    bindings:
      options.bindings !== undefined ? parseList('--bindings', options.bindings, BINDING_NAMES) : [...BINDING_NAMES],
    rounds: options.rounds !== undefined ? parsePositiveInteger('--rounds', options.rounds, 1000) : profile.rounds,
    timePerRoundMs:
      options.timePerRound !== undefined
        ? parsePositiveInteger('--time-per-round', options.timePerRound, 600_000)
        : profile.timePerRoundMs,
    warmupMs: profile.warmupMs,
    quick: Boolean(options.quick),
    ...(options.pin === undefined ? {} : { pin: parseInteger('--pin', options.pin, 0, cpus().length - 1) }),
    cpuidK: parsePositiveInteger('--cpuid-k', options.cpuidK, 10_000),
    ...(options.trace === undefined ? {} : { trace: parseOne('--trace', options.trace, TRACE_MODES) }),
  };
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('benchmark VM lifecycle and exit round trips through every binding; write a new run folder')
    .option('-w, --workloads <list>', `comma-separated: ${WORKLOAD_NAMES.join(', ')}`)
    .option('-b, --bindings <list>', `comma-separated: ${BINDING_NAMES.join(', ')}`)
    .option('-q, --quick', 'fewer, shorter rounds (about 10 s)')
    .option('-r, --rounds <n>', 'interleaved rounds (default 8; 3 with --quick)')
    .option('-t, --time-per-round <ms>', 'time each binding gets per workload per round (default 120; 40 with --quick)')
    .option('--pin <cpu>', 'pin the process to one CPU for the run (restored afterwards)')
    .option('-o, --out <dir>', 'directory that receives a new run folder', 'results')
    .option('-f, --format <list>', `comma-separated: ${FORMAT_NAMES.join(', ')}`, DEFAULT_FORMATS.join(','))
    .option('--cpuid-k <k>', 'in-kernel CPUID exits per userspace exit in cpuid-then-pio', String(DEFAULT_CPUID_K))
    .option('--kvm <path>', 'the KVM device', '/dev/kvm')
    .option('--trace <mode>', `after measuring, trace one batch per cell: ${TRACE_MODES.join(', ')}`)
    .addHelpText(
      'after',
      `
Examples:
  kvmbench run --quick
  kvmbench run --workloads pio-out,lifecycle --bindings c-loop,napi --rounds 20
  kvmbench run --pin 1 --out /results --format json,csv
  kvmbench run --quick --trace ftrace      per-exit split: in KVM_RUN vs userspace turnaround
  kvmbench run --quick --trace perf-record flame graph with the koffi and N-API frames`,
    )
    .action(async (options: RunCommandOptions) => {
      const plan = planFromOptions(options);
      const exporters = exportersFor(parseList('--format', options.format, FORMAT_NAMES));
      const outDir = prepareOutputDirectory(options.out);
      if (plan.trace === 'perf-record' && !process.execArgv.includes(PERF_BASIC_PROF)) {
        // JIT frames need Node's perf map, which only a flag at start-up turns on.
        process.exitCode = await reExecWith([PERF_BASIC_PROF]);
        return;
      }
      const runId = newRunId();
      const folder = createRunFolder(outDir, runId);
      const perf = await probePerf();
      const progress = progressReporter();
      let signal: NodeJS.Signals | undefined;
      const stopListening = onInterrupt((received) => {
        signal = received;
        process.stderr.write(
          `\nkvmbench: ${received}: stopping after this turn and writing what was measured (again to quit at once)\n`,
        );
      });
      let results: Awaited<ReturnType<typeof runBenchmarks>>;
      let traceFailed = false;
      try {
        results = await runBenchmarks(plan, {
          runId,
          folder,
          kvmPath: options.kvm,
          hardwareCounters: perf.hardwareCounters,
          onProgress: (p) => progress.update(p),
          onTraceFailure: () => {
            traceFailed = true;
          },
        });
      } catch (error) {
        removeIfEmpty(folder);
        throw error;
      } finally {
        stopListening();
        progress.finish();
      }
      // The table first: whatever happens to the files, the numbers were seen.
      process.stdout.write(terminalTable(results));
      for (const warning of results.warnings) process.stderr.write(`warning: ${warning}\n`);
      // Writing: a first Ctrl-C lets it finish (the run is measured), a second quits at once.
      const stopWriting = onInterrupt((received) => {
        signal ??= received;
        process.stderr.write(`\nkvmbench: ${received}: writing the run folder first (again to quit at once)\n`);
      });
      let written: string[];
      try {
        written = writeRunFiles(
          folder,
          await exportFiles(
            exporters.map((exporter) => exporter.format),
            results,
          ),
        );
      } catch (error) {
        if (!(error instanceof WriteFilesError)) throw error;
        if (error.written.length > 0) process.stdout.write(`\nwrote ${error.written.length} files to ${folder}\n`);
        else removeIfEmpty(folder);
        throw error;
      } finally {
        stopWriting();
      }
      process.stdout.write(`\nwrote ${written.length} files to ${folder}\n`);
      process.exitCode = runExitCode(results, signal, traceFailed);
    });
}
