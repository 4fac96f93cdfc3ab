/**
 * The lifecycle workload: the seed's whole kvmtest.c sequence (create VM, memory, slot, vCPU with
 * its kvm_run mapping, registers, run to HLT, tear down), timed per step. JS bindings go through
 * Kvm / Vm / Vcpu and the boot steps of src/guests/boot.ts, as a VMM written in Node would; the
 * c-loop binding runs the same system calls in C (src/native/c_lifecycle.c), in the same order:
 *
 *   create_vm      ioctl(kvm, KVM_CREATE_VM)
 *   guest_memory   mmap(anonymous), copy the image in
 *   memory_region  ioctl(vm, KVM_SET_USER_MEMORY_REGION)
 *   create_vcpu    ioctl(vm, KVM_CREATE_VCPU), mmap(vcpu) of kvm_run (its size asked once per Kvm,
 *                  before the first lifecycle)
 *   set_sregs      ioctl(vcpu, KVM_GET_SREGS), ioctl(vcpu, KVM_SET_SREGS)
 *   set_regs       ioctl(vcpu, KVM_SET_REGS)
 *   run            ioctl(vcpu, KVM_RUN) until HLT, each serial byte checked
 *   teardown       munmap(kvm_run), close(vcpu), close(vm), munmap(guest memory)
 *
 * test/lifecycle.test.ts checks with strace that both sides make exactly these calls.
 */

import {
  EINTR,
  KVM_EXIT_HLT,
  KVM_EXIT_IO,
  KVM_EXIT_IO_OUT,
  RUN_U8_IO_DIRECTION,
  RUN_U8_IO_SIZE,
  RUN_U16_IO_PORT,
  RUN_U32_EXIT_REASON,
  RUN_U32_IO_COUNT,
  RUN_U32_IO_DATA_OFFSET,
} from '../abi/kvm.js';
import type { Binding } from '../bindings/types.js';
import { GuestError } from '../errors.js';
import { entryRegisters, loadGuestMemory } from '../guests/boot.js';
import type { Guest } from '../guests/manifest.js';
import { enterMode } from '../guests/modes.js';
import { decodeExit, describeExit } from '../kvm/exits.js';
import { encodeRegisters } from '../kvm/structs.js';
import type { Kvm } from '../kvm/system.js';
import type { Vcpu } from '../kvm/vcpu.js';

/** Keep in step with enum step in src/native/c_lifecycle.c. */
export const LIFECYCLE_STEPS = [
  'create_vm',
  'guest_memory',
  'memory_region',
  'create_vcpu',
  'set_sregs',
  'set_regs',
  'run',
  'teardown',
] as const;

const STEP_COUNT = LIFECYCLE_STEPS.length;

/** What one lifecycle needs besides the Kvm, worked out once per batch so no step pays for it. */
interface Plan {
  readonly guest: Guest;
  /** entryRegisters(guest) as a struct kvm_regs: both sides set these same bytes. */
  readonly regs: Uint8Array;
  readonly port: number;
  readonly expected: Uint8Array;
}

function plan(guest: Guest): Plan {
  if (guest.exits.kind !== 'serial') throw new Error(`the lifecycle needs a serial guest, not '${guest.name}'`);
  return {
    guest,
    regs: encodeRegisters(entryRegisters(guest)),
    port: guest.exits.port,
    expected: new TextEncoder().encode(guest.exits.output),
  };
}

// The running lap: a module variable rather than a closure per lifecycle (nothing to allocate).
let lapStart = 0;
function lap(stepNs: Float64Array, index: number): void {
  const now = performance.now();
  stepNs[index] = (now - lapStart) * 1e6;
  lapStart = now;
}

/** What a batch of lifecycles counted besides its times. */
export interface LifecycleCounts {
  /**
   * KVM_CREATE_VM and KVM_RUN calls that returned EINTR and were made again: a signal, or task work
   * pending on the thread (Node 22's io_uring sets TIF_NOTIFY_SIGNAL when a ring it used is torn down).
   */
  eintr: number;
}

/**
 * KVM_RUN until HLT, checking each exit is the next serial byte; throws a GuestError otherwise. EINTR
 * is entered again, as a VMM does (the exit loops and the C lifecycle do the same).
 */
