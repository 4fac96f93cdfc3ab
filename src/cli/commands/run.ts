/** `kvmbench run`: measure, then write the run folder and print the summary table. */
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { FLOOR_BINDING } from '../../bench/plan.js';
import { PARENT_PID_ENV, PART_OF_RUN_ENV, parentScratchOf } from '../../bench/processes.js';
import { newRunId, runBenchmarks } from '../../bench/runner.js';
import { probeSweepHost } from '../../bench/sweeps/host.js';
import { hugePageBacking } from '../../bench/sweeps/huge-pages.js';
import { defaultSweepBindings, type SweepHost, sweepWorkloads } from '../../bench/sweeps/plan.js';
import { SWEEP_KINDS, type SweepKind } from '../../bench/sweeps/points.js';
import { DEFAULT_CPUID_K, WORKLOAD_NAMES } from '../../bench/workloads.js';
import { BINDING_NAMES, type BindingName } from '../../bindings/types.js';
import { UsageError } from '../../errors.js';
import { terminalWidth, wrapText } from '../../format/wrap.js';
import { probePerf } from '../../host/perf.js';
import { DEFAULT_KVM_PATH } from '../../kvm/system.js';
import { readPeerGuest } from '../../peers/guest-image.js';
import { measurePeers, peerLoopMs } from '../../peers/measure.js';
import { withPeerRows } from '../../peers/rows.js';
import { PEER_NAMES } from '../../peers/types.js';
import { exportFiles } from '../../report/export-worker.js';
import { headlineSentences } from '../../report/headline.js';
import { DEFAULT_FORMATS, exportersFor, FORMAT_NAMES } from '../../report/registry.js';
import { sweepSummaryLines } from '../../report/sweeps/terminal.js';
import { terminalTable } from '../../report/terminal.js';
import {
  checkOutputDirectory,
  createRunFolder,
  prepareOutputDirectory,
  removeIfEmpty,
  writeRunFiles,
} from '../../report/write.js';
import { updateLatestPointer } from '../../results/latest.js';
import { TRACE_MODES } from '../../results/trace.js';
import type { Results, RunOptions } from '../../results/types.js';
import { WriteFilesError } from '../../results/write.js';
import { OWN_RUNTIME } from '../../runtimes/bindings.js';
import { findRuntimes, HOST_RUNTIME, hostRuntime, RUNTIME_NAMES, type Runtime } from '../../runtimes/discover.js';
import { PERF_BASIC_PROF } from '../../trace/perf-record-session.js';
import { onInterrupt } from '../../util/cleanup.js';
import { exitWithParent } from '../../util/parent-watch.js';
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
  jitWarmup?: string;
  pin?: string;
  out: string;
  format: string;
  cpuidK: string;
  kvm: string;
  trace?: string;
  processes?: string;
  sweep?: string;
  peers?: string;
  injectDelayNs?: string;
  runtimes?: string;
  name?: string;
}

/**
 * Defaults sized for 2 cores: a full run in under a minute, --quick in under ten seconds. Many
 * short rounds rather than a few long ones: the round is the unit the intervals rest on. A default
 * run measures in 4 fresh processes: a host's performance drifts in phases of seconds (seen: the
 * same guest 30.7 µs in one process, 38.5 µs in the next), and only several processes spread over
 * the run give intervals that two identical runs stay inside. The process is then the unit, and
 * Student's t for k processes shrinks fast with k (t/sqrt(k): 2.48 for 3, 1.59 for 4), so 4
 * processes of 5 rounds give intervals a third narrower than 3 of 7 in the same time. 6 of 3 did
 * not narrow them further on the PVM host (A/A half-widths, median 7.6 % against 5.0 %, runs
 * alternated): shorter processes see more of the host's phases. The lifecycle's JIT warm-up (600
 * lifecycles per JS binding with V8's budget lowered, ~1.3 s per process on a PVM host) is capped by
 * jitWarmupMaxMs; the default run pays for it with 10 ms per-cell warm-ups and 30 ms turns (exit
 * loops are hot within a few ms) and stays under a minute. --quick gives it 1.5 s, about its count.
 */
