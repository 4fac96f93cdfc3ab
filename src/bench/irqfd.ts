/**
 * Interrupts raised through an irqfd: an eventfd assigned with KVM_IRQFD to the GSI the guest's
 * interrupt handler serves (guests/irq-pic.S), on a VM with an in-kernel irqchip. The loop writes the
 * eventfd, then runs the vCPU until the handler's OUT of its running counter: one interrupt delivered
 * and checked per iteration (exit-loops.ts signalledLoop, c_loop.c LOOP_PIO_OUT_IRQFD).
 */
import { KVM_CAP_IRQCHIP, KVM_CAP_IRQFD } from '../abi/kvm.js';
import { GuestError } from '../errors.js';
import type { Guest, GuestInterrupt } from '../guests/manifest.js';
import { guestFailure } from '../guests/run-to-halt.js';
import { EventFd } from '../kvm/eventfd.js';
import { describeExit } from '../kvm/exits.js';
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

/**
 * An irqfd on the guest's GSI, the guest run to its ready OUT: from here each eventfd write is one
 * interrupt the guest's handler reports. The Vm must have an in-kernel irqchip (bootGuest's irqchip).
 */
export class IrqFdDelivery {
  readonly eventFd: EventFd;
  readonly gsi: number;
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
