/** Vcpu: a vCPU file descriptor, its shared kvm_run page and the ioctls issued on it. */

import {
  DEVICE_ATTR_ADDR,
  DEVICE_ATTR_ATTR,
  DEVICE_ATTR_GROUP,
  EINTR,
  KVM_GET_DEVICE_ATTR,
  KVM_GET_REGS,
  KVM_GET_SREGS,
  KVM_GET_TSC_KHZ,
  KVM_HAS_DEVICE_ATTR,
  KVM_SET_REGS,
  KVM_SET_SREGS,
  KVM_VCPU_TSC_CTRL,
  KVM_VCPU_TSC_OFFSET,
  RUN_IMMEDIATE_EXIT,
  SIZEOF_KVM_DEVICE_ATTR,
  SIZEOF_KVM_REGS,
  SIZEOF_KVM_SREGS,
} from '../abi/kvm.js';
import type { Binding, Mapping } from '../bindings/types.js';
import { ClosedError } from '../errors.js';
import { check, checkMapping } from './check.js';
import { CoalescedRing } from './coalesced-ring.js';
import { decodeExit, type VcpuExit } from './exits.js';
import { decodeRegisters, encodeRegisters, type Registers, SpecialRegisters, structBuffer } from './structs.js';
import type { Vm } from './vm.js';

// KVM_SET_REGS encodes into this: the kernel copies the struct in before the ioctl returns, and JS
// is single-threaded, so one buffer serves every vCPU without an allocation per call.
const setRegsBuffer = new Uint8Array(SIZEOF_KVM_REGS);

/**
 * Typed views of the kvm_run page for loops that check exits without allocating. They are valid
 * until the vCPU is closed; use them only inside code that owns the vCPU.
 */
export interface RunPage {
  readonly address: bigint;
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;
  /** KVM_RUN bound to this vCPU: returns 0 or -errno. */
  readonly run: () => number;
}

/** struct kvm_device_attr (flags 0). */
function deviceAttr(group: number, attr: number, address: bigint): Uint8Array {
  const bytes = new Uint8Array(SIZEOF_KVM_DEVICE_ATTR);
  const data = new DataView(bytes.buffer);
  data.setUint32(DEVICE_ATTR_GROUP, group, true);
  data.setBigUint64(DEVICE_ATTR_ATTR, BigInt(attr), true);
  data.setBigUint64(DEVICE_ATTR_ADDR, address, true);
  return bytes;
}

export class Vcpu {
  #fd: number;
  #runMapping: Mapping | undefined;
  readonly #page: RunPage;
  /** The VM's binding, held directly: one property load per system call instead of a getter chain. */
  readonly binding: Binding;

