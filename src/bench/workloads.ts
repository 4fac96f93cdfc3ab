/**
 * The workload catalogue: one entry per workload says everything about it: the guest it runs, the
 * loop that drives it (one vocabulary shared by the JS loops, the C loop and the guests' exit
 * protocols), the KVM counter and tracepoint that must count one per iteration, and the guest
 * registers it sets. Adding a workload: an entry here, its guest (guests/), and, for a new exit
 * protocol, one JS loop (exit-loops.ts) and one C loop (src/native/c_loop.c).
 */
import type { SweepPoint, WorkloadInfo } from '../results/types.js';
import type { Completion, IoEventFdMatch } from './completion.js';
import type { Interrupt } from './irqfd.js';
import { LIFECYCLE_STEPS } from './lifecycle.js';

/** What the measured loop drives. For exit workloads it is also the guest's exit protocol. */
export const LOOP_NAMES = [
  'pio-out',
  'pio-in',
  'mmio-write',
  'mmio-read',
  'hlt',
  'immediate-exit',
  'null-ioctl',
  'lifecycle',
  // A point of a sweep (src/bench/sweeps/): its own runner, chosen by the workload's point.
  'sweep',
] as const;
export type LoopName = (typeof LOOP_NAMES)[number];
/** Loops that run the guest until it exits to userspace, once per iteration. */
export type ExitLoopName = 'pio-out' | 'pio-in' | 'mmio-write' | 'mmio-read' | 'hlt';

/** KVM's per-vCPU stats (KVM_GET_STATS_FD) that count userspace exits by kind. */
export type KvmExitCounter = 'io_exits' | 'mmio_exits' | 'halt_exits';

export interface Workload extends WorkloadInfo {
  loop: LoopName;
  /** Sweep points: the series and size this workload measures (src/bench/sweeps/points.ts). */
  point?: SweepPoint;
  /** The KVM stat that grows by one per userspace exit; `exits` is the fallback where it never moves. */
  kvmCounter?: KvmExitCounter;
  /**
   * How much kvmCounter grows per iteration where that is not one per userspace exit: io_exits counts
   * every port write the CPU traps, those KVM completes in the kernel too (an ioeventfd, a coalesced zone).
   */
  kvmCounterPerIteration?: number;
  /** The guest's writes are completed in the kernel this way (its capabilities are probed before the run). */
  completion?: Completion;
  /** ioeventfd workloads: what the eventfd matches (absent: one-byte writes of any value). */
  ioEventFd?: IoEventFdMatch;
  /**
   * Completion workloads: the workload making only the iteration's own exit (subtracted to price one
   * write), and the one whose every write is an exit to userspace (set beside it).
   */
  writeCost?: { baseWorkload: string; userspaceExitWorkload: string };
  /**
   * The host raises an interrupt this way before each KVM_RUN, and the guest's handler makes the
   * exit (needs an in-kernel irqchip; its capabilities are probed before the run).
   */
  interrupt?: Interrupt;
  /** The tracepoint `--trace perf-stat` expects exactly once per iteration. */
  perfCounter?: string;
  /** Steps timed apart in every iteration (their sum is the sample); the lifecycle's are LIFECYCLE_STEPS. */
  steps?: readonly string[];
  /** Only these bindings run it (a sweep point whose loop is JS-only); all when absent. */
  bindings?: readonly string[];
  /**
   * Iterations each JS binding runs before calibrating, so V8 has optimized the JS path and the rounds
   * measure its steady state (see warmUpJit in scheduler.ts): the count for three JS bindings in
   * turns with V8's budget lowered (jitWarmupCount scales it). For workloads whose iterations are so
   * long that the time-based warm-up runs only a few dozen.
   */
  jitWarmupIterations?: number;
}

/**
 * A workload whose guest times each exit with RDTSC into its clock page (guestClock in the guest's
 * manifest entry). Its guest runs more instructions than the plain one, so its host-timed figure is
 * its own row (on a host where KVM emulates every guest instruction, ~0.6 us each).
 */
function guestClockWorkload(
  name: string,
  loop: ExitLoopName,
  kvmCounter: KvmExitCounter,
  description: string,
): Workload {
  return { ...exitWorkload(name, loop, kvmCounter, description), guestClock: true };
}

export const DEFAULT_CPUID_K = 8;
/** The one value the datamatch workload's guest writes and its ioeventfd matches. */
export const DATAMATCH_VALUE = 0x5a;
/** Writes per userspace exit in the burst guests (their rsi): a coalesced ring holds up to 169. */
export const WRITES_PER_EXIT = 8;

