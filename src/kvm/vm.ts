/** Vm: a VM file descriptor, its memory slots and the ioctls issued on it. */

import {
  IOEVENTFD_ADDR,
  IOEVENTFD_DATAMATCH,
  IOEVENTFD_FD,
  IOEVENTFD_FLAGS,
  IOEVENTFD_LEN,
  IRQFD_FD,
  IRQFD_FLAGS,
  IRQFD_GSI,
  KVM_CREATE_IRQCHIP,
  KVM_CREATE_VCPU,
  KVM_GET_DIRTY_LOG,
  KVM_IOEVENTFD,
  KVM_IOEVENTFD_FLAG_DATAMATCH,
  KVM_IOEVENTFD_FLAG_DEASSIGN,
  KVM_IOEVENTFD_FLAG_PIO,
  KVM_IRQFD,
  KVM_IRQFD_FLAG_DEASSIGN,
  KVM_REGISTER_COALESCED_MMIO,
  KVM_SET_USER_MEMORY_REGION,
  KVM_UNREGISTER_COALESCED_MMIO,
  REGION_FLAGS,
  REGION_GUEST_PHYS_ADDR,
  REGION_MEMORY_SIZE,
  REGION_SLOT,
  REGION_USERSPACE_ADDR,
  SIZEOF_KVM_COALESCED_MMIO_ZONE,
  SIZEOF_KVM_DIRTY_LOG,
  SIZEOF_KVM_IOEVENTFD,
  SIZEOF_KVM_IRQFD,
  SIZEOF_KVM_USERSPACE_MEMORY_REGION,
} from '../abi/kvm.js';
import type { Binding, Mapping } from '../bindings/types.js';
import { ClosedError } from '../errors.js';
import { check, checkMapping } from './check.js';
import type { EventFd } from './eventfd.js';
import type { Kvm } from './system.js';
import { Vcpu } from './vcpu.js';

/** Where an ioeventfd or a coalesced zone listens: a port (pio) or a guest-physical address. */
export interface IoTarget {
  pio: boolean;
  address: number;
}

/** KVM_IOEVENTFD: guest writes of `length` bytes (0: any length, MMIO only) to the target signal `eventFd`. */
export interface IoEventFdSpec extends IoTarget {
  length: 0 | 1 | 2 | 4 | 8;
  eventFd: EventFd;
  /** Only writes of this value signal; others exit to userspace as usual. */
  datamatch?: bigint;
}

/** KVM_REGISTER_COALESCED_MMIO: writes to [address, address + size) queue in the ring instead of exiting. */
export interface CoalescedZone extends IoTarget {
  size: number;
}

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
  /**
   * The bytes, indexed from guestPhysAddr (bytes[0] is at guestPhysAddr): a zero-copy view made on
   * first access (see Mapping), empty once the Vm is closed.
   */
  readonly bytes: Uint8Array;
  /** Copies bytes in at guestPhysAddr with one native copy, without making the view. */
  write(guestPhysAddr: number, bytes: Uint8Array): void;
}

const NO_BYTES = new Uint8Array(0);

/** Guest memory over a binding's mapping; Vm.close releases it. */
class MappedMemory implements GuestMemory {
  #bytes: Uint8Array | undefined;
  #released = false;

  constructor(
    readonly slot: number,
    readonly guestPhysAddr: number,
    readonly size: number,
    readonly mapping: Mapping,
    readonly binding: Binding,
  ) {}

