/**
 * The coalesced MMIO/PIO ring (struct kvm_coalesced_mmio_ring) on its page of a vCPU's mapping: KVM
 * appends an entry per guest write in a registered zone at `last`; userspace consumes from `first`.
 * The ring is shared by every vCPU of the VM (each vCPU's mapping shows the same page).
 */
import {
  COALESCED_DATA,
  COALESCED_LEN,
  COALESCED_PHYS_ADDR,
  COALESCED_PIO,
  SIZEOF_KVM_COALESCED_MMIO,
  SIZEOF_KVM_COALESCED_MMIO_RING,
} from '../abi/kvm.js';

const PAGE_SIZE = 4096;

/**
 * Slots in the ring (KVM_COALESCED_MMIO_MAX); one stays empty to tell full from empty, so at most
 * COALESCED_RING_SLOTS - 1 writes wait at once, and a write that finds the ring full exits to userspace.
 */
export const COALESCED_RING_SLOTS = Math.floor(
  (PAGE_SIZE - SIZEOF_KVM_COALESCED_MMIO_RING) / SIZEOF_KVM_COALESCED_MMIO,
);

/** One write as KVM queued it: where (a port when pio), how many bytes, and the bytes as an integer. */
export type CoalescedVisitor = (address: number, length: number, pio: boolean, data: number) => boolean;

export class CoalescedRing {
  readonly capacity = COALESCED_RING_SLOTS;
  readonly #u32: Uint32Array;
  readonly #view: DataView;

  /** `buffer` is the vCPU's mapping; the ring is the page at `pageOffset` (KVM_CAP_COALESCED_MMIO's value). */
  constructor(buffer: ArrayBuffer, pageOffset: number) {
    if (!Number.isInteger(pageOffset) || pageOffset < 1 || (pageOffset + 1) * PAGE_SIZE > buffer.byteLength) {
      throw new RangeError(
        `the coalesced ring's page ${pageOffset} is not inside the vCPU mapping of ${buffer.byteLength} bytes`,
      );
    }
    this.#u32 = new Uint32Array(buffer, pageOffset * PAGE_SIZE, PAGE_SIZE / 4);
    this.#view = new DataView(buffer, pageOffset * PAGE_SIZE, PAGE_SIZE);
  }

  /** Entries waiting to be consumed. */
  get pending(): number {
    const first = this.#u32[0] as number;
    const last = this.#u32[1] as number;
    return (last - first + this.capacity) % this.capacity;
  }

  /**
   * Hands each waiting entry to `visit`, oldest first, consuming it; stops early (leaving that entry)
   * when `visit` returns false. Returns the entries consumed. Data wider than 4 bytes is not decoded.
   */
  drain(visit: CoalescedVisitor): number {
    const u32 = this.#u32;
    const view = this.#view;
    let first = u32[0] as number;
    const last = u32[1] as number;
    let consumed = 0;
    while (first !== last) {
      const at = SIZEOF_KVM_COALESCED_MMIO_RING + first * SIZEOF_KVM_COALESCED_MMIO;
      const length = view.getUint32(at + COALESCED_LEN, true);
      const data =
        length >= 4 ? view.getUint32(at + COALESCED_DATA, true) : readSmall(view, at + COALESCED_DATA, length);
      const address = Number(view.getBigUint64(at + COALESCED_PHYS_ADDR, true));
      if (!visit(address, length, view.getUint32(at + COALESCED_PIO, true) !== 0, data)) break;
      first = (first + 1) % this.capacity;
      // Published after the entry is read, so KVM may reuse the slot only once we are done with it.
      Atomics.store(u32, 0, first);
      consumed++;
    }
    return consumed;
  }
}

function readSmall(view: DataView, at: number, length: number): number {
  let value = 0;
  for (let i = length - 1; i >= 0; i--) value = value * 256 + view.getUint8(at + i);
  return value;
}
