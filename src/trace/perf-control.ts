/** What the perf-driven trace modes share: the check that perf exists, and its control FIFO protocol. */
import { execFileSync } from 'node:child_process';
import { readSync, writeSync } from 'node:fs';
import { HostError } from '../errors.js';
import type { TraceMode } from './session.js';

export function requirePerf(mode: TraceMode): void {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new HostError(`--trace ${mode} needs perf: apt-get install linux-perf (Debian) or linux-tools-$(uname -r)`);
  }
}

/** Sends `enable` or `disable` over perf's --control FIFO and waits until perf says it took effect. */
export function perfCommand(ctl: number, ack: number, text: 'enable' | 'disable'): void {
  writeSync(ctl, `${text}\n`);
  readSync(ack, Buffer.alloc(16), 0, 16, null); // perf answers "ack\n"
}
