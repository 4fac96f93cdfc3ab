/**
 * The measured loops: N KVM_RUN round trips, each exit checked (reason, direction, size, port or
 * address, count, data) exactly as src/native/c_loop.c checks them. JS bindings run the loops here;
 * the c-loop binding runs the same loop in C. One small function per exit kind keeps each loop
 * monomorphic for V8.
 */
import { type Binding, LoopKind } from '../bindings/types.js';
import type { Guest } from '../guests/manifest.js';
import { guestFailure } from '../guests/run-to-halt.js';
import {
  EINTR,
  KVM_CAP_USER_MEMORY,
  KVM_CHECK_EXTENSION,
  KVM_EXIT_HLT,
  KVM_EXIT_IO,
  KVM_EXIT_IO_IN,
  KVM_EXIT_IO_OUT,
  KVM_EXIT_MMIO,
} from '../kvm/abi.js';
import { decodeExit, describeExit } from '../kvm/exits.js';
import type { RunPage, Vcpu } from '../kvm/vcpu.js';
import { getSystemErrorName } from '../util/errno.js';

/** What a loop drives: a guest's exit protocol, or one of the two baselines that need no guest exits. */
export type LoopTarget =
  | { kind: 'exits'; guest: Guest; vcpu: Vcpu }
  | { kind: 'immediate-exit'; guest: Guest; vcpu: Vcpu }
  | { kind: 'null-ioctl'; binding: Binding; systemFd: number };

export interface LoopState {
  /** The guest's counter, continued across batches. */
  sequence: number;
}

// Word indexes into the kvm_run page (see abi.ts for the byte offsets).
const EXIT_REASON_U32 = 2;
const IO_DIRECTION_U8 = 32;
const IO_SIZE_U8 = 33;
const IO_PORT_U16 = 17;
const IO_COUNT_U32 = 9;
const IO_DATA_OFFSET_U32 = 10;
const MMIO_ADDRESS_LOW_U32 = 8;
const MMIO_ADDRESS_HIGH_U32 = 9;
const MMIO_DATA_U8 = 40;
const MMIO_LEN_U32 = 12;
const MMIO_IS_WRITE_U8 = 52;

class LoopFailure extends Error {
  constructor(
    readonly expected: string,
    readonly iteration: number,
    readonly result: number,
  ) {
    super(expected);
  }
}

function pioOut(page: RunPage, n: number, port: number, seq: number): number {
  const { run, u8, u16, u32 } = page;
  for (let i = 0; i < n; i++) {
    const ret = run();
    if (
      ret !== 0 ||
      u32[EXIT_REASON_U32] !== KVM_EXIT_IO ||
      u8[IO_DIRECTION_U8] !== KVM_EXIT_IO_OUT ||
      u8[IO_SIZE_U8] !== 1 ||
      u16[IO_PORT_U16] !== port ||
      u32[IO_COUNT_U32] !== 1 ||
      u8[u32[IO_DATA_OFFSET_U32] as number] !== (seq & 0xff)
    ) {
      throw new LoopFailure('KVM_EXIT_IO out', i, ret);
    }
    seq++;
  }
  return seq;
}

function pioIn(page: RunPage, n: number, port: number, seq: number): number {
  const { run, u8, u16, u32 } = page;
  for (let i = 0; i < n; i++) {
    const ret = run();
    if (
      ret !== 0 ||
      u32[EXIT_REASON_U32] !== KVM_EXIT_IO ||
      u8[IO_DIRECTION_U8] !== KVM_EXIT_IO_IN ||
      u8[IO_SIZE_U8] !== 1 ||
      u16[IO_PORT_U16] !== port ||
      u32[IO_COUNT_U32] !== 1
    ) {
      throw new LoopFailure('KVM_EXIT_IO in', i, ret);
    }
    u8[u32[IO_DATA_OFFSET_U32] as number] = seq & 0xff;
    seq++;
  }
  return seq;
}

function mmio(page: RunPage, n: number, address: number, isWrite: number, seq: number): number {
  const { run, u8, u32 } = page;
  for (let i = 0; i < n; i++) {
    const ret = run();
    if (
      ret !== 0 ||
      u32[EXIT_REASON_U32] !== KVM_EXIT_MMIO ||
      u8[MMIO_IS_WRITE_U8] !== isWrite ||
      u32[MMIO_LEN_U32] !== 1 ||
      u32[MMIO_ADDRESS_LOW_U32] !== address ||
      u32[MMIO_ADDRESS_HIGH_U32] !== 0
    ) {
      throw new LoopFailure(isWrite ? 'KVM_EXIT_MMIO write' : 'KVM_EXIT_MMIO read', i, ret);
    }
    if (isWrite) {
      if (u8[MMIO_DATA_U8] !== (seq & 0xff)) throw new LoopFailure('KVM_EXIT_MMIO write', i, ret);
    } else {
      u8[MMIO_DATA_U8] = seq & 0xff;
    }
    seq++;
  }
  return seq;
}