/**
 * A burst guest whose WRITES_PER_EXIT writes between two OUTs to 0xe9 the kernel completes (ioeventfd,
 * coalesced zone): the loop is pio-out's, plus the completion's checks (eventfd count, ring entries).
 */
function completionWorkload(
  name: string,
  guest: 'pio-burst' | 'mmio-burst',
  completion: Completion,
  how: string,
  ioEventFd?: IoEventFdMatch,
): Workload {
  const pio = guest === 'pio-burst';
  return {
    ...(ioEventFd ? { ioEventFd } : {}),
    ...exitWorkload(
      name,
      'pio-out',
      'io_exits',
      `${WRITES_PER_EXIT} ${pio ? 'OUTs' : 'MMIO writes'} completed ${how}, then one OUT, per iteration`,
      guest,
    ),
    inKernelExitsPerIteration: WRITES_PER_EXIT,
    completion,
    writeCost: { baseWorkload: 'pio-out', userspaceExitWorkload: pio ? 'pio-out' : 'mmio-write' },
    // The burst guests time each burst of writes (guestClock window "writes"): the cost per write
    // seen from inside the guest, beside the host's.
    guestClock: true,
    ...(pio ? { kvmCounterPerIteration: 1 + WRITES_PER_EXIT } : {}),
  };
}

const USERSPACE_EXIT = 'kvm:kvm_userspace_exit';
const IOCTL_ENTRY = 'syscalls:sys_enter_ioctl';

function exitWorkload(
  name: string,
  loop: ExitLoopName,
  kvmCounter: KvmExitCounter,
  description: string,
  guest = name,
): Workload {
  return {
    name,
    kind: 'exit',
    description,
    guest,
    loop,
    userspaceExitsPerIteration: 1,
    inKernelExitsPerIteration: 0,
    kvmCounter,
    perfCounter: USERSPACE_EXIT,
  };
}

/** The VMM-design workloads: guest writes completed in the kernel, and an interrupt through an irqfd. */
function vmmDesignWorkloads(): Workload[] {
  return [
    completionWorkload('ioeventfd-pio', 'pio-burst', 'ioeventfd', 'in the kernel by an ioeventfd'),
    completionWorkload('ioeventfd-mmio', 'mmio-burst', 'ioeventfd', 'in the kernel by an ioeventfd'),
    completionWorkload(
      'ioeventfd-pio-datamatch',
      'pio-burst',
      'ioeventfd',
      `in the kernel by an ioeventfd matching their one value (0x${DATAMATCH_VALUE.toString(16)})`,
      { length: 1, datamatch: DATAMATCH_VALUE },
    ),
    completionWorkload(
      'ioeventfd-mmio-any-length',
      'mmio-burst',
      'ioeventfd',
      'in the kernel by a zero-length ioeventfd (any length, no data compared)',
      { length: 0 },
    ),
    completionWorkload('coalesced-pio', 'pio-burst', 'coalesced', 'into the coalesced ring (drained per exit)'),
    completionWorkload('coalesced-mmio', 'mmio-burst', 'coalesced', 'into the coalesced ring (drained per exit)'),
    {
      ...exitWorkload(
        'irqfd',
        'pio-out',
        'io_exits',
        'eventfd write -> irqfd -> in-kernel PIC -> guest handler (real mode, HLT in the kernel) -> its OUT, per iteration',
        'irq-pic',
      ),
      // In the kernel: the handler's EOI to the PIC (a port write, io_exits counts it) and, where the
      // interrupt is not yet pending when the guest gets back to it, its HLT.
      inKernelExitsPerIteration: 2,
      kvmCounterPerIteration: 2,
      interrupt: 'irqfd',
    },
  ];
}

