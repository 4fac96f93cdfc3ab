/**
 * The measured loops: N KVM_RUN round trips, each exit checked (reason, direction, size, port or
 * address, count, data) exactly as src/native/c_loop.c checks them.
 *
 * Every cell gets its own compiled copy of its loop (`new Function` on the loop's source), so each
 * copy's call to run() sees one binding and one exit kind: V8 keeps it monomorphic and inlines the
 * binding's KVM_RUN wrapper. One shared loop for all cells made its call site megamorphic and added
 * 100-250 ns per exit. Between the two timer reads runs the loop call and nothing else.
 *
 * KVM_RUN failing with EINTR (a signal arrived: SIGINT, SIGWINCH, SIGPROF; or task work such as
 * io_uring's was pending on the thread) is not a guest fault: the loops re-enter it and count it, as
 * the C loop does.
 */

import {
  EINTR,
  KVM_CAP_USER_MEMORY,
  KVM_CHECK_EXTENSION,
  KVM_EXIT_HLT,
  KVM_EXIT_IO,
  KVM_EXIT_IO_IN,
  KVM_EXIT_IO_OUT,
  KVM_EXIT_MMIO,
  RUN_EXIT_REASON,
  RUN_IO_COUNT,
  RUN_IO_DATA_OFFSET,
  RUN_IO_DIRECTION,
  RUN_IO_PORT,
  RUN_IO_SIZE,
  RUN_MMIO_DATA,
  RUN_MMIO_IS_WRITE,
  RUN_MMIO_LEN,
  RUN_MMIO_PHYS_ADDR,
} from '../abi/kvm.js';
import type { Binding } from '../bindings/types.js';
import { NATIVE_LOOP_KINDS } from '../bindings/types.js';
import type { Guest } from '../guests/manifest.js';
import { guestFailure } from '../guests/run-to-halt.js';
import { COALESCED_RING_SLOTS } from '../kvm/coalesced-ring.js';
import type { EventFd } from '../kvm/eventfd.js';
import { decodeExit, describeExit } from '../kvm/exits.js';
import type { Vcpu } from '../kvm/vcpu.js';
import { getSystemErrorName } from '../util/errno.js';
import type { ExitLoopName } from './workloads.js';

/**
 * A coalesced zone's ring, drained and checked after every exit: the writes the guest made since the
 * last one, each a 1-byte write of its running counter to `address` (a port when pio).
 */
export interface RingTarget {
  pageOffset: number;
  address: number;
  pio: boolean;
  writesPerExit: number;
  /** The guest's write counter, continued across batches. */
  writes: { sequence: number };
}

/** What a loop drives: a guest's exits, KVM_RUN with immediate_exit, or a null ioctl. */
export type LoopTarget =
  /** irqFd: an eventfd assigned with KVM_IRQFD, written before each KVM_RUN (the exit is the handler's). */
  | { kind: ExitLoopName; guest: Guest; vcpu: Vcpu; ring?: RingTarget; irqFd?: EventFd }
  | { kind: 'immediate-exit'; guest: Guest; vcpu: Vcpu; ring?: undefined; irqFd?: undefined }
  | { kind: 'null-ioctl'; binding: Binding; systemFd: number };

/** A loop's running state, kept across batches. */
export interface LoopState {
  /** The guest's counter, continued across batches. */
  sequence: number;
  /** KVM_RUN calls that returned EINTR and were re-entered. */
  eintr: number;
  /** The result of the call that failed the check (0 when KVM_RUN succeeded but the exit was wrong). */
  ret: number;
}

/** Runs n iterations and returns the nanoseconds of the loop alone; throws on the first wrong exit. */
export type Batch = (n: number) => number;

