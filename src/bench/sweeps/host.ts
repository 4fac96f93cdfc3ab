/** The host facts a sweep's points depend on: CPUs, available memory, KVM's vCPU limit, huge pages. */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { KVM_CAP_MAX_VCPUS } from '../../abi/kvm.js';
import { getBinding } from '../../bindings/registry.js';
import { DEFAULT_KVM_PATH, Kvm } from '../../kvm/system.js';
import { hugePageBacking } from './huge-pages.js';
import type { SweepHost } from './plan.js';

function memAvailableBytes(): number {
  try {
    const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux-like: fall through to no memory points above the quick bound.
  }
  return 256 * 1024 * 1024;
}

/** The facts of this host a sweep's points depend on; opens the KVM device (KVM_CAP_MAX_VCPUS). */
export function probeSweepHost(kvmPath: string = DEFAULT_KVM_PATH): SweepHost {
  const kvm = Kvm.open(getBinding('koffi'), kvmPath);
  let maxVcpus: number;
  try {
    maxVcpus = kvm.checkExtension(KVM_CAP_MAX_VCPUS);
  } finally {
    kvm.close();
  }
  const huge = hugePageBacking().backing;
  return {
    cpus: availableParallelism(),
    availableBytes: memAvailableBytes(),
    maxVcpus,
    ...(huge ? { hugePages: huge } : {}),
  };
}