const PROFILES = {
  default: { rounds: 5, timePerRoundMs: 30, warmupMs: 10, jitWarmupMaxMs: 3500, processes: 4 },
  quick: { rounds: 12, timePerRoundMs: 7, warmupMs: 10, jitWarmupMaxMs: 1500, processes: 1 },
  // A 64 MiB memory point takes ~0.15 s per iteration on a PVM host: six turns (the fewest with a
  // 95 % order-statistic interval) keep `--sweep memory --quick` near 20 s.
  quickSweep: { rounds: 6, timePerRoundMs: 12, warmupMs: 10, jitWarmupMaxMs: 0, processes: 1 },
};

/** The options that shape what a run measures (calibrate passes a few alone). */
export type PlanOptions = Pick<RunCommandOptions, 'workloads' | 'bindings' | 'quick'> &
  Partial<
    Pick<
      RunCommandOptions,
      | 'rounds'
      | 'timePerRound'
      | 'jitWarmup'
      | 'pin'
      | 'trace'
      | 'processes'
      | 'cpuidK'
      | 'sweep'
      | 'kvm'
      | 'peers'
      | 'injectDelayNs'
    >
  >;

/**
 * The bindings asked for, each checked against the runtimes that will measure them (this process's
 * when there is no --runtimes); by default all they can run, in the catalogue's order.
 */
function bindingsFor(value: string | undefined, runtimes: readonly Runtime[] | undefined): BindingName[] {
  const lanes = runtimes ?? [hostRuntime()];
  const runnable = new Set(lanes.flatMap((runtime) => runtime.bindings));
  if (value === undefined) return BINDING_NAMES.filter((name) => runnable.has(name));
  const asked = parseList('--bindings', value, BINDING_NAMES);
  for (const binding of asked) {
    if (runnable.has(binding)) continue;
    const own = OWN_RUNTIME[binding];
    throw new UsageError(
      `--bindings ${binding}: ${lanes.map((r) => `${r.name} (${r.kind} ${r.version})`).join(', ')} cannot run it` +
        (own ? `; it runs under ${own}` : ''),
    );
  }
  return asked;
}

/** --runtimes runs measure in children of each runtime: what measures in this process alone cannot join. */
function checkRuntimesCombination(options: PlanOptions): void {
  for (const [flag, value] of [
    ['--sweep', options.sweep],
    ['--peers', options.peers],
    ['--trace', options.trace !== undefined && options.trace !== 'ftrace' ? options.trace : undefined],
  ] as const) {
    if (value !== undefined) {
      throw new UsageError(
        `--runtimes measures in processes of each runtime; ${flag} ${value} measures in this one: drop one of them`,
      );
    }
  }
}

export function planFromOptions(options: PlanOptions, sweepHost?: () => SweepHost, found?: Runtime[]): RunOptions {
  // `--runtimes node` alone is this process's runtime: the same as no --runtimes.
  const runtimes = found?.some((runtime) => runtime.name !== HOST_RUNTIME) ? found : undefined;
  if (runtimes) checkRuntimesCombination(options);
  const sweep = sweepOptions(options, sweepHost);
  const profile = options.quick ? (sweep ? PROFILES.quickSweep : PROFILES.quick) : PROFILES.default;
  // `!== undefined`, not truthiness: an empty value ('') is an error, not "use the default".
  return {
    workloads:
      sweep?.workloads ??
      (options.workloads !== undefined
        ? parseList('--workloads', options.workloads, WORKLOAD_NAMES)
        : [...WORKLOAD_NAMES]),
    bindings: options.bindings === undefined && sweep ? sweep.bindings : bindingsFor(options.bindings, runtimes),
    rounds: options.rounds !== undefined ? parsePositiveInteger('--rounds', options.rounds, 1000) : profile.rounds,
    timePerRoundMs:
      options.timePerRound !== undefined
        ? parsePositiveInteger('--time-per-round', options.timePerRound, 600_000)
        : profile.timePerRoundMs,
    warmupMs: profile.warmupMs,
    jitWarmupMaxMs:
      options.jitWarmup !== undefined
        ? parseInteger('--jit-warmup', options.jitWarmup, 0, 600_000)
        : profile.jitWarmupMaxMs,
    quick: Boolean(options.quick),
    ...(options.pin === undefined ? {} : { pin: parseInteger('--pin', options.pin, 0, cpus().length - 1) }),
    cpuidK: options.cpuidK === undefined ? DEFAULT_CPUID_K : parsePositiveInteger('--cpuid-k', options.cpuidK, 10_000),
    // perf tracing, --sweep and --peers measure in this process (perf follows it; sweeps and peers
    // run their own children); ftrace traces in each process of the run.
    processes:
      options.processes !== undefined
        ? parsePositiveInteger('--processes', options.processes, 64)
        : (options.trace !== undefined && options.trace !== 'ftrace') ||
            sweep !== undefined ||
            options.peers !== undefined
          ? 1
          : profile.processes,
    ...(options.trace === undefined ? {} : { trace: parseOne('--trace', options.trace, TRACE_MODES) }),
    ...(options.peers === undefined ? {} : { peers: parseList('--peers', options.peers, PEER_NAMES) }),
    ...(sweep ? { sweep: sweep.kind } : {}),
    ...(options.injectDelayNs === undefined ? {} : { injectDelayNs: parseInjectDelay(options.injectDelayNs) }),
    ...(runtimes ? { runtimes: runtimes.map((runtime) => runtime.name) } : {}),
  };
}

