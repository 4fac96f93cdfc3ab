/**
 * `kvmbench run` from RunOptions to a written run folder: probe the host (a sweep's points), measure
 * (runBenchmarks: here, or in child processes), the peers and vCPU threading steps, then export,
 * write and point `latest` at it, with Ctrl-C handled in each phase. The command line parses and
 * prints; a measuring child runs the same pipeline from its ChildRequest.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildRequest } from '../bench/child-request.js';
import { writeChildReport } from '../bench/child-request.js';
import { PARENT_PID_ENV, parentScratchOf } from '../bench/processes.js';
import type { RunProgress } from '../bench/progress.js';
import { newRunId, type RunOutcome, runBenchmarks } from '../bench/runner.js';
import { probeSweepHost } from '../bench/sweeps/host.js';
import { hugePageBacking } from '../bench/sweeps/huge-pages.js';
import { UsageError } from '../errors.js';
import { probePerf } from '../host/perf.js';
import { readPeerGuest } from '../peers/guest-image.js';
import { exportFiles } from '../report/export-worker.js';
import { exportersFor, FORMAT_NAMES } from '../report/registry.js';
import {
  checkOutputDirectory,
  createRunFolder,
  prepareOutputDirectory,
  removeIfEmpty,
  writeRunFiles,
} from '../report/write.js';
import { updateLatestPointer } from '../results/latest.js';
import type { Results, RunOptions } from '../results/types.js';
import { WriteFilesError } from '../results/write.js';
import { findRuntimes, type Runtime } from '../runtimes/discover.js';
import { PERF_BASIC_PROF } from '../trace/perf-record-session.js';
import { exitWithParent } from '../util/parent-watch.js';
import { RunInterrupts } from './interrupts.js';
import { measureIrqFdStep } from './irqfd-step.js';
import { parseList } from './option-values.js';
import { measurePeersStep } from './peers-step.js';
import { expandSweep, planRunOptions, type RunFlags } from './run-options.js';
import { measureVmmDesignsStep } from './vmm-designs-step.js';

/** A run to make, from the command line's flags or a measuring child's request. */
export interface FolderRunRequest {
  /** As planned: a sweep's points are added once the host is probed. */
  options: RunOptions;
  /** --runtimes, found: each measures its bindings in processes of its own. */
  runtimes?: Runtime[];
  kvmPath: string;
  /** The directory that receives the run folder (--out). */
  out: string;
  /** --name: the run is saved under <out>/<name>/. */
  name?: string;
  /** The --format list. */
  formats: string;
  /** This process measures one part of a parent's run (a child): it watches its parent and reports to it. */
  partOfRun: boolean;
}

/** How the run shows itself while it goes: progress, the results once measured, the files once written. */
export interface RunDisplay {
  progress: { update(progress: RunProgress): void; finish(): void };
  /** The results, before anything is written: whatever happens to the files, the numbers were seen. */
  measured(results: Results): void;
  wrote(count: number, folder: string | undefined): void;
}

export type FolderRunOutcome =
  /** The run needs this Node restarted with these flags (--trace perf-record: V8's perf map). */
  | { restartWith: string[] }
  | {
      results: Results;
      written: string[];
      folder: string;
      /** The signal that stopped the run, if one did. */
      signal?: NodeJS.Signals;
      /** A part of the run failed (tracing, a lost process): its warning says which. */
      partFailed: boolean;
    };

/** The request the command line's flags make; --runtimes are found first (a missing one says how to install it). */
export async function requestFromFlags(flags: RunFlags): Promise<FolderRunRequest> {
  const runtimes = typeof flags.runtimes === 'string' ? await findRuntimes(flags.runtimes) : undefined;
  const options = planRunOptions(flags, runtimes);
  return {
    options,
    ...(options.runtimes && runtimes ? { runtimes } : {}),
    kvmPath: String(flags.kvm),
    out: String(flags.out),
    ...(typeof flags.name === 'string' ? { name: flags.name } : {}),
    formats: String(flags.format),
    partOfRun: false,
  };
}

/** The request a measuring child was handed by its parent. */
export function requestFromChild(child: ChildRequest): FolderRunRequest {
  const { options, kvmPath, out, formats } = child;
  return { options, kvmPath, out, formats: formats.join(','), partOfRun: true };
}

