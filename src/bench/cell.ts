/**
 * A cell runner: the open resources of one planned cell (its VM and vCPU, kept for the whole run so
 * the guest's counter and KVM's statistics run on) and its batch function. It measures and reads
 * counters; it records nothing: the scheduler keeps the samples it returns.
 */

import { KVM_CAP_COALESCED_MMIO } from '../abi/kvm.js';
import type { Binding } from '../bindings/types.js';
import { type BootedGuest, bootGuest } from '../guests/boot.js';
import type { Guest } from '../guests/manifest.js';
import { openVcpuStats, type StatsReader } from '../kvm/stats-fd.js';
import type { Kvm } from '../kvm/system.js';
import type { Vm } from '../kvm/vm.js';
import { IoEventFdCompletion, missingCapabilities, registerCoalesced, writeTarget } from './completion.js';
import { type Batch, createBatch, type LoopState, type RingTarget } from './exit-loops.js';
import { GuestClockPage, type GuestClockReading } from './guest-clock.js';
import { IrqFdDelivery, missingIrqFdCapabilities } from './irqfd.js';
import { type LifecycleCounts, runLifecycles } from './lifecycle.js';
import type { PlannedCell } from './plan.js';
import { openSweepRunner } from './sweeps/runners.js';

/** KVM's vCPU stats read around the measured loops: exits by kind, all exits, emulated instructions. */
export const KVM_STATS_READ = [
  'io_exits',
  'mmio_exits',
  'halt_exits',
  'exits',
  'insn_emulation',
  // Exits that are not the guest's doing (host interrupts, signals): `exits` counts them too.
  'irq_exits',
  'request_irq_exits',
  'signal_exits',
] as const;
export type KvmStatName = (typeof KVM_STATS_READ)[number];
export type KvmStats = Partial<Record<KvmStatName, number>>;

export interface CellRunner {
  readonly cell: PlannedCell;
  /** Runs n iterations; returns the loop's nanoseconds. Throws a GuestError on a wrong exit. */
  run(n: number): number;
  /** Lifecycle only: per-step nanoseconds of the last batch, n rows of LIFECYCLE_STEPS.length. */
  readonly lastSteps: Float64Array | undefined;
  /** Every iteration run on this cell's vCPU, warm-up and calibration included (KVM counts those too). */
  readonly iterations: number;
  /** KVM_RUN calls interrupted by a signal and re-entered. */
  readonly eintr: number;
  /** KVM's vCPU stats now (undefined where the cell has no vCPU or the kernel no binary stats). */
  readStats(): KvmStats | undefined;
  /**
   * Guest-clock workloads: what the guest timed in the last batch, and whether its window count was
   * the n - 1 the batch should give (the batch's first window spans the gap before it and is skipped).
   */
  readonly lastGuestClock?: (GuestClockReading & { counted: boolean }) | undefined;
  close(): void;
}

function statsOf(reader: StatsReader | undefined): KvmStats | undefined {
  if (!reader) return undefined;
  const stats: KvmStats = {};
  for (const [name, value] of reader.read()) stats[name as KvmStatName] = Number(value);
  return stats;
}

class LoopRunner implements CellRunner {
  iterations = 0;
  readonly lastSteps = undefined;
  readonly #batch: Batch;
  readonly #state: LoopState = { sequence: 0, eintr: 0, ret: 0 };
  readonly #booted: BootedGuest | undefined;
  readonly #stats: StatsReader | undefined;
  readonly #clock: GuestClockPage | undefined;
  #ioEventFd: IoEventFdCompletion | undefined;
  #irqFd: IrqFdDelivery | undefined;
  #batches = 0;
  lastGuestClock: (GuestClockReading & { counted: boolean }) | undefined;