/** `--inject-delay-ns napi=2000,koffi=500`: JS bindings only (the C loop is the floor), 1 ns to 1 ms each. */
function parseInjectDelay(value: string): Record<string, number> {
  const delays: Record<string, number> = {};
  for (const item of value.split(',').map((part) => part.trim())) {
    const [binding, ns] = item.split('=');
    if (binding === undefined || ns === undefined || !BINDING_NAMES.includes(binding as BindingName)) {
      throw new UsageError(
        `--inject-delay-ns: '${item}' is not BINDING=NS: e.g. --inject-delay-ns napi=2000 (bindings: ${BINDING_NAMES.join(', ')})`,
      );
    }
    if (binding === FLOOR_BINDING) {
      throw new UsageError(
        `--inject-delay-ns: ${FLOOR_BINDING} is the floor the others are measured against: delay a JS binding`,
      );
    }
    delays[binding] = parseInteger(`--inject-delay-ns ${binding}`, ns, 1, 1_000_000);
  }
  return delays;
}

/** --sweep: the sweep's points become the workloads (src/bench/sweeps/plan.ts); it stands alone. */
function sweepOptions(options: PlanOptions, host: (() => SweepHost) | undefined) {
  if (options.sweep === undefined) return undefined;
  const kind = parseList('--sweep', options.sweep, SWEEP_KINDS);
  if (kind.length !== 1) throw new UsageError('--sweep takes one sweep at a time: memory, vcpus or vms');
  for (const [flag, value] of [
    ['--workloads', options.workloads],
    ['--trace', options.trace],
    ['--processes', options.processes],
  ] as const) {
    if (value !== undefined)
      throw new UsageError(`--sweep chooses its own workloads and runs in one process: drop ${flag}`);
  }
  const sweep = kind[0] as SweepKind;
  const probed = (host ?? (() => probeSweepHost(options.kvm ?? DEFAULT_KVM_PATH)))();
  if (sweep === 'memory' && !probed.hugePages) {
    process.stderr.write(`kvmbench: the memory sweep runs on 4 KiB pages only: ${hugePageBacking().detail}\n`);
  }
  return {
    kind: sweep,
    workloads: sweepWorkloads(sweep, Boolean(options.quick), probed),
    bindings: defaultSweepBindings(sweep, Boolean(options.quick)),
  };
}

/** A name a baseline is saved under: its runs go to <out>/<name>/, and `compare NAME` reads its latest. */
function namedRuns(out: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || name === 'latest') {
    throw new UsageError(
      `--name '${name}': use letters, digits, '.', '_' and '-' (up to 64, not 'latest'), such as --name main`,
    );
  }
  return join(out, name);
}