// Typed-array indexes into the kvm_run page, from the byte offsets in src/abi/kvm.ts. The loops' source is
// compiled per cell, so they see these as plain variables (see compile()).
const LOOP_CONSTANTS = {
  EINTR_RESULT: -EINTR,
  EXIT_IO: KVM_EXIT_IO,
  EXIT_MMIO: KVM_EXIT_MMIO,
  EXIT_HLT: KVM_EXIT_HLT,
  IO_IN: KVM_EXIT_IO_IN,
  IO_OUT: KVM_EXIT_IO_OUT,
  EXIT_REASON_U32: RUN_EXIT_REASON / 4,
  IO_DIRECTION_U8: RUN_IO_DIRECTION,
  IO_SIZE_U8: RUN_IO_SIZE,
  IO_PORT_U16: RUN_IO_PORT / 2,
  IO_COUNT_U32: RUN_IO_COUNT / 4,
  IO_DATA_OFFSET_U32: RUN_IO_DATA_OFFSET / 4,
  MMIO_ADDRESS_LOW_U32: RUN_MMIO_PHYS_ADDR / 4,
  MMIO_ADDRESS_HIGH_U32: RUN_MMIO_PHYS_ADDR / 4 + 1,
  MMIO_DATA_U8: RUN_MMIO_DATA,
  MMIO_LEN_U32: RUN_MMIO_LEN / 4,
  MMIO_IS_WRITE_U8: RUN_MMIO_IS_WRITE,
};
// Declared for the type checker; compile() binds the real values.
declare const EINTR_RESULT: number;
declare const EXIT_IO: number;
declare const EXIT_MMIO: number;
declare const EXIT_HLT: number;
declare const IO_IN: number;
declare const IO_OUT: number;
declare const EXIT_REASON_U32: number;
declare const IO_DIRECTION_U8: number;
declare const IO_SIZE_U8: number;
declare const IO_PORT_U16: number;
declare const IO_COUNT_U32: number;
declare const IO_DATA_OFFSET_U32: number;
declare const MMIO_ADDRESS_LOW_U32: number;
declare const MMIO_ADDRESS_HIGH_U32: number;
declare const MMIO_DATA_U8: number;
declare const MMIO_LEN_U32: number;
declare const MMIO_IS_WRITE_U8: number;

/**
 * Checks one exit against what the guest must have done (and supplies the data of an IN or MMIO
 * read); seq is the guest's counter for this iteration.
 */
type ExitCheck = (u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, target: number, seq: number) => boolean;

const pioOut: ExitCheck = (u8, u16, u32, port, seq) =>
  u32[EXIT_REASON_U32] === EXIT_IO &&
  u8[IO_DIRECTION_U8] === IO_OUT &&
  u8[IO_SIZE_U8] === 1 &&
  u16[IO_PORT_U16] === port &&
  u32[IO_COUNT_U32] === 1 &&
  u8[u32[IO_DATA_OFFSET_U32] as number] === (seq & 0xff);

function pioIn(u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, port: number, seq: number): boolean {
  if (
    u32[EXIT_REASON_U32] !== EXIT_IO ||
    u8[IO_DIRECTION_U8] !== IO_IN ||
    u8[IO_SIZE_U8] !== 1 ||
    u16[IO_PORT_U16] !== port ||
    u32[IO_COUNT_U32] !== 1
  ) {
    return false;
  }
  u8[u32[IO_DATA_OFFSET_U32] as number] = seq & 0xff;
  return true;
}

// The checks are compiled per cell like the loops (see compile()): each stands alone.
const mmioWrite: ExitCheck = (u8, _u16, u32, address, seq) =>
  u32[EXIT_REASON_U32] === EXIT_MMIO &&
  u8[MMIO_IS_WRITE_U8] === 1 &&
  u32[MMIO_LEN_U32] === 1 &&
  u32[MMIO_ADDRESS_LOW_U32] === address &&
  u32[MMIO_ADDRESS_HIGH_U32] === 0 &&
  u8[MMIO_DATA_U8] === (seq & 0xff);

function mmioRead(u8: Uint8Array, _u16: Uint16Array, u32: Uint32Array, address: number, seq: number): boolean {
  if (
    u32[EXIT_REASON_U32] !== EXIT_MMIO ||
    u8[MMIO_IS_WRITE_U8] !== 0 ||
    u32[MMIO_LEN_U32] !== 1 ||
    u32[MMIO_ADDRESS_LOW_U32] !== address ||
    u32[MMIO_ADDRESS_HIGH_U32] !== 0
  ) {
    return false;
  }
  u8[MMIO_DATA_U8] = seq & 0xff;
  return true;
}

const hlt: ExitCheck = (_u8, _u16, u32) => u32[EXIT_REASON_U32] === EXIT_HLT;

/**
 * The exit's own check (pio-out's), then the coalesced ring drained and checked: exactly perExit
 * entries, each the guest's next write (address, length 1, PIO or MMIO, its counter byte). Compiled
 * per cell, with its own copy of the exit check; ringU32 is the ring page's index in the u32 view
 * (struct kvm_coalesced_mmio_ring: first, last, then 24-byte entries).
 */
