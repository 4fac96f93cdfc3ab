/**
 * Ctrl-C as a terminal sends it: SIGINT to the whole process group (kvmbench, its re-executed child
 * and perf alike), at a chosen phase of a real CLI run. A phase is named by what kvmbench prints on
 * stderr (a marker such as /round 1/) or by a predicate polled every 10 ms; add phases by passing
 * the marker of the phase to interrupt.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CLI } from './cli.js';

export interface InterruptOptions {
  /** When the first SIGINT goes: stderr matches this, or this returns true (given the child's pid, stderr and stdout so far). */
  when: RegExp | ((pid: number, stderr: string, stdout: string) => boolean);
  /** SIGINTs to send: 1, or 2 (a second Ctrl-C, `gapMs` after the first). */
  count?: number;
  gapMs?: number;
  /** The signal (SIGINT by default). */
  signal?: NodeJS.Signals;
  /** Give up waiting for the phase after this long (the run is killed and the result says so). */
  phaseTimeoutMs?: number;
  /** Kill the process group this long after the last signal if it has not exited: a hang fails, it does not block. */
  exitTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Signal these processes instead of the whole group (e.g. only kvmbench, so that a child it waits
   * on keeps running and the signal is sure to land in kvmbench's own phase).
   */
  to?: (pid: number) => number[];
  /** Run this program with `args` instead of the kvmbench CLI (e.g. `unshare`, with the CLI in args). */
  command?: string;
}

export interface InterruptResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Whether the phase was reached and the signals sent. */
  interrupted: boolean;
  /** Milliseconds from the last signal to the exit of kvmbench. */
  exitMs: number;
  /** kvmbench had to be killed: it did not exit within exitTimeoutMs of the last signal. */
  hung: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function interruptRun(args: string[], options: InterruptOptions): Promise<InterruptResult> {
  const child = spawn(options.command ?? process.execPath, options.command ? args : [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a shell job is
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  const pid = child.pid as number;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone.
    }
  };
  const { when } = options;
  const reached = () => (typeof when === 'function' ? when(pid, stderr, stdout) : when.test(stderr));
  const phaseDeadline = Date.now() + (options.phaseTimeoutMs ?? 300_000);
  let interrupted = false;
  while (!exited && !interrupted && Date.now() < phaseDeadline) {
    interrupted = reached();
    if (!interrupted) await sleep(10);
  }
  let lastSignal = Date.now();
  if (interrupted) {
    for (let i = 0; i < (options.count ?? 1); i++) {
      if (i > 0) await sleep(options.gapMs ?? 50);
      lastSignal = Date.now();
      if (options.to) {
        for (const target of options.to(pid)) {
          try {
            process.kill(target, options.signal ?? 'SIGINT');
          } catch {
            // It has exited.
          }
        }
      } else group(options.signal ?? 'SIGINT');
    }
  }
  let hung = false;
  const timer = setTimeout(
    () => {
      hung = true;
      group('SIGKILL');
    },
    interrupted ? (options.exitTimeoutMs ?? 30_000) : 1,
  );
  const status = await exit;
  clearTimeout(timer);
  const exitMs = Date.now() - lastSignal;
  // Let the pipes drain.
  await sleep(20);
  return { status, stdout, stderr, interrupted, exitMs, hung };
}

/** The command lines of every process, by pid, from /proc. */
function processes(): Map<number, { argv: string[]; ppid: number }> {
  const found = new Map<number, { argv: string[]; ppid: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      found.set(Number(entry), { argv, ppid });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** pids of the `perf` processes attached to `pid` (`perf … -p <pid>`). */
export function perfAttachedTo(pid: number): number[] {
  return [...processes()]
    .filter(([, { argv }]) => argv[0]?.endsWith('perf') && argv[argv.indexOf('-p') + 1] === String(pid))
    .map(([perfPid]) => perfPid);
}

/** pids of the direct children of `pid`. */
export function childrenOf(pid: number): number[] {
  return [...processes()].filter(([, { ppid }]) => ppid === pid).map(([child]) => child);
}