  get bytes(): Uint8Array {
    if (this.#bytes === undefined) this.#bytes = new Uint8Array(this.mapping.buffer);
    return this.#bytes;
  }

  write(guestPhysAddr: number, bytes: Uint8Array): void {
    if (this.#released) throw new ClosedError('GuestMemory');
    const offset = guestPhysAddr - this.guestPhysAddr;
    if (!(offset >= 0 && offset + bytes.length <= this.size)) {
      throw new RangeError(
        `${bytes.length} bytes at 0x${guestPhysAddr.toString(16)} do not fit guest memory 0x${this.guestPhysAddr.toString(16)}-0x${(
          this.guestPhysAddr + this.size
        ).toString(16)}`,
      );
    }
    this.binding.write(this.mapping.address, offset, bytes);
  }

  /** Unmaps the memory; a view made before is detached where the binding can (see Mapping). */
  release(): void {
    this.#released = true;
    this.#bytes = NO_BYTES;
    this.binding.unmap(this.mapping);
  }
}

const PAGE_SIZE = 4096;
/** KVM_MAX_IRQ_ROUTES: the GSIs an irqfd may name (the default routing has 0-23: PIC and IOAPIC pins). */
export const MAX_GSI = 4095;

// The kernel copies the region in before the ioctl returns and JS is single-threaded: one buffer
// serves every call without an allocation.
const regionBytes = new Uint8Array(SIZEOF_KVM_USERSPACE_MEMORY_REGION);
const regionData = new DataView(regionBytes.buffer);

/** A non-negative safe integer as a little-endian __u64, without a BigInt. */
function setUint64(data: DataView, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is not a valid 64-bit address or size`);
  data.setUint32(offset, value >>> 0, true);
  data.setUint32(offset + 4, Math.floor(value / 2 ** 32), true);
}

/** struct kvm_coalesced_mmio_zone: addr u64, size u32, pio u32. */
function encodeZone(zone: CoalescedZone): Uint8Array {
  const bytes = new Uint8Array(SIZEOF_KVM_COALESCED_MMIO_ZONE);
  const data = new DataView(bytes.buffer);
  setUint64(data, 0, zone.address);
  data.setUint32(8, zone.size, true);
  data.setUint32(12, zone.pio ? 1 : 0, true);
  return bytes;
}

export class Vm {
  #fd: number;
  #irqchip = false;
  readonly #memory: MappedMemory[] = [];
  readonly #vcpus: Vcpu[] = [];

  /** The Kvm's binding, held directly: one property load per system call instead of a getter chain. */
  readonly binding: Binding;

  constructor(
    readonly kvm: Kvm,
    fd: number,
  ) {
    this.#fd = fd;
    this.binding = kvm.binding;
  }

  get fd(): number {
    if (this.#fd < 0) throw new ClosedError('Vm');
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** KVM_SET_USER_MEMORY_REGION: maps host memory at a guest-physical address (size 0 deletes the slot). */
  setUserMemoryRegion(region: MemoryRegion): void {
    this.#setRegion(region.slot, region.flags ?? 0, region.guestPhysAddr, region.memorySize, region.userspaceAddr);
  }

  // Fields as arguments, so registerMemory (a timed lifecycle step) builds no MemoryRegion object.
  #setRegion(slot: number, flags: number, guestPhysAddr: number, memorySize: number, userspaceAddr: bigint): void {
    const data = regionData;
    data.setUint32(REGION_SLOT, slot, true);
    data.setUint32(REGION_FLAGS, flags, true);
    setUint64(data, REGION_GUEST_PHYS_ADDR, guestPhysAddr);
    setUint64(data, REGION_MEMORY_SIZE, memorySize);
    data.setBigUint64(REGION_USERSPACE_ADDR, userspaceAddr, true);
    check(this.binding.ioctlBuffer(this.fd, KVM_SET_USER_MEMORY_REGION, regionBytes), 'KVM_SET_USER_MEMORY_REGION');
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

  /** KVM_IOEVENTFD: assigns an eventfd to guest writes at a port or address (KVM_CAP_IOEVENTFD). */
  assignIoEventFd(spec: IoEventFdSpec): void {
    this.#ioEventFd(spec, 0);
  }

  /** KVM_IOEVENTFD with KVM_IOEVENTFD_FLAG_DEASSIGN: the same spec as assigned. */
  deassignIoEventFd(spec: IoEventFdSpec): void {
    this.#ioEventFd(spec, KVM_IOEVENTFD_FLAG_DEASSIGN);
  }

  #ioEventFd(spec: IoEventFdSpec, flags: number): void {
    const bytes = new Uint8Array(SIZEOF_KVM_IOEVENTFD);
    const data = new DataView(bytes.buffer);
    data.setBigUint64(IOEVENTFD_DATAMATCH, spec.datamatch ?? 0n, true);
    setUint64(data, IOEVENTFD_ADDR, spec.address);
    data.setUint32(IOEVENTFD_LEN, spec.length, true);
    data.setInt32(IOEVENTFD_FD, spec.eventFd.fd, true);
    const all =
      flags |
      (spec.pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
      (spec.datamatch === undefined ? 0 : KVM_IOEVENTFD_FLAG_DATAMATCH);
    data.setUint32(IOEVENTFD_FLAGS, all, true);
    check(this.binding.ioctlBuffer(this.fd, KVM_IOEVENTFD, bytes), 'KVM_IOEVENTFD');
  }

  /**
   * KVM_CREATE_IRQCHIP: the kernel emulates a PIC pair, an IOAPIC and each vCPU's local APIC, routes
   * GSIs 0-15 to the PIC and IOAPIC pins of that number, and handles HLT itself (the vCPU sleeps in
   * KVM_RUN until an interrupt, instead of KVM_EXIT_HLT). Call before createVcpu (KVM_CAP_IRQCHIP).
   */
  createIrqchip(): void {
    if (this.#vcpus.length > 0) throw new Error('createIrqchip: KVM_CREATE_IRQCHIP must come before the first vCPU');
    check(this.binding.ioctl(this.fd, KVM_CREATE_IRQCHIP, 0), 'KVM_CREATE_IRQCHIP');
    this.#irqchip = true;
  }

  /** Whether createIrqchip succeeded on this VM. */
  get hasIrqchip(): boolean {
    return this.#irqchip;
  }

  /**
   * KVM_IRQFD: each write to eventFd raises `gsi` in the in-kernel irqchip, as an edge (KVM_CAP_IRQFD;
   * needs createIrqchip first). An eventfd serves one GSI at a time.
   */
  assignIrqFd(eventFd: EventFd, gsi: number): void {
    this.#irqFd(eventFd, gsi, 0);
  }

  /** KVM_IRQFD with KVM_IRQFD_FLAG_DEASSIGN: the eventfd and GSI as assigned. */
  deassignIrqFd(eventFd: EventFd, gsi: number): void {
    this.#irqFd(eventFd, gsi, KVM_IRQFD_FLAG_DEASSIGN);
  }

  #irqFd(eventFd: EventFd, gsi: number, flags: number): void {
    if (!Number.isInteger(gsi) || gsi < 0 || gsi > MAX_GSI) {
      throw new RangeError(`an irqfd's GSI must be an integer from 0 to ${MAX_GSI} (got ${gsi})`);
    }
    const bytes = new Uint8Array(SIZEOF_KVM_IRQFD);
    const data = new DataView(bytes.buffer);
    data.setInt32(IRQFD_FD, eventFd.fd, true);
    data.setUint32(IRQFD_GSI, gsi, true);
    data.setUint32(IRQFD_FLAGS, flags, true);
    const hint = this.#irqchip ? undefined : 'KVM_IRQFD needs an in-kernel irqchip: call createIrqchip() first';
    check(this.binding.ioctlBuffer(this.fd, KVM_IRQFD, bytes), 'KVM_IRQFD', hint);
  }

