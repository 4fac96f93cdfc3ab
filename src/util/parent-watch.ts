/**
 * A measuring child of `run --processes` runs in its own process group (so a Ctrl-C reaches only the
 * parent, which forwards one), and so outlives a parent killed with SIGKILL: it would measure on
 * for minutes under PID 1. It watches its parent instead: once it has been reparented, the parent is
 * gone and nobody will read what it writes.
 */
import { signalExitCode } from './exit-codes.js';

/** How often a timer also looks for the parent, outside the measuring loops' own checks. */
export const PARENT_WATCH_MS = 250;

export interface ParentWatch {
  /** True once the parent has exited (this process was reparented); cheap: one getppid(). */
  gone(): boolean;
  /** Stops the timer. */
  stop(): void;
}

/**
 * Watches the parent: the measuring loops ask gone() between their steps (a timer alone was not
 * run while an emulated CPU kept the loop busy), and a timer asks it too; when it is gone,
 * `leftovers` removes what only the parent would have, and the process exits (143, as on SIGTERM).
 * `parent` is the pid the parent handed down: one that died while this process started up is seen.
 */
export function exitWithParent(leftovers: () => void, parent = process.ppid): ParentWatch {
  const gone = () => {
    if (process.ppid === parent) return false;
    try {
      leftovers();
      // Its stderr was a pipe to the parent: most likely nobody reads it now (EPIPE).
      process.stderr.write('kvmbench: the parent run has gone: this measuring process stops\n');
    } catch {
      // Nothing more to do: the process ends either way.
    } finally {
      process.exit(signalExitCode('SIGTERM'));
    }
  };
  const timer = setInterval(gone, PARENT_WATCH_MS);
  timer.unref();
  return { gone, stop: () => clearInterval(timer) };
}