function drainedPioOut(
  exitCheck: ExitCheck,
  ringU32: number,
  slots: number,
  address: number,
  pio: number,
  perExit: number,
  writes: { sequence: number },
): ExitCheck {
  return (u8, u16, u32, port, seq) => {
    if (!exitCheck(u8, u16, u32, port, seq)) return false;
    let first = u32[ringU32] as number;
    const last = u32[ringU32 + 1] as number;
    let drained = 0;
    let sequence = writes.sequence;
    while (first !== last) {
      const entry = ringU32 + 2 + first * 6;
      if (
        u32[entry] !== address ||
        u32[entry + 1] !== 0 ||
        u32[entry + 2] !== 1 ||
        u32[entry + 3] !== pio ||
        u8[(entry + 4) * 4] !== (sequence & 0xff)
      ) {
        break;
      }
      sequence++;
      drained++;
      first = first + 1 === slots ? 0 : first + 1;
    }
    u32[ringU32] = first;
    writes.sequence = sequence;
    return drained === perExit && first === last;
  };
}

/**
 * A guest loop: returns the iterations completed; fewer than n means iteration `return value`
 * failed its check (state.ret holds the call's result). The guest's counter is checked and
 * continued through state.sequence.
 */
type GuestLoop = (
  run: () => number,
  check: ExitCheck,
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  n: number,
  target: number,
  state: LoopState,
) => number;

const checkedLoop: GuestLoop = (run, check, u8, u16, u32, n, target, state) => {
  let seq = state.sequence;
  let i = 0;
  for (; i < n; i++) {
    const ret = run();
    if (ret !== 0 || !check(u8, u16, u32, target, seq)) {
      if (ret === EINTR_RESULT) {
        state.eintr++;
        i--;
        continue;
      }
      state.ret = ret;
      break;
    }
    seq++;
  }
  state.sequence = seq;
  return i;
};

/**
 * An irqfd's loop, compiled per cell: each iteration writes the eventfd (the interrupt), then runs the
 * vCPU until the exit its interrupt handler makes. A KVM_RUN interrupted by a signal is re-entered
 * without writing again: one write, one delivery.
 */
function signalledLoop(signal: () => number): GuestLoop {
  return (run, check, u8, u16, u32, n, target, state) => {
    let seq = state.sequence;
    let i = 0;
    for (; i < n; i++) {
      const written = signal();
      if (written < 0) {
        state.ret = written;
        break;
      }
      let ret = run();
      while (ret === EINTR_RESULT) {
        state.eintr++;
        ret = run();
      }
      if (ret !== 0 || !check(u8, u16, u32, target, seq)) {
        state.ret = ret;
        break;
      }
      seq++;
    }
    state.sequence = seq;
    return i;
  };
}

/** immediate_exit set: every KVM_RUN must fail with EINTR without entering the guest. */
const immediateExit: GuestLoop = (run, _check, _u8, _u16, _u32, n, _target, state) => {
  let i = 0;
  for (; i < n; i++) {
    const ret = run();
    if (ret !== EINTR_RESULT) {
      state.ret = ret;
      break;
    }
  }
  return i;
};

type NullLoop = (
  ioctl: Binding['ioctl'],
  fd: number,
  request: number,
  capability: number,
  n: number,
  state: LoopState,
) => number;

const nullIoctl: NullLoop = (ioctl, fd, request, capability, n, state) => {
  let i = 0;
  for (; i < n; i++) {
    const ret = ioctl(fd, request, capability);
    if (ret <= 0) {
      state.ret = ret;
      break;
    }
  }
  return i;
};

const EXIT_CHECKS: Record<ExitLoopName, ExitCheck> = {
  'pio-out': pioOut,
  'pio-in': pioIn,
  'mmio-write': mmioWrite,
  'mmio-read': mmioRead,
  hlt,
};

const EXPECTED: Record<LoopTarget['kind'], string> = {
  'pio-out': 'KVM_EXIT_IO out',
  'pio-in': 'KVM_EXIT_IO in',
  'mmio-write': 'KVM_EXIT_MMIO write',
  'mmio-read': 'KVM_EXIT_MMIO read',
  hlt: 'KVM_EXIT_HLT',
  'immediate-exit': 'KVM_RUN to fail with EINTR (immediate_exit)',
  'null-ioctl': 'a positive KVM_CHECK_EXTENSION result',
};

/** A fresh copy of fn with its own feedback and optimised code, with LOOP_CONSTANTS bound. */
let compiled = 0;

function compile<T extends (...args: never[]) => unknown>(fn: T): T {
  const names = Object.keys(LOOP_CONSTANTS);
  const values = Object.values(LOOP_CONSTANTS);
  // A unique source for every copy: V8 caches `new Function` by its source text, and copies from
  // one cache entry share their inner functions' type feedback, which is what this avoids.
  const source = `"use strict"; /* copy ${compiled++} */ return (${fn.toString()});`;
  return new Function(...names, source)(...values) as T;
}