/** The run's answer, where to read more, and what to run next: the last lines a newcomer sees. */
function answerLines(results: Results, written: readonly string[]): string[] {
  const width = terminalWidth();
  const report = written.find((file) => file.endsWith('report.html'));
  // The answer last: the lines a newcomer reads when the run ends.
  return [
    ...(report ? wrapText(`report: ${report}`, width) : []),
    ...wrapText('next: change something, run again, then `kvmbench compare` (this run against the next)', width),
    '',
    ...headlineSentences(results).flatMap((sentence) => wrapText(sentence, width)),
    '',
  ];
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('benchmark VM lifecycle and exit round trips through every binding; write a new run folder')
    .option('-w, --workloads <list>', `comma-separated: ${WORKLOAD_NAMES.join(', ')}`)
    .option('-b, --bindings <list>', `comma-separated: ${BINDING_NAMES.join(', ')}`)
    .option('-q, --quick', 'fewer, shorter rounds (about 10 s)')
    .option('-r, --rounds <n>', 'interleaved rounds per process (default: 5; 12 with --quick)')
    .option('-t, --time-per-round <ms>', 'time each binding gets per workload per round (default: 30; 8 with --quick)')
    .option(
      '--jit-warmup <ms>',
      "most time per process for the lifecycle's JIT warm-up, 600 lifecycles per JS binding when three warm up (default: 3500; 1500 with --quick; 0: none)",
    )
    .option('--pin <cpu>', 'pin the process to one CPU for the run (restored afterwards)')
    .option('-o, --out <dir>', 'directory that receives a new run folder', 'results')
    .option(
      '--name <name>',
      'save the run as a named baseline: <out>/<name>/<run id>, read by `kvmbench compare <name>`',
    )
    .option('-f, --format <list>', `comma-separated: ${FORMAT_NAMES.join(', ')}`, DEFAULT_FORMATS.join(','))
    .option('--cpuid-k <k>', 'in-kernel CPUID exits per userspace exit in cpuid-then-pio', String(DEFAULT_CPUID_K))
    .option('--kvm <path>', 'the KVM device', DEFAULT_KVM_PATH)
    .option(
      '--processes <n>',
      'measure in n fresh Node processes, one after another, and merge them (default: 4; 1 with --quick, --trace perf-*, --sweep, --peers)',
    )
    .option(
      '--sweep <kind>',
      `measure how costs grow: ${SWEEP_KINDS.join(', ')} (guest memory size, vCPUs, concurrent VMs), each point a workload`,
    )
    .option(
      '--trace <mode>',
      `after measuring, trace each cell (ftrace: several batches in each process): ${TRACE_MODES.join(', ')}`,
    )
    .option(
      '--runtimes <list>',
      `measure in these runtimes too, each in processes of its own: ${RUNTIME_NAMES.join(', ')}, or NAME=PATH (default: node, the Node running kvmbench; others: npm run runtimes:install)`,
    )
    .option('--peers <list>', `also run the pio-out loop under other VMMs where installed: ${PEER_NAMES.join(', ')}`)
    .option(
      '--inject-delay-ns <binding=ns,...>',
      'debug: busy-wait ns after every KVM_RUN of these JS bindings, to check that compare catches a slower binding (the run says so)',
    )
    .addHelpText(
      'after',
      `
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
  kvmbench run --quick --runtimes node,node26,bun,deno  every FFI path in every runtime (docs/runtimes.md)`,
    )
    .action(async (options: RunCommandOptions) => {
      // Found before anything is written: a missing runtime is a usage error that says how to install it.
      const runtimes = options.runtimes === undefined ? undefined : await findRuntimes(options.runtimes);
      const plan = planFromOptions(options, undefined, runtimes);
      if ((plan.processes ?? 1) > 1 && plan.trace && plan.trace !== 'ftrace') {
        throw new UsageError(
          `--trace ${plan.trace} traces this process: run it without --processes (or with --processes 1); only --trace ftrace traces in several processes`,
        );
      }
      // The peers' guest image is checked before measuring, so that a missing build fails first.
      if (plan.peers?.length) readPeerGuest();
      const exporters = exportersFor(parseList('--format', options.format, FORMAT_NAMES));
      // Checked now, made only once there is something to write: a run that fails leaves no folder.
      const outDir = checkOutputDirectory(
        options.name === undefined ? options.out : namedRuns(options.out, options.name),
      );
      if (plan.trace === 'perf-record' && !process.execArgv.includes(PERF_BASIC_PROF)) {
        // JIT frames need Node's perf map, which only a flag at start-up turns on.
        process.exitCode = await reExecWith([PERF_BASIC_PROF]);
        return;
      }
      const runId = newRunId();
      const perf = await probePerf();
      const progress = progressReporter();
      const partOfRun = process.env[PART_OF_RUN_ENV] === '1';
      // A measuring child whose parent was killed stops, and removes the parent's scratch folder.
      const parentWatch = partOfRun
        ? exitWithParent(
            () => {
              const scratch = parentScratchOf(options.out);
              if (scratch) rmSync(scratch, { recursive: true, force: true });
            },
            Number(process.env[PARENT_PID_ENV] ?? process.ppid),
          )
        : undefined;
      let signal: NodeJS.Signals | undefined;
      const stopListening = onInterrupt((received) => {
        signal = received;
        process.stderr.write(
          `\nkvmbench: ${received}: stopping after this turn and writing what was measured (again to quit at once)\n`,
        );
      });
      let outcome: Awaited<ReturnType<typeof runBenchmarks>>;
      try {
        outcome = await runBenchmarks(plan, {
          runId,
          kvmPath: options.kvm,
          ...(plan.runtimes ? { runtimes } : {}),
          hardwareCounters: perf.hardwareCounters,
          stopped: () => parentWatch?.gone() === true || signal !== undefined,
          signal: () => signal,
          onProcess: (index, count, runtime) =>
            process.stderr.write(`kvmbench: process ${index + 1} of ${count}${plan.runtimes ? ` (${runtime})` : ''}\n`),
          onProgress: (p) => progress.update(p),
          partOfRun,
        });
        if (plan.peers?.length && signal === undefined) {
          progress.finish();
          const results = outcome.results;
          const startedMs = Date.parse(results.run.startedAt);
          const outcomes = await measurePeers({
            peers: plan.peers as (typeof PEER_NAMES)[number][],
            rounds: plan.rounds,
            targetLoopMs: peerLoopMs(plan.timePerRoundMs),
            kvmPath: options.kvm,
            runStartMs: performance.now() - (Date.now() - startedMs),
            stopped: () => signal !== undefined,
            onProgress: (line) => process.stderr.write(`kvmbench: peers: ${line}\n`),
          });
          const finished = new Date();
          outcome.results = withPeerRows(
            {
              ...results,
              run: { ...results.run, finishedAt: finished.toISOString(), durationMs: finished.getTime() - startedMs },
            },
            outcomes,
          );
        }
      } finally {
        stopListening();
        parentWatch?.stop();
        progress.finish();
      }
      const { results, traceFailed, processLost } = outcome;
      // The table first: whatever happens to the files, the numbers were seen.
      process.stdout.write(terminalTable(results));
      if (results.run.options.sweep) process.stdout.write(sweepSummaryLines(results).join('\n'));
      for (const warning of results.warnings) {
        process.stderr.write(`${wrapText(`warning: ${warning}`, terminalWidth(process.stderr)).join('\n')}\n`);
      }
      // Writing: a first Ctrl-C lets it finish (the run is measured), a second quits at once.
      const stopWriting = onInterrupt((received) => {
        signal ??= received;
        process.stderr.write(`\nkvmbench: ${received}: writing the run folder first (again to quit at once)\n`);
      });
      let written: string[];
      let folder: string | undefined;
      try {
        const files = [
          ...outcome.traceFiles,
          ...(await exportFiles(
            exporters.map((exporter) => exporter.format),
            results,
          )),
        ];
        folder = createRunFolder(prepareOutputDirectory(outDir), runId);
        written = writeRunFiles(folder, files);
      } catch (error) {
        if (!(error instanceof WriteFilesError)) throw error;
        if (error.written.length > 0) process.stdout.write(`\nwrote ${error.written.length} files to ${folder}\n`);
        else if (folder) removeIfEmpty(folder);
        throw error;
      } finally {
        stopWriting();
      }
      try {
        updateLatestPointer(outDir, folder);
      } catch (error) {
        process.stderr.write(`warning: ${(error as Error).message}\n`);
      }
      process.stdout.write(`\nwrote ${written.length} files to ${folder}\n`);
      if (!partOfRun) process.stdout.write(answerLines(results, written).join('\n'));
      process.exitCode = runExitCode(results, signal, traceFailed || processLost);
    });
}
