/**
 * Cell runners for sweep points: the same CellRunner the scheduler drives for every workload, so a
 * point is calibrated, interleaved in rounds and summarised per turn like any other cell.
 * - memory@S (and memory-thp, dirty-log): per iteration map S bytes, set the slot, the guest
 *   writes one byte per 4 KiB page, (KVM_GET_DIRTY_LOG,) tear down; each step timed apart and
 *   every iteration checked (the guest's end address, the bytes it wrote, the dirty bitmap);
 * - vcpu-create@K: K KVM_CREATE_VCPU on a fresh VM;
 * - vcpu-exits@K, vms@N: a WorkerPool running K pio-out loops or N lifecycles at once.
 */

import {
  EINTR,
  KVM_CREATE_VCPU,
  KVM_EXIT_IO,
  KVM_EXIT_IO_OUT,
  KVM_MEM_LOG_DIRTY_PAGES,
  RUN_IMMEDIATE_EXIT,
} from '../../abi/kvm.js';
import type { Binding } from '../../bindings/types.js';
import { GuestError } from '../../errors.js';
import type { Guest } from '../../guests/manifest.js';
import { enterMode } from '../../guests/modes.js';
import { check, checkMapping } from '../../kvm/check.js';
import { decodeExit, describeExit } from '../../kvm/exits.js';
import { openVcpuStats, type StatsReader } from '../../kvm/stats-fd.js';
import { zeroRegisters } from '../../kvm/structs.js';
import type { Kvm } from '../../kvm/system.js';
import type { Vcpu } from '../../kvm/vcpu.js';
import type { Vm } from '../../kvm/vm.js';
import type { SweepPoint } from '../../results/types.js';
import type { CellRunner, KvmStats } from '../cell.js';
import { KVM_STATS_READ } from '../cell.js';
import type { PlannedCell } from '../plan.js';
import { mapHostMemory, PAGE_SIZE, type PageBacking } from './host-memory.js';
import { hugePageBacking } from './huge-pages.js';
import { SWEEP_SLOT_BASE } from './points.js';
import { WorkerPool } from './worker-pool.js';

const MEASURED_SLOT = 1;

function sumStats(readers: readonly StatsReader[]): KvmStats | undefined {
  if (readers.length === 0) return undefined;
  const total: KvmStats = {};
  for (const reader of readers) {
    for (const [name, value] of reader.read()) {
      const key = name as keyof KvmStats;
      total[key] = (total[key] ?? 0) + Number(value);
    }
  }
  return total;
}

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

class MemoryRunner implements CellRunner {
  iterations = 0;
  eintr = 0;
  lastSteps: Float64Array | undefined;
  readonly #vm: Vm;
  readonly #vcpu: Vcpu;
  readonly #stats: StatsReader | undefined;
  readonly #pages: number;
  readonly #backing: PageBacking;
  readonly #dirty: boolean;
  readonly #bitmap: { address: bigint; words: Uint32Array; close(): void } | undefined;
  readonly #regs = zeroRegisters();

