/**
 * Interrupts raised through an irqfd: an eventfd assigned with KVM_IRQFD to the GSI the guest's
 * interrupt handler serves (guests/irq-pic.S), on a VM with an in-kernel irqchip. The loop writes the
 * eventfd, then runs the vCPU until the handler's OUT of its running counter: one interrupt delivered
 * and checked per iteration (exit-loops.ts signalledLoop, c_loop.c LOOP_PIO_OUT_IRQFD).
 */
import {
  ETIMEDOUT,
  KVM_CAP_GET_TSC_KHZ,
  KVM_CAP_IRQCHIP,
  KVM_CAP_IRQFD,
  KVM_CAP_VCPU_ATTRIBUTES,
  KVM_VCPU_TSC_CTRL,
  KVM_VCPU_TSC_OFFSET,
} from '../abi/kvm.js';
import { loadAddon } from '../bindings/addon.js';
import { GuestError } from '../errors.js';
import { bootGuest } from '../guests/boot.js';
import { type Guest, type GuestInterrupt, loadGuest } from '../guests/manifest.js';
import { guestFailure } from '../guests/run-to-halt.js';
import { check } from '../kvm/check.js';
import { EventFd } from '../kvm/eventfd.js';
import { decodeExit, describeExit } from '../kvm/exits.js';
import type { Kvm } from '../kvm/system.js';
import type { Vcpu } from '../kvm/vcpu.js';
import type { Vm } from '../kvm/vm.js';

export const INTERRUPTS = ['irqfd'] as const;
export type Interrupt = (typeof INTERRUPTS)[number];

/** What an irqfd workload needs, by the kernel headers' names: an in-kernel irqchip and KVM_IRQFD. */
export const IRQFD_CAPABILITIES: Readonly<Record<string, number>> = { KVM_CAP_IRQCHIP, KVM_CAP_IRQFD };

/** The capabilities of IRQFD_CAPABILITIES this KVM lacks (empty: it can run). */
export function missingIrqFdCapabilities(kvm: Kvm): string[] {
  return Object.entries(IRQFD_CAPABILITIES)
    .filter(([, cap]) => kvm.checkExtension(cap) <= 0)
    .map(([name]) => name);
}

/** The guest's interrupt (exits.interrupt in guests/manifest.json). */
export function guestInterrupt(guest: Guest): GuestInterrupt {
  const interrupt = guest.exits.kind === 'pio-out' ? guest.exits.interrupt : undefined;
  if (!interrupt)
    throw new Error(`guest '${guest.name}' serves no interrupt (exits.interrupt in guests/manifest.json)`);
  return interrupt;
}

/** The guest's ready OUT may follow only the in-kernel PIC writes of its setup: a few exits at most. */
const READY_MAX_RUNS = 16;

/**
 * Runs the guest through its setup to its ready OUT (the PIC is programmed and its line unmasked, so
 * no edge is lost from here on). Its setup makes no other userspace exit, so this is bounded.
 */
export function runToReady(guest: Guest, vcpu: Vcpu): void {
  const { readyPort } = guestInterrupt(guest);
  for (let runs = 0; runs < READY_MAX_RUNS; runs++) {
    const exit = vcpu.run();
    if (exit.kind === 'interrupted') continue;
    if (exit.kind === 'io-out' && exit.port === readyPort && exit.size === 1 && exit.count === 1) return;
    throw guestFailure(
      guest,
      vcpu,
      `expected its ready OUT to port 0x${readyPort.toString(16)} after programming the PIC, got ${describeExit(exit)}`,
    );
  }
  throw new GuestError(
    `guest '${guest.name}': KVM_RUN was interrupted by signals ${READY_MAX_RUNS} times in a row before the guest's ready OUT`,
  );
}

/** How long the first delivery may take: an interrupt not in the guest's handler by then never comes. */
export const FIRST_DELIVERY_TIMEOUT_MS = 5000;

/**
 * One delivery with a bounded wait (set-up and probes, not the measured loops): writes the eventfd,
 * then runs the vCPU (kvmRunWithin) until the handler's OUT of `counter`; throws a GuestError saying
 * so when no interrupt reached the handler within timeoutMs (the vCPU would sleep in HLT for ever).
 */
export function deliverWithin(eventFd: EventFd, guest: Guest, vcpu: Vcpu, counter: number, timeoutMs: number): void {
  const { gsi } = guestInterrupt(guest);
  const port = guest.exits.kind === 'pio-out' ? guest.exits.port : -1;
  eventFd.signal();
  const ret = loadAddon().kvmRunWithin(vcpu.fd, timeoutMs);
  if (ret === -ETIMEDOUT) {
    throw guestFailure(
      guest,
      vcpu,
      `no interrupt reached its handler within ${timeoutMs} ms of the eventfd write (irqfd on GSI ${gsi}): the vCPU still sleeps in HLT, so this KVM did not deliver it`,
    );
  }
  check(ret, 'KVM_RUN');
  const exit = decodeExit(vcpu.page().buffer);
  const byte = counter & 0xff;
  if (!(exit.kind === 'io-out' && exit.port === port && exit.size === 1 && exit.count === 1 && exit.data[0] === byte)) {
    throw guestFailure(
      guest,
      vcpu,
      `expected its handler's OUT of 0x${byte.toString(16).padStart(2, '0')} to port 0x${port.toString(16)} after an eventfd write, got ${describeExit(exit)}`,
    );
  }
}

