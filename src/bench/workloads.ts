/** The workload catalogue: what each measures, which guest it runs, how many exits an iteration makes. */
import type { WorkloadInfo } from './results.js';

export interface WorkloadDefinition extends WorkloadInfo {
  /** What the measured loop drives. */
  loop: 'lifecycle' | 'exits' | 'immediate-exit' | 'null-ioctl';
}

export const DEFAULT_CPUID_K = 8;

export function workloadCatalogue(cpuidK = DEFAULT_CPUID_K): WorkloadDefinition[] {
  const exit = (name: string, description: string, guest = name): WorkloadDefinition => ({
    name,
    kind: 'exit',
    description,
    guest,
    userspaceExitsPerIteration: 1,
    inKernelExitsPerIteration: 0,
    loop: 'exits',
  });
  return [
    {
      name: 'lifecycle',
      kind: 'lifecycle',
      description: 'create VM, memory, slot, vCPU + kvm_run, registers, run hello to HLT, tear down',
      guest: 'hello',
      userspaceExitsPerIteration: 9,
      inKernelExitsPerIteration: 0,
      loop: 'lifecycle',
    },
    exit('pio-out', 'KVM_RUN round trip per OUT to port 0xe9 (real mode)'),
    exit('pio-in', 'KVM_RUN round trip per IN from port 0xe9, host supplies the byte'),
    exit('mmio-write', 'KVM_RUN round trip per one-byte MMIO write'),
    exit('mmio-read', 'KVM_RUN round trip per one-byte MMIO read, host supplies the byte'),
    exit('hlt', 'KVM_RUN round trip per HLT'),
    exit('pio-out-protected', 'pio-out in 32-bit protected mode'),
    exit('pio-out-long', 'pio-out in 64-bit long mode'),
    {
      ...exit('cpuid-then-pio', `${cpuidK} in-kernel CPUID exits, then one OUT, per iteration`),
      inKernelExitsPerIteration: cpuidK,
    },
    {
      name: 'immediate-exit',
      kind: 'baseline',
      description: 'KVM_RUN with immediate_exit set: enters and leaves KVM_RUN without running the guest',
      guest: 'pio-out',
      userspaceExitsPerIteration: 0,
      inKernelExitsPerIteration: 0,
      loop: 'immediate-exit',
    },
    {
      name: 'null-ioctl',
      kind: 'baseline',
      description: 'KVM_CHECK_EXTENSION on /dev/kvm: the cost of one ioctl through the binding',
      guest: '',
      userspaceExitsPerIteration: 0,
      inKernelExitsPerIteration: 0,
      loop: 'null-ioctl',
    },
  ];
}

export const WORKLOAD_NAMES = workloadCatalogue().map((workload) => workload.name);
