/**
 * kvmbench as a library: the pipeline the command line runs (plan, measure, analyse), reading
 * results files, and comparing runs, with the results schema's types.
 *
 *   import { run, compare, readResults } from 'kvmbench';
 *   const results = await run({ workloads: ['pio-out', 'hlt'], quick: true });
 *   const verdict = compare(readResults('results/main'), results);
 */
import type { RunProgress } from './bench/progress.js';
import { runBenchmarks } from './bench/runner.js';
import { type CompareOptions, compareRuns } from './compare/compare-results.js';
import { planRunOptions } from './pipeline/run-options.js';
import type { Comparison } from './results/comparison.js';
import { loadResultsFile } from './results/read.js';
import type { Results } from './results/types.js';
import { findRuntimes } from './runtimes/discover.js';

export type { CompareOptions } from './compare/compare-results.js';
export type { CellComparison, Comparison, Verdict } from './results/comparison.js';
export type {
  BindingInfo,
  HarnessInfo,
  HostFingerprint,
  Measurement,
  Results,
  RunOptions,
  RuntimeRecord,
  WorkloadInfo,
} from './results/types.js';
export type { RunProgress };

/** What to measure; every field has the command line's default (`kvmbench run --help`). */
export interface RunRequest {
  workloads?: string[];
  bindings?: string[];
  /** The short profile of `run --quick`. */
  quick?: boolean;
  rounds?: number;
  timePerRoundMs?: number;
  /** Fresh processes measured in and merged (default 4; 1 with quick). */
  processes?: number;
  /** Runtimes besides this Node (`node26`, `bun`, `deno`, or NAME=PATH): see docs/runtimes.md. */
  runtimes?: string[];
  /** The KVM device (default /dev/kvm). */
  kvmPath?: string;
  /** Stops the run after the turn in progress; the samples so far are returned, marked incomplete. */
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
}

/** Measures as `kvmbench run` does, and returns the results it would write (nothing is written). */
export async function run(request: RunRequest = {}): Promise<Results> {
  const runtimes = request.runtimes ? await findRuntimes(request.runtimes.join(',')) : undefined;
  const options = planRunOptions(
    {
      ...(request.workloads ? { workloads: request.workloads.join(',') } : {}),
      ...(request.bindings ? { bindings: request.bindings.join(',') } : {}),
      quick: request.quick ?? false,
      ...(request.rounds === undefined ? {} : { rounds: String(request.rounds) }),
      ...(request.timePerRoundMs === undefined ? {} : { timePerRound: String(request.timePerRoundMs) }),
      ...(request.processes === undefined ? {} : { processes: String(request.processes) }),
    },
    runtimes,
  );
  const outcome = await runBenchmarks(options, {
    ...(request.kvmPath ? { kvmPath: request.kvmPath } : {}),
    ...(options.runtimes && runtimes ? { runtimes } : {}),
    stopped: () => request.signal?.aborted === true,
    signal: () => 'SIGINT',
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
  });
  return outcome.results;
}

/** Reads and validates a results file, a run folder, or a folder of runs (its latest run). */
export const readResults = (path: string): Results => loadResultsFile(path);

/** Compares two runs, or two sides of several runs each (pooled as processes), as `kvmbench compare`. */
export function compare(
  baseline: Results | Results[],
  current: Results | Results[],
  options: CompareOptions = {},
): Comparison {
  return compareRuns([baseline].flat(), [current].flat(), options);
}