export function workloadCatalogue(cpuidK = DEFAULT_CPUID_K): Workload[] {
  return [
    {
      name: 'lifecycle',
      kind: 'lifecycle',
      description: 'create VM, memory, slot, vCPU + kvm_run, registers, run hello to HLT, tear down',
      guest: 'hello',
      loop: 'lifecycle',
      userspaceExitsPerIteration: 9,
      inKernelExitsPerIteration: 0,
      // The functions a lifecycle calls once each (Vm, Vcpu, registerMemory, close) reach V8's
      // optimizing tier only after thousands of calls. With V8's budget lowered 8x during the warm-up
      // (jit-tier-up.ts) all of them are optimized within 500 lifecycles per binding (three JS
      // bindings in turns, Node 20, --trace-opt): 600 leaves a margin (docs/lifecycle.md).
      jitWarmupIterations: 600,
    },
    exitWorkload('pio-out', 'pio-out', 'io_exits', 'KVM_RUN round trip per OUT to port 0xe9 (real mode)'),
    exitWorkload('pio-in', 'pio-in', 'io_exits', 'KVM_RUN round trip per IN from port 0xe9, host supplies the byte'),
    exitWorkload('mmio-write', 'mmio-write', 'mmio_exits', 'KVM_RUN round trip per one-byte MMIO write'),
    exitWorkload(
      'mmio-read',
      'mmio-read',
      'mmio_exits',
      'KVM_RUN round trip per one-byte MMIO read, host supplies the byte',
    ),
    exitWorkload('hlt', 'hlt', 'halt_exits', 'KVM_RUN round trip per HLT'),
    exitWorkload('pio-out-protected', 'pio-out', 'io_exits', 'pio-out in 32-bit protected mode'),
    exitWorkload('pio-out-long', 'pio-out', 'io_exits', 'pio-out in 64-bit long mode'),
    guestClockWorkload('pio-out-tsc', 'pio-out', 'io_exits', 'pio-out (real mode), also timed by the guest with RDTSC'),
    guestClockWorkload('pio-out-long-tsc', 'pio-out', 'io_exits', 'pio-out-long, also timed by the guest with RDTSC'),
    guestClockWorkload(
      'hlt-long-tsc',
      'hlt',
      'halt_exits',
      'HLT in 64-bit long mode, also timed by the guest with RDTSC',
    ),
    {
      ...exitWorkload(
        'cpuid-then-pio',
        'pio-out',
        'io_exits',
        `${cpuidK} in-kernel CPUID exits, then one OUT, per iteration`,
      ),
      // The plan writes K into the register the guest's manifest names (exits.inKernelExitsRegister).
      inKernelExitsPerIteration: cpuidK,
    },
    ...vmmDesignWorkloads(),
    {
      name: 'immediate-exit',
      kind: 'baseline',
      description: 'KVM_RUN with immediate_exit set: enters and leaves KVM_RUN without running the guest',
      guest: 'pio-out',
      loop: 'immediate-exit',
      userspaceExitsPerIteration: 0,
      inKernelExitsPerIteration: 0,
      perfCounter: IOCTL_ENTRY,
    },
    {
      name: 'null-ioctl',
      kind: 'baseline',
      description: 'KVM_CHECK_EXTENSION on /dev/kvm: the cost of one ioctl through the binding',
      guest: '',
      loop: 'null-ioctl',
      userspaceExitsPerIteration: 0,
      inKernelExitsPerIteration: 0,
      perfCounter: IOCTL_ENTRY,
    },
  ];
}

export const WORKLOAD_NAMES = workloadCatalogue().map((workload) => workload.name);

/**
 * What a run measures without --workloads: every workload but the VMM-design ones (in-kernel
 * completion, irqfd), which answer another question (how a VMM should handle exits) and are asked
 * for by name.
 */
/** The workloads whose guest writes complete in the kernel: measured by name only. */
export const COMPLETION_WORKLOAD_NAMES = workloadCatalogue()
  .filter((workload) => workload.completion !== undefined)
  .map((workload) => workload.name);

/** The VMM-design workloads (writes completed in the kernel, interrupts through an irqfd) run by name only. */
const BY_NAME_ONLY = workloadCatalogue()
  .filter((workload) => workload.completion !== undefined || workload.interrupt !== undefined)
  .map((workload) => workload.name);

export const DEFAULT_WORKLOAD_NAMES = WORKLOAD_NAMES.filter((name) => !BY_NAME_ONLY.includes(name));

/** The results file's description of a workload: the catalogue entry without its machinery. */
export function workloadInfo(workload: Workload): WorkloadInfo {
  const { name, kind, description, guest, userspaceExitsPerIteration, inKernelExitsPerIteration } = workload;
  return {
    name,
    kind,
    description,
    guest,
    userspaceExitsPerIteration,
    inKernelExitsPerIteration,
    ...(workload.guestClock ? { guestClock: true } : {}),
  };
}

/** The steps a workload times apart, or undefined when it times only whole iterations. */
export function stepNamesOf(workload: Workload): readonly string[] | undefined {
  return workload.steps ?? (workload.loop === 'lifecycle' ? LIFECYCLE_STEPS : undefined);
}
