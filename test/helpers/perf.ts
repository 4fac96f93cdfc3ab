/** Whether perf can count tracepoints here; otherwise the one-line reason the perf tests skip with. */
import { execFileSync } from 'node:child_process';
import { findTracefs } from '../../src/trace/tracefs.js';

function probe(): string | false {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'perf is not installed';
  }
  if (process.getuid?.() !== 0) return 'counting tracepoints needs root here';
  if (!findTracefs()) return 'tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)';
  return false;
}

export const perfSkip: string | false = probe();
