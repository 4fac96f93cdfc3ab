/** Exit codes, documented in the README. */
import type { Results } from '../bench/results.js';

export const EXIT = {
  ok: 0,
  /** A benchmark or guest failed, or a host problem stopped the run. (`compare`: a regression.) */
  failure: 1,
  /** Bad input: unknown names, bad numbers, unusable paths or files. */
  usage: 2,
  interrupted: 130,
  terminated: 143,
} as const;

/**
 * The exit code of a run that wrote its results: a signal wins (even one during the trace phase,
 * after the measured rounds), then any failed or suspect benchmark, or failed tracing.
 */
export function runExitCode(results: Results, signal: NodeJS.Signals | undefined, traceFailed: boolean): number {
  if (signal || results.run.status === 'incomplete') return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  if (traceFailed || results.measurements.some((m) => m.status === 'failed' || m.status === 'suspect'))
    return EXIT.failure;
  return EXIT.ok;
}