  constructor(
    readonly vm: Vm,
    fd: number,
    mmapSize: number,
  ) {
    this.#fd = fd;
    this.binding = vm.binding;
    const mapping = checkMapping(vm.binding.mapFile(fd, mmapSize), 'mmap of the vCPU kvm_run page');
    this.#runMapping = mapping;
    // The views are made here, right after the mmap, rather than on first use: every vCPU is run,
    // and making them inside the lifecycle's timed run step would add their cost (microseconds) to it.
    const buffer = mapping.buffer;
    this.#page = {
      address: mapping.address,
      buffer,
      u8: new Uint8Array(buffer),
      u16: new Uint16Array(buffer),
      u32: new Uint32Array(buffer),
      run: vm.binding.runner(fd),
    };
  }

  get fd(): number {
    if (this.#fd < 0) throw new ClosedError('Vcpu');
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** The kvm_run page's typed views, for exit-checking hot loops (see RunPage). */
  page(): RunPage {
    if (this.#fd < 0) throw new ClosedError('Vcpu');
    return this.#page;
  }

  /**
   * The VM's coalesced MMIO/PIO ring, on page `pageOffset` of this vCPU's mapping: the value of
   * KVM_CHECK_EXTENSION(KVM_CAP_COALESCED_MMIO) (0 means the kernel has no ring).
   */
  coalescedRing(pageOffset: number): CoalescedRing {
    return new CoalescedRing(this.page().buffer, pageOffset);
  }

  /** KVM_GET_REGS */
  getRegisters(): Registers {
    const bytes = structBuffer(SIZEOF_KVM_REGS);
    check(this.binding.ioctlBuffer(this.fd, KVM_GET_REGS, bytes), 'KVM_GET_REGS');
    return decodeRegisters(bytes);
  }

  /** KVM_SET_REGS */
  setRegisters(regs: Registers): void {
    check(this.binding.ioctlBuffer(this.fd, KVM_SET_REGS, encodeRegisters(regs, setRegsBuffer)), 'KVM_SET_REGS');
  }

  /**
   * KVM_SET_REGS from a struct kvm_regs encoded once (encodeRegisters), for a VMM that puts many
   * vCPUs in the same state: the lifecycle sets its entry registers this way, as the C side does.
   */
  setEncodedRegisters(bytes: Uint8Array): void {
    if (bytes.byteLength !== SIZEOF_KVM_REGS) {
      throw new RangeError(
        `struct kvm_regs is ${SIZEOF_KVM_REGS} bytes, got ${bytes.byteLength}: encode it with encodeRegisters`,
      );
    }
    check(this.binding.ioctlBuffer(this.fd, KVM_SET_REGS, bytes), 'KVM_SET_REGS');
  }

  /** KVM_GET_SREGS: segments, descriptor tables, control registers, EFER. */
  getSpecialRegisters(): SpecialRegisters {
    const bytes = structBuffer(SIZEOF_KVM_SREGS);
    check(this.binding.ioctlBuffer(this.fd, KVM_GET_SREGS, bytes), 'KVM_GET_SREGS');
    return new SpecialRegisters(bytes);
  }

  /** KVM_SET_SREGS */
  setSpecialRegisters(sregs: SpecialRegisters): void {
    check(this.binding.ioctlBuffer(this.fd, KVM_SET_SREGS, sregs.raw), 'KVM_SET_SREGS');
  }

  /** KVM_HAS_DEVICE_ATTR on this vCPU (KVM_CAP_VCPU_ATTRIBUTES): whether KVM knows the attribute. */
  hasDeviceAttr(group: number, attr: number): boolean {
    return this.binding.ioctlBuffer(this.fd, KVM_HAS_DEVICE_ATTR, deviceAttr(group, attr, 0n)) === 0;
  }

  /**
   * KVM_GET_DEVICE_ATTR on this vCPU: a u64 attribute, read through a page of scratch memory (the
   * kernel writes the value at the struct's addr, which must be an address the binding mapped).
   */
  getDeviceAttr(group: number, attr: number): bigint {
    const scratch = checkMapping(this.binding.mapAnonymous(4096), 'mmap of a scratch page for KVM_GET_DEVICE_ATTR');
    try {
      check(
        this.binding.ioctlBuffer(this.fd, KVM_GET_DEVICE_ATTR, deviceAttr(group, attr, scratch.address)),
        'KVM_GET_DEVICE_ATTR',
      );
      return new DataView(scratch.buffer).getBigUint64(0, true);
    } finally {
      this.binding.unmap(scratch);
    }
  }

  /**
   * The guest's TSC minus the host's, modulo 2^64 (KVM_VCPU_TSC_CTRL / KVM_VCPU_TSC_OFFSET): a guest
   * RDTSC reads host TSC + offset while the vCPU runs at the host's rate (see tscKhz).
   */
  tscOffset(): bigint {
    return this.getDeviceAttr(KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET);
  }

  /** KVM_GET_TSC_KHZ: the rate of the guest's TSC (KVM_CAP_GET_TSC_KHZ). */
  tscKhz(): number {
    return check(this.binding.ioctl(this.fd, KVM_GET_TSC_KHZ, 0), 'KVM_GET_TSC_KHZ');
  }

  /** kvm_run.immediate_exit: when set, KVM_RUN returns EINTR at once without entering the guest. */
  set immediateExit(on: boolean) {
    this.page().u8[RUN_IMMEDIATE_EXIT] = on ? 1 : 0;
  }

  get immediateExit(): boolean {
    return this.page().u8[RUN_IMMEDIATE_EXIT] === 1;
  }

  /** KVM_RUN until the next exit to userspace, decoded. EINTR is an exit of its own ('interrupted'). */
  run(): VcpuExit {
    const page = this.page();
    const ret = page.run();
    if (ret === -EINTR) return { kind: 'interrupted' };
    check(ret, 'KVM_RUN');
    return decodeExit(page.buffer);
  }

  /** Unmaps kvm_run and closes the fd. Safe to call twice. */
  close(): void {
    if (this.#fd < 0) return;
    if (this.#runMapping) this.binding.unmap(this.#runMapping);
    this.#runMapping = undefined;
    this.binding.close(this.#fd);
    this.#fd = -1;
  }
}
