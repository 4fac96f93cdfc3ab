/**
 * In-kernel completion of a burst guest's writes (guests/pio-burst.S, mmio-burst.S): an ioeventfd or a
 * coalesced zone on the port or address the guest writes to, set up when a cell opens. The harness
 * checks the kernel's side after every batch (ioeventfd: the eventfd counted every write) or exit
 * (coalesced: every ring entry's address, length and data; see exit-loops.ts).
 */
import { KVM_CAP_COALESCED_MMIO, KVM_CAP_COALESCED_PIO, KVM_CAP_IOEVENTFD } from '../abi/kvm.js';
import { GuestError } from '../errors.js';
import type { Guest, WriteBurst } from '../guests/manifest.js';
import { EventFd } from '../kvm/eventfd.js';
import type { Kvm } from '../kvm/system.js';
import type { IoTarget, Vm } from '../kvm/vm.js';

export const COMPLETIONS = ['ioeventfd', 'coalesced'] as const;
export type Completion = (typeof COMPLETIONS)[number];

/** The capabilities a completion needs on a write target, by the kernel headers' names. */
export function capabilitiesFor(completion: Completion, pio: boolean): Record<string, number> {
  if (completion === 'ioeventfd') return { KVM_CAP_IOEVENTFD };
  return pio ? { KVM_CAP_COALESCED_MMIO, KVM_CAP_COALESCED_PIO } : { KVM_CAP_COALESCED_MMIO };
}

/** The capabilities this KVM lacks for the completion (empty: it can run). */
export function missingCapabilities(kvm: Kvm, completion: Completion, pio: boolean): string[] {
  return Object.entries(capabilitiesFor(completion, pio))
    .filter(([, cap]) => kvm.checkExtension(cap) <= 0)
    .map(([name]) => name);
}

/** The burst guest's write target: its port or address. */
export function writeTarget(guest: Guest): IoTarget & { burst: WriteBurst } {
  const burst = guest.exits.kind === 'pio-out' ? guest.exits.writes : undefined;
  if (!burst) throw new Error(`guest '${guest.name}' makes no write bursts (exits.writes in guests/manifest.json)`);
  return 'port' in burst ? { pio: true, address: burst.port, burst } : { pio: false, address: burst.address, burst };
}

/** An ioeventfd on the guest's write target, checked after each batch: one signal per write. */
export class IoEventFdCompletion {
  readonly #eventFd = EventFd.open();
  readonly #spec;

  constructor(
    private readonly vm: Vm,
    private readonly guest: Guest,
    private readonly writesPerIteration: number,
  ) {
    const target = writeTarget(guest);
    this.#spec = { pio: target.pio, address: target.address, length: 1 as const, eventFd: this.#eventFd };
    try {
      vm.assignIoEventFd(this.#spec);
    } catch (error) {
      this.#eventFd.close();
      throw error;
    }
  }

  /** After a batch of n iterations: the eventfd must have counted every write of it, no more, no fewer. */
  checkBatch(n: number): void {
    const signals = this.#eventFd.take();
    const expected = n * this.writesPerIteration;
    if (signals !== expected) {
      throw new GuestError(
        `guest '${this.guest.name}': the ioeventfd counted ${signals} writes in a batch of ${n} iterations of ${this.writesPerIteration} writes (expected ${expected})`,
      );
    }
  }

  close(): void {
    if (!this.vm.closed) this.vm.deassignIoEventFd(this.#spec);
    this.#eventFd.close();
  }
}

/** A coalesced zone of one byte on the guest's write target (the loop drains and checks the ring). */
export function registerCoalesced(vm: Vm, guest: Guest): IoTarget {
  const target = writeTarget(guest);
  vm.registerCoalescedZone({ pio: target.pio, address: target.address, size: 1 });
  return { pio: target.pio, address: target.address };
}
