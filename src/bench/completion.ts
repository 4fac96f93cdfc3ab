/**
 * In-kernel completion of a burst guest's writes (guests/pio-burst.S, mmio-burst.S): an ioeventfd or a
 * coalesced zone on the port or address the guest writes to, set up when a cell opens. The harness
 * checks the kernel's side after every batch (ioeventfd: the eventfd counted every write) or exit
 * (coalesced: every ring entry's address, length and data; see exit-loops.ts).
 */
import {
  KVM_CAP_COALESCED_MMIO,
  KVM_CAP_COALESCED_PIO,
  KVM_CAP_IOEVENTFD,
  KVM_CAP_IOEVENTFD_NO_LENGTH,
} from '../abi/kvm.js';
import { GuestError } from '../errors.js';
import type { Guest, WriteBurst } from '../guests/manifest.js';
import { EventFd } from '../kvm/eventfd.js';
import type { Kvm } from '../kvm/system.js';
import type { IoEventFdSpec, IoTarget, Vm } from '../kvm/vm.js';

export const COMPLETIONS = ['ioeventfd', 'coalesced'] as const;
export type Completion = (typeof COMPLETIONS)[number];

/**
 * What an ioeventfd matches: writes of one byte, or of any length (`length` 0: MMIO only, and only
 * where the kernel allows it), and with `datamatch` only writes of that value (the guest then writes
 * it throughout).
 */
export interface IoEventFdMatch {
  length: 0 | 1;
  datamatch?: number;
}

export const ONE_BYTE: IoEventFdMatch = { length: 1 };

/** The capabilities a completion needs on a write target, by the kernel headers' names. */
export function capabilitiesFor(
  completion: Completion,
  pio: boolean,
  match: IoEventFdMatch = ONE_BYTE,
): Record<string, number> {
  if (completion === 'ioeventfd') {
    return match.length === 0 ? { KVM_CAP_IOEVENTFD, KVM_CAP_IOEVENTFD_NO_LENGTH } : { KVM_CAP_IOEVENTFD };
  }
  return pio ? { KVM_CAP_COALESCED_MMIO, KVM_CAP_COALESCED_PIO } : { KVM_CAP_COALESCED_MMIO };
}

/** The capabilities this KVM lacks for the completion (empty: it can run). */
export function missingCapabilities(kvm: Kvm, completion: Completion, pio: boolean, match?: IoEventFdMatch): string[] {
  return Object.entries(capabilitiesFor(completion, pio, match))
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
  readonly #spec: IoEventFdSpec;

  constructor(
    private readonly vm: Vm,
    private readonly guest: Guest,
    private readonly writesPerIteration: number,
    match: IoEventFdMatch = ONE_BYTE,
  ) {
    const target = writeTarget(guest);
    this.#spec = {
      pio: target.pio,
      address: target.address,
      length: match.length,
      eventFd: this.#eventFd,
      ...(match.datamatch === undefined ? {} : { datamatch: BigInt(match.datamatch) }),
    };
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
