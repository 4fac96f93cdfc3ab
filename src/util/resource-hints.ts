/**
 * How to fix a system call that failed for lack of a resource (file descriptors, memory), with this
 * process's actual limit in the text: "raise ulimit -n" helps more when the reader sees it is 64.
 */
import { readFileSync } from 'node:fs';
import { getSystemErrorName } from './errno.js';

// Read when kvmbench starts: by the time EMFILE is reported there is no fd left to read it with.
const limitsAtStart = readLimits();

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The soft limit from /proc/self/limits ("Max open files", "Max address space"), if readable. When
 * the file cannot be opened now (no fd left), the value at start-up, said so: it may have changed.
 */
export function softLimit(name: string): string | undefined {
  const now = readLimits();
  const line = (now ?? limitsAtStart)?.split('\n').find((candidate) => candidate.startsWith(name));
  const value = line?.slice(name.length).trim().split(/\s+/)[0];
  return value === undefined || now !== undefined ? value : `${value} at start-up, maybe lower now`;
}

/** A fix for EMFILE, EAGAIN (process limit), ENFILE and ENOMEM; undefined for other errors, whose hint depends on the call. */
export function resourceHint(errno: number): string | undefined {
  switch (getSystemErrorName(errno)) {
    case 'EMFILE':
      return `this process reached its open-file limit (ulimit -n is ${softLimit('Max open files') ?? 'unknown'}): raise it with \`ulimit -n 65536\` (in Docker: --ulimit nofile=65536), or close VMs you no longer use`;
    case 'EAGAIN':
      return `no process or thread could be started: this user's process limit (ulimit -u is ${softLimit('Max processes') ?? 'unknown'}) or the system's is reached: raise it with \`ulimit -u 4096\` (in Docker: --ulimit nproc=4096), or measure in this process with --processes 1`;
    case 'ENFILE':
      return 'the system-wide open-file table is full: close other programs or raise fs.file-max (sysctl -w fs.file-max=...)';
    case 'ENOMEM': {
      const addressSpace = softLimit('Max address space');
      const limit =
        addressSpace && !addressSpace.startsWith('unlimited') ? ` (ulimit -v is ${addressSpace} bytes)` : '';
      return `the host is out of memory or this process hit its address-space limit${limit}: free memory, raise the limit with \`ulimit -v unlimited\`, or give the guest less memory (memory.size in guests/manifest.json)`;
    }
    default:
      return undefined;
  }
}
