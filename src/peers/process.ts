/**
 * One run of a peer VMM process, timed from just before spawn to its exit, with a bound: a run that
 * outlives it is killed (SIGKILL, by its pid) and reported as timed out. A process still running
 * when kvmbench exits is killed by the cleanup registry.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { registerCleanup } from '../util/cleanup.js';
import type { ProcessExit } from './types.js';

/** Keep this much of a process's output for diagnosis. */
const OUTPUT_TAIL = 4096;

export interface TimedRun {
  /** Spawn to exit, ns. */
  ns: number;
  exit: ProcessExit;
}

export function runTimed(argv: readonly string[], timeoutMs: number): Promise<TimedRun> {
  const [command, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let exitedAt = 0;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
    };
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const unregister = registerCleanup(kill);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('exit', (code, signal) => {
      exitedAt = Number(process.hrtime.bigint() - start);
      exitCode = code;
      exitSignal = signal;
    });
    let done = false;
    const finish = (error?: Error) => {
      if (done) return; // 'error' (spawn failed) can be followed by 'close'
      done = true;
      clearTimeout(timer);
      unregister();
      if (error) output = `${output}${error.message}`;
      resolve({
        ns: exitedAt || Number(process.hrtime.bigint() - start),
        exit: { code: exitCode, signal: exitSignal, output, timedOut },
      });
    };
    child.on('close', () => finish());
    child.on('error', (error) => finish(error));
  });
}

/** The first of `names` found as an executable on PATH. */
export function findExecutable(names: readonly string[], path = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The version line a peer prints, or '' when it prints none within 10 s. */
export function versionOf(executable: string, args: readonly string[]): string {
  const result = spawnSync(executable, args, { encoding: 'utf8', timeout: 10_000 });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}
