/**
 * One registry of things to undo (tracefs instances, child processes, VMs). They run in reverse
 * order on normal exit and on SIGINT / SIGTERM / SIGHUP, so system state is restored on every path.
 * SIGHUP (the terminal went away) is handled as SIGTERM: Node's default would end the process at
 * once, with nothing written and the run folder left empty.
 */
import { signalExitCode } from './exit-codes.js';

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;
let interrupted = 0;

function runAll(): void {
  for (const cleanup of [...cleanups].reverse()) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch (error) {
      process.stderr.write(`kvmbench: cleanup failed: ${(error as Error).message}\n`);
    }
  }
}

/** Listeners that want to stop work gracefully on the first signal (e.g. the benchmark scheduler). */
const interruptListeners = new Set<(signal: NodeJS.Signals) => void>();

export function onInterrupt(listener: (signal: NodeJS.Signals) => void): () => void {
  // Installed here too: a signal before any cleanup is registered must still reach the listener.
  installHandlers();
  interruptListeners.add(listener);
  return () => interruptListeners.delete(listener);
}

/** The signals that stop a run gracefully (first) or at once (second). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function handleSignal(signal: (typeof STOP_SIGNALS)[number]): void {
  interrupted++;
  if (interrupted === 1 && interruptListeners.size > 0) {
    // First signal: let the running work stop at its next checkpoint and write what it has.
    for (const listener of interruptListeners) listener(signal);
    return;
  }
  // Second signal, or nothing to stop gracefully: restore system state and exit now.
  runAll();
  process.exit(signalExitCode(signal));
}

/** The process's own handlers, installed once by the first listener or cleanup. */
function installHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const signal of STOP_SIGNALS) process.on(signal, () => handleSignal(signal));
}

export function registerCleanup(cleanup: Cleanup): () => void {
  installHandlers();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
