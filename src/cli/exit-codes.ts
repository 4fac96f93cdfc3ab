/** Exit codes of the commands (defined in util/exit-codes.ts), and how a finished run maps to one. */
import type { Results } from '../results/types.js';
import { EXIT, signalExitCode } from '../util/exit-codes.js';

export { EXIT } from '../util/exit-codes.js';

/**
 * The exit code of a run that wrote its results: a signal wins (even one during the trace phase,
 * after the measured rounds), then any failed or suspect benchmark, a vCPU threading design that
 * failed (a wrong exit, a bound run out), or a part of the run that failed (tracing, a measuring
 * process lost: its warning says which).
 */
export function runExitCode(results: Results, signal: NodeJS.Signals | undefined, partFailed: boolean): number {
  if (signal || results.run.status === 'incomplete') return signalExitCode(signal);
  if (partFailed || results.measurements.some((m) => m.status === 'failed' || m.status === 'suspect'))
    return EXIT.failure;
  if (results.vmmDesigns?.designs.some((design) => design.status === 'failed')) return EXIT.failure;
  return EXIT.ok;
}