/**
 * An irqfd on the guest's GSI, the guest run to its ready OUT and one delivery made with a bounded
 * wait (a KVM that takes KVM_IRQFD but does not deliver fails here, not in a measured loop that
 * could only wait): from here each eventfd write is one interrupt the guest's handler reports, and
 * its counter continues from `delivered`. The Vm must have an in-kernel irqchip (bootGuest's irqchip).
 */
export class IrqFdDelivery {
  readonly eventFd: EventFd;
  readonly gsi: number;
  /** Deliveries made while opening: the handler's next counter. */
  readonly delivered = 1;
  #assigned = false;

  constructor(
    private readonly vm: Vm,
    vcpu: Vcpu,
    guest: Guest,
  ) {
    this.gsi = guestInterrupt(guest).gsi;
    this.eventFd = EventFd.open();
    try {
      vm.assignIrqFd(this.eventFd, this.gsi);
      this.#assigned = true;
      runToReady(guest, vcpu);
      deliverWithin(this.eventFd, guest, vcpu, 0, FIRST_DELIVERY_TIMEOUT_MS);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  close(): void {
    try {
      if (this.#assigned && !this.vm.closed) this.vm.deassignIrqFd(this.eventFd, this.gsi);
    } finally {
      this.#assigned = false;
      this.eventFd.close();
    }
  }
}

/** An irqfd timed by the guest: per delivery, in TSC cycles on the host's clock. */
export interface IrqFdWakeTimes {
  /** From just before the host's eventfd write to the first instruction of the guest's handler. */
  wakeCycles: Float64Array;
  /** From just before the write to just after KVM_RUN returned with the handler's OUT (host-timed). */
  roundTripCycles: Float64Array;
  /** KVM_VCPU_TSC_OFFSET: guest TSC minus host TSC. */
  tscOffset: bigint;
  /** The guest TSC's rate (KVM_GET_TSC_KHZ): the host's, as kvmbench never sets it. */
  tscKhz: number;
  eintr: number;
}

/** What timing by the guest needs beyond IRQFD_CAPABILITIES: the vCPU's TSC offset and rate. */
export const GUEST_TIMED_CAPABILITIES: Readonly<Record<string, number>> = {
  KVM_CAP_VCPU_ATTRIBUTES,
  KVM_CAP_GET_TSC_KHZ,
};

/** The capabilities timing by the guest needs beyond IRQFD_CAPABILITIES that this KVM lacks. */
export function missingGuestTimedCapabilities(kvm: Kvm): string[] {
  return Object.entries(GUEST_TIMED_CAPABILITIES)
    .filter(([, cap]) => kvm.checkExtension(cap) <= 0)
    .map(([name]) => name);
}

/**
 * `n` irqfd deliveries to the irq-pic-tsc guest driven from C (the addon's irqfdWake), each timed by
 * the host's RDTSC just before its eventfd write and the guest handler's RDTSC, put on one clock
 * with the vCPU's TSC offset. Needs the N-API addon and a KVM with IRQFD_CAPABILITIES and
 * GUEST_TIMED_CAPABILITIES; throws naming what is missing.
 */
export function timeIrqFdByGuest(kvm: Kvm, n: number): IrqFdWakeTimes {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`deliveries must be a positive integer (got ${n})`);
  const missing = [...missingIrqFdCapabilities(kvm), ...missingGuestTimedCapabilities(kvm)];
  if (missing.length)
    throw new Error(`timing an irqfd by the guest needs ${missing.join(' and ')}, which this KVM lacks`);
  const guest = loadGuest('irq-pic-tsc');
  const { tscAddress } = guestInterrupt(guest);
  if (tscAddress === undefined) throw new Error(`guest '${guest.name}' names no exits.interrupt.tscAddress`);
  const booted = bootGuest(kvm.binding, guest, kvm, { irqchip: true });
  try {
    const { vm, vcpu, memory } = booted;
    if (!vcpu.hasDeviceAttr(KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET))
      throw new Error(
        'this KVM has vCPU attributes but not KVM_VCPU_TSC_OFFSET: the guest TSC cannot be put on the host clock',
      );
    const delivery = new IrqFdDelivery(vm, vcpu, guest);
    try {
      const offset = tscAddress - memory.guestPhysAddr;
      const times = { wakeCycles: new Float64Array(n), roundTripCycles: new Float64Array(n) };
      const port = guest.exits.kind === 'pio-out' ? guest.exits.port : 0;
      const tscOffset = vcpu.tscOffset();
      const result = loadAddon().irqfdWake(
        vcpu.fd,
        vcpu.page().address,
        delivery.eventFd.fd,
        port,
        delivery.delivered,
        memory.bytes.subarray(offset, offset + 8),
        tscOffset,
        times.wakeCycles,
        times.roundTripCycles,
      );
      if (result.error) throw guestFailure(guest, vcpu, result.error);
      return { ...times, tscOffset, tscKhz: vcpu.tscKhz(), eintr: result.eintr };
    } finally {
      delivery.close();
    }
  } finally {
    booted.close();
  }
}