function runSerial(vcpu: Vcpu, p: Plan, binding: string, counts: LifecycleCounts): void {
  const { run, u8, u16, u32 } = vcpu.page();
  const { port, expected } = p;
  let printed = 0;
  for (;;) {
    const ret = run();
    if (ret === -EINTR) {
      counts.eintr++;
      continue;
    }
    if (ret === 0 && u32[RUN_U32_EXIT_REASON] === KVM_EXIT_HLT) break;
    if (
      ret === 0 &&
      u32[RUN_U32_EXIT_REASON] === KVM_EXIT_IO &&
      u8[RUN_U8_IO_DIRECTION] === KVM_EXIT_IO_OUT &&
      u8[RUN_U8_IO_SIZE] === 1 &&
      u16[RUN_U16_IO_PORT] === port &&
      u32[RUN_U32_IO_COUNT] === 1 &&
      u8[u32[RUN_U32_IO_DATA_OFFSET] as number] === expected[printed]
    ) {
      printed++;
      continue;
    }
    throw new GuestError(
      `lifecycle of '${p.guest.name}' on '${binding}': after ${printed} serial bytes, unexpected ${
        ret < 0 ? `KVM_RUN result ${ret}` : describeExit(decodeExit(vcpu.page().buffer))
      }`,
    );
  }
  if (printed !== expected.length) {
    throw new GuestError(`lifecycle of '${p.guest.name}': halted after ${printed} of ${expected.length} serial bytes`);
  }
}

/** One lifecycle through JS, writing each step's nanoseconds into stepNs from offset. */
function jsLifecycle(kvm: Kvm, p: Plan, stepNs: Float64Array, offset: number, counts: LifecycleCounts): void {
  lapStart = performance.now();
  const vm = kvm.createVm();
  try {
    lap(stepNs, offset);
    const memory = loadGuestMemory(vm, p.guest);
    lap(stepNs, offset + 1);
    vm.registerMemory(memory);
    lap(stepNs, offset + 2);
    const vcpu = vm.createVcpu(0);
    lap(stepNs, offset + 3);
    enterMode(vcpu, memory, p.guest.mode, p.guest.segments);
    lap(stepNs, offset + 4);
    vcpu.setEncodedRegisters(p.regs);
    lap(stepNs, offset + 5);
    runSerial(vcpu, p, kvm.binding.name, counts);
    lap(stepNs, offset + 6);
  } finally {
    vm.close();
  }
  lap(stepNs, offset + 7);
}

/** The same lifecycle n times in C; it sets the same encoded kvm_regs as the JS side. */
function cLifecycles(binding: Binding, kvm: Kvm, p: Plan, stepNs: Float64Array, counts: LifecycleCounts): void {
  const native = binding.native;
  if (!native) throw new Error(`binding '${binding.name}' has no native lifecycle`);
  if (native.lifecycleSteps !== STEP_COUNT) {
    throw new Error(
      `the addon times ${native.lifecycleSteps} lifecycle steps, kvmbench expects ${STEP_COUNT}: rebuild it`,
    );
  }
  const { guest } = p;
  // The C side sets the seed's real-mode sregs (cs base and selector 0) and nothing else.
  if (guest.mode !== 'real' || Object.keys(guest.segments).length > 0) {
    throw new Error(
      `the C lifecycle boots real-mode guests without segment overrides; '${guest.name}' is ${guest.mode} mode${
        Object.keys(guest.segments).length > 0 ? ' with segment overrides' : ''
      }: use a JS binding for it`,
    );
  }
  const result = native.cLifecycle(
    kvm.fd,
    kvm.cachedVcpuMmapSize(),
    guest.image,
    guest.memory.base,
    guest.memory.size,
    guest.load,
    p.regs,
    p.expected,
    p.port,
    stepNs,
  );
  counts.eintr += result.eintr;
  if (result.error) throw new GuestError(`lifecycle of '${guest.name}' on 'c-loop': ${result.error}`);
}

/**
 * Runs n lifecycles and returns each one's per-step nanoseconds (row-major, STEP_COUNT per row),
 * adding what they counted to counts. Throws a GuestError on the first wrong exit.
 */
export function runLifecycles(
  binding: Binding,
  kvm: Kvm,
  guest: Guest,
  n: number,
  counts: LifecycleCounts = { eintr: 0 },
): Float64Array {
  const stepNs = new Float64Array(n * STEP_COUNT);
  const p = plan(guest);
  kvm.cachedVcpuMmapSize(); // KVM_GET_VCPU_MMAP_SIZE once per Kvm, before any timed step, on both sides
  if (binding.native) cLifecycles(binding, kvm, p, stepNs, counts);
  else {
    const interruptedCreates = kvm.interruptedCreates;
    try {
      for (let i = 0; i < n; i++) jsLifecycle(kvm, p, stepNs, i * STEP_COUNT, counts);
    } finally {
      counts.eintr += kvm.interruptedCreates - interruptedCreates;
    }
  }
  return stepNs;
}

/** Sums each row of per-step times into whole-lifecycle times. */
export function lifecycleTotals(stepNs: Float64Array): number[] {
  const totals: number[] = [];
  for (let row = 0; row < stepNs.length; row += STEP_COUNT) {
    let sum = 0;
    for (let step = 0; step < STEP_COUNT; step++) sum += stepNs[row + step] as number;
    totals.push(sum);
  }
  return totals;
}