/** The port or address a guest loop checks. */
function loopTargetValue(target: Extract<LoopTarget, { guest: Guest }>): number {
  const exits = target.guest.exits;
  if (exits.kind === 'pio-out' || exits.kind === 'pio-in') return exits.port;
  if (exits.kind === 'mmio-write' || exits.kind === 'mmio-read') return exits.address;
  return 0;
}

function failureMessage(target: LoopTarget, iteration: number, state: LoopState): string {
  const got =
    state.ret < 0
      ? `the call failed with ${getSystemErrorName(-state.ret)}`
      : target.kind === 'null-ioctl'
        ? `result ${state.ret}`
        : describeExit(decodeExit(target.vcpu.page().buffer));
  const ring =
    target.kind !== 'null-ioctl' && target.ring
      ? `, then ${target.ring.writesPerExit} coalesced writes from 0x${(target.ring.writes.sequence & 0xff).toString(16).padStart(2, '0')} to 0x${target.ring.address.toString(16)} in the ring (${ringContents(target)})`
      : '';
  const irq = target.kind !== 'null-ioctl' && target.irqFd ? ' from the interrupt handler after an eventfd write' : '';
  return `iteration ${iteration}: expected ${EXPECTED[target.kind]}${irq} (sequence 0x${(state.sequence & 0xff).toString(16).padStart(2, '0')})${ring}, got ${got}`;
}

/** What the ring holds now, for a failure message: first, last and the first waiting entry. */
function ringContents(target: Extract<LoopTarget, { guest: Guest }>): string {
  const ring = target.ring as RingTarget;
  const u32 = target.vcpu.page().u32;
  const base = (ring.pageOffset * 4096) / 4;
  const first = u32[base] as number;
  const last = u32[base + 1] as number;
  if (first === last) return `ring empty at ${first}`;
  const entry = base + 2 + first * 6;
  return `entry ${first} of ${first}..${last}: ${u32[entry + 2]} bytes to 0x${(u32[entry] as number).toString(16)} ${u32[entry + 3] ? 'PIO' : 'MMIO'} data 0x${(target.vcpu.page().u8[(entry + 4) * 4] as number).toString(16)}`;
}

function loopError(target: LoopTarget, message: string): Error {
  if (target.kind === 'null-ioctl') return new Error(`null-ioctl on binding '${target.binding.name}': ${message}`);
  return guestFailure(target.guest, target.vcpu, message);
}

/**
 * KVM_RUN, then a busy wait of ns: `run --inject-delay-ns`, a binding made slower on purpose to
 * check that `compare` catches it. Only a cell asked for it gets this wrapper: others call run itself.
 */
function delayedRun(run: () => number, ns: number, clock: NodeJS.HRTime): () => number {
  const wait = BigInt(ns);
  return () => {
    const ret = run();
    const end = clock.bigint() + wait;
    while (clock.bigint() < end) {
      // busy: the delay stands for work done per exit
    }
    return ret;
  };
}

/** A JS batch: this cell's own compiled loop between two timer reads. */
function jsBatch(target: LoopTarget, state: LoopState, delayNs: number): Batch {
  if (target.kind === 'null-ioctl') {
    const loop = compile<NullLoop>(nullIoctl);
    const { ioctl } = target.binding;
    const fd = target.systemFd;
    return (n) => {
      const start = process.hrtime.bigint();
      const done = loop(ioctl, fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY, n, state);
      const elapsed = Number(process.hrtime.bigint() - start);
      if (done !== n) throw loopError(target, failureMessage(target, done, state));
      return elapsed;
    };
  }
  const immediate = target.kind === 'immediate-exit';
  const loop = target.irqFd
    ? compile(signalledLoop)(target.irqFd.signaller())
    : compile<GuestLoop>(immediate ? immediateExit : checkedLoop);
  const page = target.vcpu.page();
  const check = immediate ? hlt : target.ring ? ringCheck(target.ring) : compile(EXIT_CHECKS[target.kind]);
  const { u8, u16, u32 } = page;
  const run = delayNs > 0 ? compile(delayedRun)(page.run, delayNs, process.hrtime) : page.run;
  const timed = compile(timedGuestBatch)(
    loop,
    run,
    check,
    u8,
    u16,
    u32,
    loopTargetValue(target),
    state,
    process.hrtime,
  );
  return (n) => {
    const elapsed = timed(n);
    if (elapsed < 0) throw loopError(target, failureMessage(target, -1 - elapsed, state));
    return elapsed;
  };
}

