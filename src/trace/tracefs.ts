/**
 * tracefs access through a private instance (instances/<name>), so the global trace buffer and
 * anyone else tracing are untouched. The instance is removed on every exit path.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerCleanup } from '../util/cleanup.js';
import { parseTrace, type TraceEvent } from './ftrace-parse.js';

/** The tracepoints kvmbench reads: KVM's exit events and the ioctl syscalls around KVM_RUN. */
export const KVM_TRACEPOINTS = [
  'kvm:kvm_entry',
  'kvm:kvm_exit',
  'kvm:kvm_userspace_exit',
  'kvm:kvm_pio',
  'kvm:kvm_mmio',
  'syscalls:sys_enter_ioctl',
  'syscalls:sys_exit_ioctl',
] as const;

export const TRACEFS_CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

/** Set to where tracefs is mounted when that is not one of the usual places (some containers). */
export const TRACEFS_ENV = 'KVMBENCH_TRACEFS';

/** The places looked at, in order: $KVMBENCH_TRACEFS alone when set, else the usual two. */
export function tracefsCandidates(): string[] {
  const configured = process.env[TRACEFS_ENV];
  return configured ? [configured] : TRACEFS_CANDIDATES;
}

/** The mounted tracefs root, or undefined. */
export function findTracefs(): string | undefined {
  return tracefsCandidates().find((root) => existsSync(join(root, 'instances')));
}

export const TRACEFS_HINT =
  'mount it with `mount -t tracefs nodev /sys/kernel/tracing` (as root), or set KVMBENCH_TRACEFS to where it is mounted; in Docker add -v /sys/kernel/tracing:/sys/kernel/tracing and --cap-add SYS_ADMIN (or --privileged)';

export function eventExists(root: string, event: string): boolean {
  const [system, name] = event.split(':');
  return system !== undefined && name !== undefined && existsSync(join(root, 'events', system, name));
}

export class TraceInstance {
  readonly path: string;
  #removed = false;
  readonly #unregister: () => void;

  private constructor(
    readonly root: string,
    readonly name: string,
  ) {
    this.path = join(root, 'instances', name);
    mkdirSync(this.path);
    this.#unregister = registerCleanup(() => this.remove());
  }

  /**
   * Creates instances/kvmbench-<purpose>-<owner>: unique per process, so concurrent runs do not
   * collide, and never the name of a run killed earlier (in a container every run may be PID 1).
   * Instances left by killed runs of this PID namespace are removed first.
   */
  static create(root: string, purpose: string): TraceInstance {
    removeStaleInstances(root);
    const owner = ownerTag(process.pid) ?? `${process.pid}-${randomBytes(4).toString('hex')}`;
    return new TraceInstance(root, `kvmbench-${purpose}-${owner}`);
  }

  #write(relative: string, value: string): void {
    writeFileSync(join(this.path, relative), value);
  }

  /** Enables "system:event", optionally with a filter such as `common_pid == 123`. */
  enable(event: string, filter?: string): void {
    const [system, name] = event.split(':') as [string, string];
    if (filter) this.#write(join('events', system, name, 'filter'), filter);
    this.#write(join('events', system, name, 'enable'), '1');
  }

  setBufferSizeKb(kb: number): void {
    this.#write('buffer_size_kb', String(kb));
  }

  /** Empties the buffer (writing to `trace` truncates it). */
  clear(): void {
    this.#write('trace', '');
  }

  /** Writes a line into the trace, to delimit what follows. */
  mark(text: string): void {
    this.#write('trace_marker', text);
  }

  start(): void {
    this.#write('tracing_on', '1');
  }

  stop(): void {
    this.#write('tracing_on', '0');
  }

  /** The buffer as text (the `trace` file: reading it does not consume events). */
  read(): string {
    return readFileSync(join(this.path, 'trace'), 'utf8');
  }

  /** Disables tracing and removes the instance (the kernel frees its buffers). Safe to call twice. */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.#unregister();
    try {
      this.#write('tracing_on', '0');
    } catch {
      // Already gone; rmdir below is what matters.
    }
    if (existsSync(this.path)) rmdirSync(this.path);
  }
}

/**
 * Who owns an instance: PID namespace, pid and the process's start time. A later process with the
 * same pid (PID reuse, or PID 1 in every container) has another start time, so it never collides
 * with, and can safely remove, an instance whose owner was killed with SIGKILL.
 */
export function ownerTag(pid: number): string | undefined {
  const namespace = pidNamespace();
  const started = startTime(pid);
  return namespace === undefined || started === undefined ? undefined : `${namespace}-${pid}-${started}`;
}

function pidNamespace(): string | undefined {
  try {
    return /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const OWNED = /^kvmbench-[a-z-]+?-(\d+)-(\d+)-(\d+)$/;

/**
 * Removes kvmbench instances whose owner, in this PID namespace, is gone. Instances of other
 * namespaces (the host's, another container's) are not ours to judge and stay.
 */
export function removeStaleInstances(root: string): string[] {
  const namespace = pidNamespace();
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(root, 'instances'));
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = OWNED.exec(name);
    if (!match || match[1] !== namespace) continue;
    if (startTime(Number(match[2])) === match[3]) continue; // its owner still runs
    try {
      rmdirSync(join(root, 'instances', name));
      removed.push(name);
    } catch {
      // Another run removed it first, or it is busy: either way not ours to insist on.
    }
  }
  return removed;
}

/** Counts events by name in `trace` text. */
export function countEvents(text: string): Map<string, number> {
  return countByName(parseTrace(text));
}

function countByName(events: readonly TraceEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.name, (counts.get(event.name) ?? 0) + 1);
  return counts;
}