/** Measures the request and writes its run folder. */
export async function runToFolder(request: FolderRunRequest, display: RunDisplay): Promise<FolderRunOutcome> {
  // The peers' guest image is checked before measuring, so that a missing build fails first.
  if (request.options.peers?.length) readPeerGuest();
  const exporters = exportersFor(parseList('--format', request.formats, FORMAT_NAMES));
  // Checked now, made only once there is something to write: a run that fails leaves no folder.
  const outDir = checkOutputDirectory(request.name === undefined ? request.out : namedRuns(request.out, request.name));
  if (request.options.trace === 'perf-record' && !process.execArgv.includes(PERF_BASIC_PROF)) {
    // JIT frames need Node's perf map, which only a flag at start-up turns on.
    return { restartWith: [PERF_BASIC_PROF] };
  }
  const options = probeHost(request.options, request.kvmPath);
  const runId = newRunId();
  const interrupts = new RunInterrupts();
  const outcome = await measure(request, options, runId, interrupts, display);
  display.measured(outcome.results);
  const { written, folder } = await writeRun(
    outDir,
    runId,
    exporters.map((exporter) => exporter.format),
    outcome,
    interrupts,
    display,
  );
  if (request.partOfRun && outcome.traceFailed && outcome.traceFailure) {
    writeChildReport(request.out, { traceFailure: outcome.traceFailure });
  }
  return {
    results: outcome.results,
    written,
    folder,
    ...(interrupts.received ? { signal: interrupts.received } : {}),
    partFailed: outcome.traceFailed || outcome.processLost,
  };
}

/** The host facts the plan depends on (a sweep's points: CPUs, memory, huge pages), probed after planning. */
export function probeHost(options: RunOptions, kvmPath: string): RunOptions {
  if (!options.sweep) return options;
  const host = probeSweepHost(kvmPath);
  if (options.sweep === 'memory' && !host.hugePages) {
    process.stderr.write(`kvmbench: the memory sweep runs on 4 KiB pages only: ${hugePageBacking().detail}\n`);
  }
  return expandSweep(options, host);
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

/**
 * Measures the bindings, then the peers and the vCPU threading designs; a signal stops each after
 * its step in progress.
 */
async function measure(
  request: FolderRunRequest,
  options: RunOptions,
  runId: string,
  interrupts: RunInterrupts,
  display: RunDisplay,
): Promise<RunOutcome> {
  const perf = await probePerf();
  // A measuring child whose parent was killed stops, and removes the parent's scratch folder.
  const parentWatch = request.partOfRun
    ? exitWithParent(
        () => {
          const scratch = parentScratchOf(request.out);
          if (scratch) rmSync(scratch, { recursive: true, force: true });
        },
        Number(process.env[PARENT_PID_ENV] ?? process.ppid),
      )
    : undefined;
  const stopListening = interrupts.whileMeasuring();
  try {
    const outcome = await runBenchmarks(options, {
      runId,
      kvmPath: request.kvmPath,
      ...(options.runtimes && request.runtimes ? { runtimes: request.runtimes } : {}),
      hardwareCounters: perf.hardwareCounters,
      stopped: () => parentWatch?.gone() === true || interrupts.received !== undefined,
      signal: () => interrupts.received,
      onProcess: (index, count, runtime) =>
        process.stderr.write(`kvmbench: process ${index + 1} of ${count}${options.runtimes ? ` (${runtime})` : ''}\n`),
      onProgress: (progress) => display.progress.update(progress),
      partOfRun: request.partOfRun,
    });
    if (options.peers?.length && interrupts.received === undefined) {
      display.progress.finish();
      const stopped = () => interrupts.received !== undefined;
      outcome.results = await measurePeersStep(outcome.results, options, request.kvmPath, stopped);
    }
    // In the run's own process only: a measuring child leaves these steps to its parent.
    if (!request.partOfRun && interrupts.received === undefined) {
      const stopped = () => interrupts.received !== undefined;
      outcome.results = measureIrqFdStep(outcome.results, options, stopped, request.kvmPath);
    }
    if (options.vmmDesigns?.length && !request.partOfRun && interrupts.received === undefined) {
      display.progress.finish();
      const stopped = () => interrupts.received !== undefined;
      outcome.results = await measureVmmDesignsStep(outcome.results, options, stopped);
    }
    return outcome;
  } finally {
    stopListening();
    parentWatch?.stop();
    display.progress.finish();
  }
}

/** Exports and writes the run folder, then points `latest` at it; a first Ctrl-C lets it finish. */
async function writeRun(
  outDir: string,
  runId: string,
  formats: readonly string[],
  outcome: RunOutcome,
  interrupts: RunInterrupts,
  display: RunDisplay,
): Promise<{ written: string[]; folder: string }> {
  const stopWriting = interrupts.whileWriting();
  let folder: string | undefined;
  let written: string[];
  try {
    const files = [...outcome.traceFiles, ...(await exportFiles(formats, outcome.results))];
    folder = createRunFolder(prepareOutputDirectory(outDir), runId);
    written = writeRunFiles(folder, files);
  } catch (error) {
    if (!(error instanceof WriteFilesError)) throw error;
    if (error.written.length > 0) display.wrote(error.written.length, folder);
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
  display.wrote(written.length, folder);
  return { written, folder };
}