function ringCheck(ring: RingTarget): ExitCheck {
  return compile(drainedPioOut)(
    compile(pioOut),
    (ring.pageOffset * 4096) / 4,
    COALESCED_RING_SLOTS,
    ring.address,
    ring.pio ? 1 : 0,
    ring.writesPerExit,
    ring.writes,
  );
}

/**
 * The timed part of a JS batch, compiled per cell like its loop so that the call into the loop is
 * monomorphic too: two clock reads around the loop, nothing else. Returns the nanoseconds, or
 * -1 - i when iteration i failed its check.
 */
function timedGuestBatch(
  loop: GuestLoop,
  run: () => number,
  check: ExitCheck,
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  target: number,
  state: LoopState,
  clock: NodeJS.HRTime,
): (n: number) => number {
  return (n) => {
    const start = clock.bigint();
    const done = loop(run, check, u8, u16, u32, n, target, state);
    const elapsed = Number(clock.bigint() - start);
    return done === n ? elapsed : -1 - done;
  };
}

/** The C loop: the addon runs and times the whole batch. */
function nativeBatch(binding: Binding, target: LoopTarget, state: LoopState): Batch {
  const native = binding.native;
  if (!native) throw new Error(`binding '${binding.name}' has no C loop`);
  const ring = target.kind === 'null-ioctl' ? undefined : target.ring;
  const irqFd = target.kind === 'null-ioctl' ? undefined : target.irqFd;
  const kind = ring
    ? NATIVE_LOOP_KINDS['pio-out-coalesced']
    : irqFd
      ? NATIVE_LOOP_KINDS['pio-out-irqfd']
      : NATIVE_LOOP_KINDS[target.kind];
  const fd = target.kind === 'null-ioctl' ? target.systemFd : target.vcpu.fd;
  const address = target.kind === 'null-ioctl' ? 0n : target.vcpu.page().address;
  const value = target.kind === 'null-ioctl' ? KVM_CAP_USER_MEMORY : loopTargetValue(target);
  return (n) => {
    const result = ring
      ? native.cLoop(
          kind,
          fd,
          address,
          n,
          value,
          state.sequence,
          ring.pageOffset,
          ring.address,
          ring.pio ? 1 : 0,
          ring.writesPerExit,
          ring.writes.sequence,
        )
      : irqFd
        ? native.cLoop(kind, fd, address, n, value, state.sequence, irqFd.fd)
        : native.cLoop(kind, fd, address, n, value, state.sequence);
    state.sequence = result.sequence;
    if (ring) ring.writes.sequence = result.writeSequence;
    state.eintr += result.eintr;
    if (result.error) throw loopError(target, result.error);
    return result.elapsedNs;
  };
}

/**
 * The batch function of one cell: n checked round trips through the binding, timed. delayNs > 0
 * (JS bindings' guest loops only): a busy wait after every KVM_RUN (`run --inject-delay-ns`).
 */
export function createBatch(binding: Binding, target: LoopTarget, state: LoopState, delayNs = 0): Batch {
  if (binding.native) {
    if (delayNs > 0) throw new Error(`--inject-delay-ns: binding '${binding.name}' runs its loop in C`);
    return nativeBatch(binding, target, state);
  }
  return jsBatch(target, state, delayNs);
}

/** A target named by its guest's exit protocol, as doctor and the tests name it. */
export type GuestExitsTarget = { kind: 'exits'; guest: Guest; vcpu: Vcpu };

/**
 * One batch without keeping the compiled loop (doctor, tests): n checked round trips; returns the
 * loop's nanoseconds and continues state.sequence.
 */
export function runExitLoop(
  binding: Binding,
  target: LoopTarget | GuestExitsTarget,
  n: number,
  state: { sequence: number; eintr?: number },
): number {
  const resolved: LoopTarget =
    target.kind === 'exits' ? { ...target, kind: guestLoopName(target.guest) } : (target as LoopTarget);
  const full: LoopState = { sequence: state.sequence, eintr: state.eintr ?? 0, ret: 0 };
  try {
    return createBatch(binding, resolved, full)(n);
  } finally {
    state.sequence = full.sequence;
    state.eintr = full.eintr;
  }
}

function guestLoopName(guest: Guest): ExitLoopName {
  const kind = guest.exits.kind;
  if (kind === 'pio-out' || kind === 'pio-in' || kind === 'mmio-write' || kind === 'mmio-read' || kind === 'hlt') {
    return kind;
  }
  throw new Error(`guest '${guest.name}' (${kind}) has no exit loop: it does not loop`);
}
