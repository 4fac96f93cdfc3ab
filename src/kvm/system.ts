/** Kvm: the /dev/kvm file descriptor and the ioctls issued on it. */

import {
  EINTR,
  KVM_API_VERSION,
  KVM_CHECK_EXTENSION,
  KVM_CREATE_VM,
  KVM_GET_API_VERSION,
  KVM_GET_VCPU_MMAP_SIZE,
  SIZEOF_KVM_RUN,
} from '../abi/kvm.js';
import type { Binding } from '../bindings/types.js';
import { ClosedError, HostError, SyscallError } from '../errors.js';
import { deviceAccessHint } from '../util/device-access.js';
import { getSystemErrorName } from '../util/errno.js';
import { check } from './check.js';
import { Vm } from './vm.js';

export const DEFAULT_KVM_PATH = '/dev/kvm';

/** How to fix the usual reasons /dev/kvm cannot be opened. */
export function openHint(errno: number, path: string): string {
  switch (getSystemErrorName(errno)) {
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
      return `${path} does not exist: load kvm_intel or kvm_amd (enable VT-x/AMD-V in firmware; on a cloud VM enable nested virtualisation), and in Docker pass --device /dev/kvm; kvmbench doctor checks the rest of this host`;
    case 'EACCES':
    case 'EPERM':
      return deviceAccessHint(path);
    default:
      return `check that ${path} is the KVM device`;
  }
}

/** Every Linux since 2.6.22 answers 12; anything else is not the kernel's KVM speaking. */
export function apiVersionError(path: string, version: number): HostError {
  return new HostError(
    `KVM_GET_API_VERSION on ${path} returned ${version}, but kvmbench speaks KVM API ${KVM_API_VERSION}, the only version Linux has had since 2.6.22: ${path} is not the kernel's KVM device, or something between (an LD_PRELOAD library, a seccomp filter, a userspace device) changes its answers. Run kvmbench against the kernel's own /dev/kvm`,
  );
}

export class Kvm {
  #fd: number;
  #mmapSize = 0;
  #interruptedCreates = 0;

  private constructor(
    readonly binding: Binding,
    fd: number,
    readonly path: string,
  ) {
    this.#fd = fd;
  }

  /** Opens the KVM device and checks it speaks API version 12. */
  static open(binding: Binding, path = DEFAULT_KVM_PATH): Kvm {
    const fd = binding.open(path);
    if (fd < 0) throw new SyscallError(`open ${path}`, -fd, openHint(-fd, path));
    const kvm = new Kvm(binding, fd, path);
    try {
      const version = kvm.apiVersion();
      if (version !== KVM_API_VERSION) throw apiVersionError(path, version);
    } catch (error) {
      kvm.close();
      throw error;
    }
    return kvm;
  }

  get fd(): number {
    if (this.#fd < 0) throw new ClosedError('Kvm');
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** KVM_GET_API_VERSION: 12 on every supported kernel. */
  apiVersion(): number {
    return check(
      this.binding.ioctl(this.fd, KVM_GET_API_VERSION, 0),
      'KVM_GET_API_VERSION',
      `${this.path} does not answer KVM ioctls, so it is not the KVM device: use /dev/kvm (kvmbench run --kvm /dev/kvm)`,
    );
  }

  /** KVM_CHECK_EXTENSION: 0 when the capability is absent, else 1 or a capability-specific value. */
  checkExtension(capability: number): number {
    return check(this.binding.ioctl(this.fd, KVM_CHECK_EXTENSION, capability), 'KVM_CHECK_EXTENSION');
  }

  /** KVM_GET_VCPU_MMAP_SIZE: bytes to map from each vCPU fd (kvm_run plus the PIO data page). */
  vcpuMmapSize(): number {
    const size = check(this.binding.ioctl(this.fd, KVM_GET_VCPU_MMAP_SIZE, 0), 'KVM_GET_VCPU_MMAP_SIZE');
    if (size < SIZEOF_KVM_RUN) throw new Error(`KVM_GET_VCPU_MMAP_SIZE returned ${size}, smaller than struct kvm_run`);
    return size;
  }

  /** The vCPU mapping size, asked once and remembered. */
  cachedVcpuMmapSize(): number {
    if (this.#mmapSize === 0) this.#mmapSize = this.vcpuMmapSize();
    return this.#mmapSize;
  }

  /**
   * KVM_CREATE_VM: a new VM with no memory and no vCPUs. A signal that arrives while KVM sets the
   * VM up makes it fail with EINTR; it is made again, as QEMU does, and counted.
   */
  createVm(type = 0): Vm {
    let fd = this.binding.ioctl(this.fd, KVM_CREATE_VM, type);
    while (fd === -EINTR) {
      this.#interruptedCreates++;
      fd = this.binding.ioctl(this.fd, KVM_CREATE_VM, type);
    }
    return new Vm(this, check(fd, 'KVM_CREATE_VM'));
  }

  /** KVM_CREATE_VM calls that returned EINTR and were made again. */
  get interruptedCreates(): number {
    return this.#interruptedCreates;
  }

  /** Closes the device fd. VMs keep working after it and must be closed on their own. Safe to call twice. */
  close(): void {
    if (this.#fd < 0) return;
    this.binding.close(this.#fd);
    this.#fd = -1;
  }
}
