/** Vm: a VM file descriptor, its memory slots and the ioctls issued on it. */
import type { Mapping } from '../bindings/types.js';
import { ClosedError } from '../errors.js';
import {
  KVM_CHECK_EXTENSION,
  KVM_CREATE_VCPU,
  KVM_GET_DIRTY_LOG,
  KVM_SET_TSS_ADDR,
  KVM_SET_USER_MEMORY_REGION,
  REGION_FLAGS,
  REGION_GUEST_PHYS_ADDR,
  REGION_MEMORY_SIZE,
  REGION_SLOT,
  REGION_USERSPACE_ADDR,
  SIZEOF_KVM_DIRTY_LOG,
  SIZEOF_KVM_USERSPACE_MEMORY_REGION,
} from './abi.js';
import { check, checkMapping } from './check.js';
import type { Kvm } from './system.js';
import { Vcpu } from './vcpu.js';

export interface MemoryRegion {
  slot: number;
  flags?: number;
  guestPhysAddr: number;
  memorySize: number;
  userspaceAddr: bigint;
}

/** Guest RAM: host memory mapped into the guest's physical address space. */
export interface GuestMemory {
  readonly slot: number;
  readonly guestPhysAddr: number;
  readonly size: number;
  /** The bytes, indexed from guestPhysAddr (bytes[0] is at guestPhysAddr). */
  readonly bytes: Uint8Array;
}

const PAGE_SIZE = 4096;

export class Vm {
  #fd: number;
  readonly #memory: { mapping: Mapping; memory: GuestMemory }[] = [];
  readonly #vcpus: Vcpu[] = [];

  constructor(
    readonly kvm: Kvm,
    fd: number,
  ) {
    this.#fd = fd;
  }

  get binding() {
    return this.kvm.binding;
  }

  get fd(): number {
    if (this.#fd < 0) throw new ClosedError('Vm');
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** KVM_CHECK_EXTENSION on the VM fd: answers for this VM's type. */
  checkExtension(capability: number): number {
    return check(this.binding.ioctl(this.fd, KVM_CHECK_EXTENSION, capability), 'KVM_CHECK_EXTENSION');
  }

  /** KVM_SET_USER_MEMORY_REGION: maps host memory at a guest-physical address (size 0 deletes the slot). */
  setUserMemoryRegion(region: MemoryRegion): void {
    const bytes = new Uint8Array(SIZEOF_KVM_USERSPACE_MEMORY_REGION);
    const data = new DataView(bytes.buffer);
    data.setUint32(REGION_SLOT, region.slot, true);
    data.setUint32(REGION_FLAGS, region.flags ?? 0, true);
    data.setBigUint64(REGION_GUEST_PHYS_ADDR, BigInt(region.guestPhysAddr), true);
    data.setBigUint64(REGION_MEMORY_SIZE, BigInt(region.memorySize), true);
    data.setBigUint64(REGION_USERSPACE_ADDR, region.userspaceAddr, true);
    check(this.binding.ioctlBuffer(this.fd, KVM_SET_USER_MEMORY_REGION, bytes), 'KVM_SET_USER_MEMORY_REGION');
  }

  /**
   * KVM_GET_DIRTY_LOG: fills the bitmap at bitmapAddress (one bit per 4 KiB page of the slot, in
   * 64-bit words) with the pages written since the last call, and clears KVM's log. The slot must
   * have KVM_MEM_LOG_DIRTY_PAGES set.
   */
  getDirtyLog(slot: number, bitmapAddress: bigint): void {
    const bytes = new Uint8Array(SIZEOF_KVM_DIRTY_LOG);
    const data = new DataView(bytes.buffer);
    data.setUint32(0, slot, true);
    data.setBigUint64(8, bitmapAddress, true);
    check(this.binding.ioctlBuffer(this.fd, KVM_GET_DIRTY_LOG, bytes), 'KVM_GET_DIRTY_LOG');
  }

  /** Allocates page-aligned host memory and maps it at guestPhysAddr in the next free slot. */
  addMemory(guestPhysAddr: number, size: number): GuestMemory {
    const memory = this.allocateMemory(guestPhysAddr, size);
    this.registerMemory(memory);
    return memory;
  }

  /**
   * Allocates host memory for a slot without telling KVM yet (registerMemory does that): the two
   * halves of addMemory, apart so the lifecycle benchmark can time the mmap and the ioctl separately.
   */
  allocateMemory(guestPhysAddr: number, size: number): GuestMemory {
    if (this.#fd < 0) throw new ClosedError('Vm');
    if (size <= 0 || size % PAGE_SIZE !== 0 || guestPhysAddr % PAGE_SIZE !== 0) {
      throw new RangeError(
        `guest memory must be whole 4 KiB pages at a page-aligned address (got ${size} bytes at 0x${guestPhysAddr.toString(16)})`,
      );
    }
    const mapping = checkMapping(
      this.binding.mapAnonymous(size),
      `mmap of ${size} bytes of guest memory at 0x${guestPhysAddr.toString(16)}`,
    );
    const memory: GuestMemory = {
      slot: this.#memory.length,
      guestPhysAddr,
      size,
      bytes: new Uint8Array(mapping.buffer),
    };
    this.#memory.push({ mapping, memory });
    return memory;
  }

  /** KVM_SET_USER_MEMORY_REGION for memory from allocateMemory. */
  registerMemory(memory: GuestMemory): void {
    const entry = this.#memory.find((candidate) => candidate.memory === memory);
    if (!entry) throw new Error('registerMemory: this memory was not allocated by this Vm');
    this.setUserMemoryRegion({
      slot: memory.slot,
      guestPhysAddr: memory.guestPhysAddr,
      memorySize: memory.size,
      userspaceAddr: entry.mapping.address,
    });
  }

  /** KVM_SET_TSS_ADDR: three pages KVM needs for real mode on Intel hosts without unrestricted guest. */
  setTssAddress(address: number): void {
    check(this.binding.ioctl(this.fd, KVM_SET_TSS_ADDR, address), 'KVM_SET_TSS_ADDR');
  }

  /** KVM_CREATE_VCPU, then maps its kvm_run page. */
  createVcpu(id = 0): Vcpu {
    const fd = check(this.binding.ioctl(this.fd, KVM_CREATE_VCPU, id), 'KVM_CREATE_VCPU');
    try {
      const vcpu = new Vcpu(this, fd, this.kvm.cachedVcpuMmapSize());
      this.#vcpus.push(vcpu);
      return vcpu;
    } catch (error) {
      this.binding.close(fd);
      throw error;
    }
  }

  /** Releases every vCPU, every memory mapping and the VM fd. Safe to call twice. */
  close(): void {
    if (this.#fd < 0) return;
    for (const vcpu of this.#vcpus.splice(0)) vcpu.close();
    this.binding.close(this.#fd);
    this.#fd = -1;
    // Unmap after the VM fd is closed, so KVM has dropped its references to the memory slots.
    for (const { mapping } of this.#memory.splice(0)) this.binding.unmap(mapping);
  }
}