  constructor(
    readonly cell: PlannedCell,
    binding: Binding,
    kvm: Kvm,
  ) {
    if (cell.workload.loop === 'null-ioctl') {
      this.#batch = createBatch(binding, { kind: 'null-ioctl', binding, systemFd: kvm.fd }, this.#state);
      return;
    }
    const guest = cell.guest as Guest;
    const irqchip = cell.workload.interrupt === 'irqfd';
    if (irqchip) {
      const missing = missingIrqFdCapabilities(kvm);
      if (missing.length)
        throw new Error(`workload '${cell.workload.name}' needs ${missing.join(' and ')}, which this KVM lacks`);
    }
    this.#booted = bootGuest(binding, guest, kvm, { irqchip });
    try {
      const vcpu = this.#booted.vcpu;
      if (cell.workload.loop === 'immediate-exit') {
        vcpu.immediateExit = true;
        this.#batch = createBatch(binding, { kind: 'immediate-exit', guest, vcpu }, this.#state, cell.injectDelayNs);
      } else if (cell.workload.loop === 'lifecycle' || cell.workload.loop === 'sweep') {
        throw new Error(`${cell.workload.loop} cells have runners of their own`);
      } else {
        const ring = this.#openCompletion(kvm, this.#booted.vm, guest);
        if (irqchip) {
          this.#irqFd = new IrqFdDelivery(this.#booted.vm, vcpu, guest);
          this.#state.sequence = this.#irqFd.delivered;
        }
        const irqFd = this.#irqFd?.eventFd;
        this.#batch = createBatch(
          binding,
          { kind: cell.workload.loop, guest, vcpu, ...(ring ? { ring } : {}), ...(irqFd ? { irqFd } : {}) },
          this.#state,
          cell.injectDelayNs,
        );
        this.#stats = openVcpuStats(vcpu, KVM_STATS_READ);
        if (cell.workload.guestClock) {
          if (!guest.guestClock) {
            throw new Error(
              `workload '${cell.workload.name}' reads a guest clock but guest '${guest.name}' names no guestClock.address in guests/manifest.json`,
            );
          }
          this.#clock = new GuestClockPage(this.#booted.memory, guest.guestClock.address);
        }
      }
    } catch (error) {
      this.#ioEventFd?.close();
      this.#irqFd?.close();
      this.#booted.close();
      throw error;
    }
  }

  /** The workload's in-kernel completion, set up on the booted VM: a coalesced ring for the loop to drain. */
  #openCompletion(kvm: Kvm, vm: Vm, guest: Guest): RingTarget | undefined {
    const { completion, inKernelExitsPerIteration, ioEventFd } = this.cell.workload;
    if (!completion) return undefined;
    const missing = missingCapabilities(kvm, completion, writeTarget(guest).pio, ioEventFd);
    if (missing.length)
      throw new Error(`workload '${this.cell.workload.name}' needs ${missing.join(' and ')}, which this KVM lacks`);
    if (completion === 'ioeventfd') {
      this.#ioEventFd = new IoEventFdCompletion(vm, guest, inKernelExitsPerIteration, ioEventFd);
      return undefined;
    }
    const target = registerCoalesced(vm, guest);
    return {
      pageOffset: kvm.checkExtension(KVM_CAP_COALESCED_MMIO),
      address: target.address,
      pio: target.pio,
      writesPerExit: inKernelExitsPerIteration,
      writes: { sequence: 0 },
    };
  }

  get eintr(): number {
    return this.#state.eintr;
  }

  run(n: number): number {
    // Counted before running: a batch that fails part-way still ran iterations KVM counted.
    this.iterations += n;
    const ns = this.#clock ? this.#runTimedByGuest(n) : this.#batch(n);
    this.#ioEventFd?.checkBatch(n);
    return ns;
  }

  /**
   * The batch with the guest's clock read before and after, both outside the timed loop. An exit
   * window is open across the gap before the batch, so the page is armed first and the guest leaves
   * out the first window it closes (in the very first batch no window is open yet: it closes none
   * in its first run). A window of writes opens and closes inside one run: every one counts.
   */
  #runTimedByGuest(n: number): number {
    const clock = this.#clock as GuestClockPage;
    const exitWindow = this.cell.guest?.guestClock?.window !== 'writes';
    if (exitWindow) clock.arm();
    const before = clock.read();
    const ns = this.#batch(n);
    const after = clock.read();
    const windows = after.windows - before.windows;
    const firstBatch = this.#batches++ === 0;
    const expected = exitWindow ? Math.max(0, n - (firstBatch ? 2 : 1)) : n;
    this.lastGuestClock = { cycles: after.cycles - before.cycles, windows, counted: windows === expected };
    return ns;
  }

  readStats(): KvmStats | undefined {
    return statsOf(this.#stats);
  }

  close(): void {
    this.#stats?.close();
    this.#ioEventFd?.close();
    this.#irqFd?.close();
    this.#booted?.close();
  }
}

/** The lifecycle: every iteration creates, runs and tears down a VM; the time is the sum of its steps. */
class LifecycleRunner implements CellRunner {
  iterations = 0;
  readonly #counts: LifecycleCounts = { eintr: 0 };
  lastSteps: Float64Array | undefined;

  constructor(
    readonly cell: PlannedCell,
    private readonly binding: Binding,
    private readonly kvm: Kvm,
  ) {}

  run(n: number): number {
    this.iterations += n;
    const steps = runLifecycles(this.binding, this.kvm, this.cell.guest as Guest, n, this.#counts);
    this.lastSteps = steps;
    let total = 0;
    for (let i = 0; i < steps.length; i++) total += steps[i] as number;
    return total;
  }

  get eintr(): number {
    return this.#counts.eintr;
  }

  readStats(): undefined {
    return undefined;
  }

  close(): void {}
}

export function openCellRunner(cell: PlannedCell, binding: Binding, kvm: Kvm): CellRunner {
  if (cell.workload.loop === 'sweep') return openSweepRunner(cell, binding, kvm);
  return cell.workload.loop === 'lifecycle'
    ? new LifecycleRunner(cell, binding, kvm)
    : new LoopRunner(cell, binding, kvm);
}
