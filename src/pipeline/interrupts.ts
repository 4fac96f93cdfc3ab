/**
 * Ctrl-C during a run: while measuring, the first signal stops after the turn in progress and the
 * run writes what was measured; while writing, it lets the run folder be finished. A second signal
 * quits at once (src/util/cleanup.ts).
 */
import { onInterrupt } from '../util/cleanup.js';

export class RunInterrupts {
  /** The first signal received, if any: it decides the run's exit code. */
  received: NodeJS.Signals | undefined;

  /** Listens while measuring; returns the function that stops listening. */
  whileMeasuring(): () => void {
    return onInterrupt((signal) => {
      this.received = signal;
      process.stderr.write(
        `\nkvmbench: ${signal}: stopping after this turn and writing what was measured (again to quit at once)\n`,
      );
    });
  }

  /** Listens while writing the run folder; returns the function that stops listening. */
  whileWriting(): () => void {
    return onInterrupt((signal) => {
      this.received ??= signal;
      process.stderr.write(`\nkvmbench: ${signal}: writing the run folder first (again to quit at once)\n`);
    });
  }
}
