/**
 * The workload catalogue: one entry per workload says everything about it: the guest it runs, the
 * loop that drives it (one vocabulary shared by the JS loops, the C loop and the guests' exit
 * protocols), the KVM counter and tracepoint that must count one per iteration, and the guest
 * registers it sets. Adding a workload: an entry here, its guest (guests/), and, for a new exit
 * protocol, one JS loop (exit-loops.ts) and one C loop (src/native/c_loop.c).
 */
import type { WorkloadInfo } from '../results/types.js';

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
] as const;
export type LoopName = (typeof LOOP_NAMES)[number];
/** Loops that run the guest until it exits to userspace, once per iteration. */
export type ExitLoopName = 'pio-out' | 'pio-in' | 'mmio-write' | 'mmio-read' | 'hlt';

/** KVM's per-vCPU stats (KVM_GET_STATS_FD) that count userspace exits by kind. */
export type KvmExitCounter = 'io_exits' | 'mmio_exits' | 'halt_exits';

export interface Workload extends WorkloadInfo {
  loop: LoopName;
  /** The KVM stat that grows by one per userspace exit; `exits` is the fallback where it never moves. */
  kvmCounter?: KvmExitCounter;
  /** The tracepoint `--trace perf-stat` expects exactly once per iteration. */
  perfCounter?: string;
}

export const DEFAULT_CPUID_K = 8;

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

/** The results file's description of a workload: the catalogue entry without its machinery. */
export function workloadInfo(workload: Workload): WorkloadInfo {
  const { name, kind, description, guest, userspaceExitsPerIteration, inKernelExitsPerIteration } = workload;
  return { name, kind, description, guest, userspaceExitsPerIteration, inKernelExitsPerIteration };
}