  constructor(
    readonly cell: PlannedCell,
    readonly point: SweepPoint,
    private readonly binding: Binding,
    kvm: Kvm,
  ) {
    const guest = cell.guest as Guest;
    this.#pages = point.size / PAGE_SIZE;
    this.#dirty = point.series === 'dirty-log';
    this.#backing = point.series === 'memory-thp' ? 'thp' : point.series === 'memory-hugetlb' ? 'hugetlb' : '4k';
    if (this.#backing !== '4k' && hugePageBacking().backing !== this.#backing) {
      throw new Error(
        `${cell.workload.name}: this host cannot back guest memory that way: ${hugePageBacking().detail}`,
      );
    }
    this.#vm = kvm.createVm();
    try {
      const code = this.#vm.addMemory(guest.memory.base, guest.memory.size);
      code.bytes.set(guest.image, guest.load - guest.memory.base);
      this.#vcpu = this.#vm.createVcpu(0);
      enterMode(this.#vcpu, code, guest.mode);
      this.#regs.rip = BigInt(guest.load);
      this.#regs.rsp = BigInt(guest.load);
      this.#regs.rflags = 0x2n;
      this.#stats = openVcpuStats(this.#vcpu, KVM_STATS_READ);
      if (this.#dirty) {
        // One bit per page in 64-bit words, in memory KVM writes through the pointer it is given.
        const bytes = Math.ceil(this.#pages / 64) * 8;
        const mapping = checkMapping(
          binding.mapAnonymous(Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE),
          'mmap of the dirty bitmap',
        );
        this.#bitmap = {
          address: mapping.address,
          words: new Uint32Array(mapping.buffer, 0, bytes / 4),
          close: () => binding.unmap(mapping),
        };
      }
    } catch (error) {
      this.#vm.close();
      throw error;
    }
  }

  run(n: number): number {
    this.iterations += n;
    const count = this.cell.workload.steps?.length ?? 0;
    const steps = new Float64Array(n * count);
    let total = 0;
    for (let i = 0; i < n; i++) total += this.#once(steps, i * count);
    this.lastSteps = steps;
    return total;
  }

  /** One iteration; writes its step times at offset and returns their sum. */
  #once(steps: Float64Array, offset: number): number {
    const size = this.point.size;
    let step = 0;
    let t = performance.now();
    const lap = () => {
      const now = performance.now();
      steps[offset + step++] = (now - t) * 1e6;
      t = now;
    };
    const memory = mapHostMemory(size, this.#backing);
    let registered = false;
    try {
      lap();
      this.#vm.setUserMemoryRegion({
        slot: MEASURED_SLOT,
        flags: this.#dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0,
        guestPhysAddr: SWEEP_SLOT_BASE,
        memorySize: size,
        userspaceAddr: memory.address,
      });
      registered = true;
      lap();
      this.#touch();
      lap();
      if (this.#bitmap) {
        this.#vm.getDirtyLog(MEASURED_SLOT, this.#bitmap.address);
        lap();
      }
      // The checks are not timed: the clock restarts after them.
      this.#checkTouched(memory.view());
      t = performance.now();
    } finally {
      if (registered) {
        this.#vm.setUserMemoryRegion({
          slot: MEASURED_SLOT,
          guestPhysAddr: SWEEP_SLOT_BASE,
          memorySize: 0,
          userspaceAddr: memory.address,
        });
      }
      memory.free();
    }
    lap();
    let total = 0;
    for (let s = 0; s < step; s++) total += steps[offset + s] as number;
    return total;
  }

  /** Runs the guest over the slot: one OUT exit carrying its end address, then the OUT completed. */
  #touch(): void {
    const regs = this.#regs;
    regs.rsi = BigInt(SWEEP_SLOT_BASE);
    regs.rcx = BigInt(this.#pages);
    this.#vcpu.setRegisters(regs);
    const { run, u8, u16, u32 } = this.#vcpu.page();
    let ret = run();
    while (ret === -EINTR) {
      this.eintr++;
      ret = run();
    }
    const expected = SWEEP_SLOT_BASE + this.point.size;
    const ok =
      ret === 0 &&
      u32[2] === KVM_EXIT_IO &&
      u8[32] === KVM_EXIT_IO_OUT &&
      u8[33] === 4 &&
      u16[17] === 0xe9 &&
      u32[9] === 1 &&
      new DataView(this.#vcpu.page().buffer).getUint32(u32[10] as number, true) === expected;
    if (!ok) {
      throw new GuestError(
        `${this.cell.workload.name} on '${this.binding.name}': expected OUT of 0x${expected.toString(16)} (${this.#pages} pages touched) to port 0xe9, got ${
          ret < 0 ? `KVM_RUN result ${ret}` : describeExit(decodeExit(this.#vcpu.page().buffer))
        }`,
      );
    }
    // Complete the OUT without running the guest on (KVM's documented immediate_exit re-entry), so
    // the next iteration's KVM_SET_REGS starts it cleanly.
    u8[RUN_IMMEDIATE_EXIT] = 1;
    const completed = run();
    u8[RUN_IMMEDIATE_EXIT] = 0;
    if (completed !== -EINTR) check(completed, 'KVM_RUN (immediate_exit, completing the OUT)');
  }

  #checkTouched(bytes: Uint8Array): void {
    let touched = 0;
    for (let page = 0; page < this.#pages; page++) if (bytes[page * PAGE_SIZE] === 1) touched++;
    if (touched !== this.#pages) {
      throw new GuestError(
        `${this.cell.workload.name}: the guest reported every page but ${touched} of ${this.#pages} pages hold its byte`,
      );
    }
    if (this.#bitmap) {
      let dirty = 0;
      for (const word of this.#bitmap.words) dirty += popcount32(word);
      if (dirty !== this.#pages) {
        throw new GuestError(
          `${this.cell.workload.name}: KVM_GET_DIRTY_LOG marked ${dirty} pages dirty, the guest wrote ${this.#pages}`,
        );
      }
    }
  }

  readStats(): KvmStats | undefined {
    return this.#stats ? sumStats([this.#stats]) : undefined;
  }

  close(): void {
    this.#stats?.close();
    this.#bitmap?.close();
    this.#vm.close();
  }
}

/** K KVM_CREATE_VCPU calls on a fresh VM: the VM's creation and teardown are outside the timing. */
class VcpuCreateRunner implements CellRunner {
  iterations = 0;
  readonly eintr = 0;
  readonly lastSteps = undefined;

  constructor(
    readonly cell: PlannedCell,
    readonly point: SweepPoint,
    private readonly binding: Binding,
    private readonly kvm: Kvm,
  ) {}

  run(n: number): number {
    this.iterations += n;
    const fds: number[] = [];
    let total = 0;
    for (let i = 0; i < n; i++) {
      const vm = this.kvm.createVm();
      try {
        const vmFd = vm.fd;
        const start = performance.now();
        for (let id = 0; id < this.point.size; id++) {
          fds.push(check(this.binding.ioctl(vmFd, KVM_CREATE_VCPU, id), `KVM_CREATE_VCPU (vCPU ${id})`));
        }
        total += (performance.now() - start) * 1e6;
      } finally {
        for (const fd of fds.splice(0)) this.binding.close(fd);
        vm.close();
      }
    }
    return total;
  }

  readStats(): undefined {
    return undefined;
  }

  close(): void {}
}

/** vcpu-exits@K and vms@N: a pool of workers, each running its loop once per iteration, all at once. */
class PoolRunner implements CellRunner {
  iterations = 0;
  readonly eintr = 0;
  readonly lastSteps = undefined;
  readonly #pool: WorkerPool;
  readonly #vm: Vm | undefined;
  readonly #stats: StatsReader[] = [];

  constructor(
    readonly cell: PlannedCell,
    readonly point: SweepPoint,
    binding: Binding,
    kvm: Kvm,
  ) {
    const guest = cell.guest as Guest;
    if (point.series === 'vms') {
      this.#pool = new WorkerPool(point.size, {
        kind: 'vms',
        binding: binding.name,
        kvmPath: kvm.path,
        guest: guest.name,
      });
      return;
    }
    // One VM with the guest's memory; each worker creates and runs its own vCPU on it.
    const vm = kvm.createVm();
    this.#vm = vm;
    try {
      const memory = vm.addMemory(guest.memory.base, guest.memory.size);
      memory.bytes.set(guest.image, guest.load - guest.memory.base);
      this.#pool = new WorkerPool(point.size, {
        kind: 'exits',
        binding: binding.name,
        kvmPath: kvm.path,
        vmFd: vm.fd,
        guest: guest.name,
      });
      for (const fd of this.#pool.vcpuFds()) {
        const reader = openVcpuStats({ binding, fd } as Vcpu, KVM_STATS_READ);
        if (reader) this.#stats.push(reader);
      }
    } catch (error) {
      for (const reader of this.#stats.splice(0)) reader.close();
      vm.close();
      throw error;
    }
  }

  run(n: number): number {
    this.iterations += n;
    return this.#pool.run(n);
  }

  readStats(): KvmStats | undefined {
    return sumStats(this.#stats);
  }

  close(): void {
    for (const reader of this.#stats.splice(0)) reader.close();
    this.#pool.close();
    this.#vm?.close();
  }
}

export function openSweepRunner(cell: PlannedCell, binding: Binding, kvm: Kvm): CellRunner {
  const point = cell.workload.point;
  if (!point) throw new Error(`'${cell.workload.name}' is not a sweep point`);
  switch (point.series) {
    case 'vcpu-create':
      return new VcpuCreateRunner(cell, point, binding, kvm);
    case 'vcpu-exits':
    case 'vms':
      return new PoolRunner(cell, point, binding, kvm);
    default:
      return new MemoryRunner(cell, point, binding, kvm);
  }
}
