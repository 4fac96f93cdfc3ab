/**
 * The JS side of a pio-out VMM: checks each OUT exit (reason, direction, size, port, count and the
 * data byte against its own counter) without allocating, and says exactly what was wrong when one is
 * not what the guest must have done.
 */
import {
  KVM_EXIT_IO,
  KVM_EXIT_IO_OUT,
  RUN_U8_IO_DIRECTION,
  RUN_U8_IO_SIZE,
  RUN_U16_IO_PORT,
  RUN_U32_EXIT_REASON,
  RUN_U32_IO_COUNT,
  RUN_U32_IO_DATA_OFFSET,
} from '../abi/kvm.js';
import { GuestError } from '../errors.js';
import { type Guest, loadGuest } from '../guests/manifest.js';
import type { RunPage } from '../kvm/vcpu.js';

const hex = (value: number, digits = 2) => `0x${value.toString(16).padStart(digits, '0')}`;

export class PioOutHandler {
  #expected: number;
  #checked = 0;

  constructor(
    readonly port: number,
    start = 0,
  ) {
    this.#expected = start & 0xff;
  }

  /** Exits checked and found right so far. */
  get checked(): number {
    return this.#checked;
  }

  /** Checks one OUT's port and data byte (the reason, size and count were checked by the caller or its C thread). */
  out(port: number, data: number): string | undefined {
    if (port !== this.port || data !== this.#expected) {
      return `exit ${this.#checked}: expected OUT of ${hex(this.#expected)} to port ${hex(this.port, 4)}, got ${hex(data)} to port ${hex(port, 4)}`;
    }
    this.#expected = (this.#expected + 1) & 0xff;
    this.#checked++;
    return undefined;
  }

  /** Checks a whole exit as KVM reported it; undefined when right, else what was wrong. */
  exit(reason: number, direction: number, size: number, port: number, count: number, data: number): string | undefined {
    if (reason !== KVM_EXIT_IO || direction !== KVM_EXIT_IO_OUT || size !== 1 || count !== 1) {
      return `exit ${this.#checked}: expected KVM_EXIT_IO out size 1 count 1 to port ${hex(this.port, 4)}, got exit_reason ${reason} direction ${direction} size ${size} count ${count} port ${hex(port, 4)}`;
    }
    return this.out(port, data);
  }
}

/**
 * Checks the exit a KVM_RUN that returned `ret` left in the vCPU's kvm_run page: a failed call, or the
 * exit as the page holds it. Undefined when right, else what was wrong.
 */
export function checkRunPage(handler: PioOutHandler, ret: number, page: RunPage): string | undefined {
  if (ret < 0) return `exit ${handler.checked}: KVM_RUN failed with errno ${-ret}`;
  const { u8, u16, u32 } = page;
  return handler.exit(
    u32[RUN_U32_EXIT_REASON] as number,
    u8[RUN_U8_IO_DIRECTION] as number,
    u8[RUN_U8_IO_SIZE] as number,
    u16[RUN_U16_IO_PORT] as number,
    u32[RUN_U32_IO_COUNT] as number,
    u8[u32[RUN_U32_IO_DATA_OFFSET] as number] as number,
  );
}

/** The error a design rejects with when a check failed: the design and the check's message. */
export function handlerFailure(design: string, message: string): GuestError {
  return new GuestError(`guest 'pio-out' (${design}): ${message}`);
}

/** The pio-out guest and the port it writes its counter to, as its manifest says. */
export function pioOutGuest(): { guest: Guest; port: number } {
  const guest = loadGuest('pio-out');
  if (guest.exits.kind !== 'pio-out') throw new Error("guest 'pio-out' does not declare pio-out exits");
  return { guest, port: guest.exits.port };
}
