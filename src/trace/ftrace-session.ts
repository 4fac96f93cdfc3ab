import { KVM_RUN } from '../abi/kvm.js';
import { HostError } from '../errors.js';
import type { CellTrace } from '../results/trace.js';
import { BEGIN_MARKER, END_MARKER, parseTrace, splitExits } from './ftrace-parse.js';
import type { TraceSession } from './session.js';
import {
  eventExists,
  findTracefs,
  KVM_TRACEPOINTS,
  TRACEFS_HINT,
  TraceInstance,
  tracefsCandidates,
} from './tracefs.js';

const REQUIRED = ['syscalls:sys_enter_ioctl', 'syscalls:sys_exit_ioctl', 'kvm:kvm_userspace_exit'];

/**
 * This process's pid as tracefs records it. In a PID namespace (a container, where kvmbench may be
 * PID 1) process.pid is the namespace's number while tracepoints carry the kernel's: filtering on
 * process.pid there traced nothing. A marker written by this thread shows the number tracefs uses.
 */
function kernelPid(instance: TraceInstance): number {
  const probe = `kvmbench pid probe ${process.pid}`;
  instance.clear();
  instance.start();
  instance.mark(probe);
  instance.stop();
  const marker = parseTrace(instance.read()).find(
    (event) => event.name === 'tracing_mark_write' && event.fields.includes(probe),
  );
  instance.clear();
  return marker?.pid ?? process.pid;
}

export function createFtraceSession(): TraceSession {
  const root = findTracefs();
  if (!root) {
    throw new HostError(
      `--trace ftrace needs tracefs, which is not mounted at ${tracefsCandidates().join(' or ')}: ${TRACEFS_HINT}`,
    );
  }
  const missing = REQUIRED.filter((event) => !eventExists(root, event));
  if (missing.length) {
    throw new HostError(
      `--trace ftrace needs the tracepoints ${missing.join(', ')}, which this kernel lacks (CONFIG_FTRACE_SYSCALLS, CONFIG_KVM)`,
    );
  }
  let instance: TraceInstance;
  try {
    instance = TraceInstance.create(root, 'run');
  } catch (error) {
    throw new HostError(
      `--trace ftrace cannot create a tracefs instance in ${root}/instances (${(error as NodeJS.ErrnoException).code}): run as root, or in Docker with --cap-add SYS_ADMIN and tracefs mounted`,
    );
  }
  // A new instance traces from birth: off until the first traced batch, events enabled only then,
  // so the session costs the measured rounds nothing.
  instance.stop();
  const enabled = KVM_TRACEPOINTS.filter((event) => eventExists(root, event));
  let pid = process.pid;
  let eventsEnabled = false;
  let sized = false;
  const enableEvents = () => {
    pid = kernelPid(instance);
    if (!sized) instance.setBufferSizeKb(16_384);
    sized = true;
    for (const event of enabled) {
      const filter =
        event === 'syscalls:sys_enter_ioctl' ? `common_pid == ${pid} && cmd == ${KVM_RUN}` : `common_pid == ${pid}`;
      instance.enable(event, filter);
    }
    eventsEnabled = true;
  };
  const raw = new Map<string, string>();
  const fileOf = (label: string) => `trace/${label.replace(/[^a-z0-9-]+/gi, '_')}.txt`;
  return {
    mode: 'ftrace',
    description: `ftrace instance ${instance.path}: ${enabled.join(', ')}`,
    begin(label) {
      if (!eventsEnabled) enableEvents();
      instance.clear();
      instance.start();
      // trace_marker refuses writes (EBADF) while tracing is off: mark after starting.
      instance.mark(`${BEGIN_MARKER} ${label}`);
    },
    end(label, iterations, loopNs): CellTrace {
      // Closes the last round trip's turnaround, so the trace accounts for the batch's tail too.
      instance.mark(END_MARKER);
      instance.stop();
      const text = instance.read();
      raw.set(label, text);
      const split = splitExits(parseTrace(text), pid);
      return {
        mode: 'ftrace',
        tracedIterations: iterations,
        tracedLoopNsPerIteration: loopNs / iterations,
        split,
        rawFile: fileOf(label),
      };
    },
    suspend() {
      if (!eventsEnabled) return;
      for (const event of enabled) instance.disable(event);
      eventsEnabled = false;
    },
    discard(label) {
      raw.delete(label);
    },
    files() {
      return [...raw].map(([label, text]) => ({ name: fileOf(label), content: text }));
    },
    close() {
      instance.remove();
    },
  };
}
