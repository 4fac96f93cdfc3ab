/**
 * --pin CPU: binds every thread of this process to one CPU with taskset, and restores the previous
 * affinity when the run ends (on every exit path, through the cleanup registry).
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { UsageError } from '../errors.js';
import { registerCleanup } from '../util/cleanup.js';

function taskset(args: string[]): string {
  try {
    return execFileSync('taskset', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new UsageError('--pin needs taskset (apt-get install util-linux)');
    throw new Error(`taskset ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** Pins the process; returns a function that restores the previous affinity. */
export function pinToCpu(cpu: number): () => void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= cpus().length) {
    throw new UsageError(`--pin ${cpu}: this host has CPUs 0 to ${cpus().length - 1}`);
  }
  const pid = String(process.pid);
  const previous = /:\s*([0-9a-f,]+)\s*$/i.exec(taskset(['-p', pid]))?.[1];
  if (!previous) throw new Error('could not read the current CPU affinity');
  taskset(['-a', '-p', '-c', String(cpu), pid]);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    unregister();
    taskset(['-a', '-p', previous, pid]);
  };
  const unregister = registerCleanup(restore);
  return restore;
}