function hlt(page: RunPage, n: number): void {
  const { run, u32 } = page;
  for (let i = 0; i < n; i++) {
    const ret = run();
    if (ret !== 0 || u32[EXIT_REASON_U32] !== KVM_EXIT_HLT) throw new LoopFailure('KVM_EXIT_HLT', i, ret);
  }
}

function immediateExit(page: RunPage, n: number): void {
  const { run } = page;
  for (let i = 0; i < n; i++) {
    const ret = run();
    if (ret !== -EINTR) throw new LoopFailure('KVM_RUN to fail with EINTR (immediate_exit)', i, ret);
  }
}

function nullIoctl(binding: Binding, fd: number, n: number): void {
  const { ioctl } = binding;
  for (let i = 0; i < n; i++) {
    const ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);
    if (ret <= 0) throw new LoopFailure('a positive KVM_CHECK_EXTENSION result', i, ret);
  }
}

/** The C loop's kind and target (port or address) for a target. */
export function nativeLoop(target: LoopTarget): { kind: LoopKind; target: number } {
  if (target.kind === 'null-ioctl') return { kind: LoopKind.NullIoctl, target: KVM_CAP_USER_MEMORY };
  if (target.kind === 'immediate-exit') return { kind: LoopKind.ImmediateExit, target: 0 };
  const exits = target.guest.exits;
  switch (exits.kind) {
    case 'pio-out':
      return { kind: LoopKind.PioOut, target: exits.port };
    case 'pio-in':
      return { kind: LoopKind.PioIn, target: exits.port };
    case 'mmio-write':
      return { kind: LoopKind.MmioWrite, target: exits.address };
    case 'mmio-read':
      return { kind: LoopKind.MmioRead, target: exits.address };
    case 'hlt':
      return { kind: LoopKind.Hlt, target: 0 };
    default:
      throw new Error(`guest '${target.guest.name}' (${exits.kind}) has no exit loop: it does not loop`);
  }
}

function runJsLoop(target: LoopTarget, n: number, state: LoopState): void {
  if (target.kind === 'null-ioctl') {
    nullIoctl(target.binding, target.systemFd, n);
    return;
  }
  const page = target.vcpu.page();
  if (target.kind === 'immediate-exit') {
    immediateExit(page, n);
    return;
  }
  const exits = target.guest.exits;
  switch (exits.kind) {
    case 'pio-out':
      state.sequence = pioOut(page, n, exits.port, state.sequence);
      return;
    case 'pio-in':
      state.sequence = pioIn(page, n, exits.port, state.sequence);
      return;
    case 'mmio-write':
      state.sequence = mmio(page, n, exits.address, 1, state.sequence);
      return;
    case 'mmio-read':
      state.sequence = mmio(page, n, exits.address, 0, state.sequence);
      return;
    case 'hlt':
      hlt(page, n);
      return;
    default:
      throw new Error(`guest '${target.guest.name}' (${exits.kind}) has no exit loop: it does not loop`);
  }
}

function failureMessage(target: LoopTarget, failure: LoopFailure, state: LoopState): string {
  const got =
    failure.result < 0
      ? `the call failed with ${getSystemErrorName(-failure.result)}`
      : target.kind === 'null-ioctl'
        ? `result ${failure.result}`
        : describeExit(decodeExit(target.vcpu.page().buffer));
  return `iteration ${failure.iteration}: expected ${failure.expected} (sequence 0x${(state.sequence & 0xff).toString(16).padStart(2, '0')}), got ${got}`;
}

/**
 * Runs n round trips through the binding, checking every exit, and returns the elapsed nanoseconds
 * of the loop alone. Throws a GuestError naming the guest, binding, exit and registers on the first
 * wrong exit.
 */
export function runExitLoop(binding: Binding, target: LoopTarget, n: number, state: LoopState): number {
  if (binding.native) {
    const { kind, target: value } = nativeLoop(target);
    const fd = target.kind === 'null-ioctl' ? target.systemFd : target.vcpu.fd;
    const address = target.kind === 'null-ioctl' ? 0n : target.vcpu.page().address;
    const result = binding.native.cLoop(kind, fd, address, n, value, state.sequence);
    state.sequence = result.sequence;
    if (result.error) throw loopError(target, result.error);
    return result.elapsedNs;
  }
  const start = process.hrtime.bigint();
  try {
    runJsLoop(target, n, state);
  } catch (error) {
    if (error instanceof LoopFailure) throw loopError(target, failureMessage(target, error, state));
    throw error;
  }
  return Number(process.hrtime.bigint() - start);
}

function loopError(target: LoopTarget, message: string): Error {
  if (target.kind === 'null-ioctl') return new Error(`null-ioctl on binding '${target.binding.name}': ${message}`);
  return guestFailure(target.guest, target.vcpu, message);
}