  /** KVM_REGISTER_COALESCED_MMIO (a port range with pio: KVM_CAP_COALESCED_PIO). */
  registerCoalescedZone(zone: CoalescedZone): void {
    check(
      this.binding.ioctlBuffer(this.fd, KVM_REGISTER_COALESCED_MMIO, encodeZone(zone)),
      'KVM_REGISTER_COALESCED_MMIO',
    );
  }

  /** KVM_UNREGISTER_COALESCED_MMIO: the zone as registered. */
  unregisterCoalescedZone(zone: CoalescedZone): void {
    check(
      this.binding.ioctlBuffer(this.fd, KVM_UNREGISTER_COALESCED_MMIO, encodeZone(zone)),
      'KVM_UNREGISTER_COALESCED_MMIO',
    );
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
    const result = this.binding.mapAnonymous(size);
    // The message is built only on failure: this runs in a timed lifecycle step.
    const mapping =
      typeof result === 'number'
        ? checkMapping(result, `mmap of ${size} bytes of guest memory at 0x${guestPhysAddr.toString(16)}`)
        : result;
    const memory = new MappedMemory(this.#memory.length, guestPhysAddr, size, mapping, this.binding);
    this.#memory.push(memory);
    return memory;
  }

  /** KVM_SET_USER_MEMORY_REGION for memory from allocateMemory. */
  registerMemory(memory: GuestMemory): void {
    // Indexed loops, here and in close(): no closure or iterator in a timed lifecycle step.
    const entries = this.#memory;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as MappedMemory;
      if (entry !== memory) continue;
      this.#setRegion(entry.slot, 0, entry.guestPhysAddr, entry.size, entry.mapping.address);
      return;
    }
    throw new Error('registerMemory: this memory was not allocated by this Vm');
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

  /**
   * Releases every vCPU, every memory mapping and the VM fd. Safe to call twice. The closed entries
   * stay in their lists until the Vm is dropped (nothing reads them once #fd is -1): truncating an
   * array calls into V8's runtime, and this is the timed teardown step.
   */
  close(): void {
    if (this.#fd < 0) return;
    const vcpus = this.#vcpus;
    for (let i = 0; i < vcpus.length; i++) (vcpus[i] as Vcpu).close();
    this.binding.close(this.#fd);
    this.#fd = -1;
    // Unmap after the VM fd is closed, so KVM has dropped its references to the memory slots.
    const memory = this.#memory;
    for (let i = 0; i < memory.length; i++) (memory[i] as MappedMemory).release();
  }
}
