/**
 * The lifecycle workload: the seed's whole kvmtest.c sequence (create VM, memory, slot, vCPU with
 * its kvm_run mapping, registers, run to HLT, tear down), timed per step. JS bindings go through
 * Kvm / Vm / Vcpu as a VMM written in Node would; the c-loop binding runs the same steps in C
 * (src/native/c_lifecycle.c), in the same order.
 */
import type { Binding } from '../bindings/types.js';
import { GuestError } from '../errors.js';
import type { Guest } from '../guests/manifest.js';
import { enterMode } from '../guests/modes.js';
import { KVM_EXIT_HLT, KVM_EXIT_IO, KVM_EXIT_IO_OUT } from '../kvm/abi.js';
import { decodeExit, describeExit } from '../kvm/exits.js';
import { zeroRegisters } from '../kvm/structs.js';
import type { Kvm } from '../kvm/system.js';

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

function serialGuest(guest: Guest): { port: number; expected: Uint8Array } {
  if (guest.exits.kind !== 'serial') throw new Error(`the lifecycle needs a serial guest, not '${guest.name}'`);
  return { port: guest.exits.port, expected: new TextEncoder().encode(guest.exits.output) };
}

/** One lifecycle through JS, writing each step's nanoseconds into stepNs at offset. */
function jsLifecycle(kvm: Kvm, guest: Guest, port: number, expected: Uint8Array, stepNs: Float64Array, offset: number) {
  let t = performance.now();
  const lap = (step: number) => {
    const now = performance.now();
    stepNs[offset + step] = (now - t) * 1e6;
    t = now;
  };
  const vm = kvm.createVm();
  try {
    lap(0);
    const memory = vm.allocateMemory(guest.memory.base, guest.memory.size);
    memory.bytes.set(guest.image, guest.load - guest.memory.base);
    lap(1);
    vm.registerMemory(memory);
    lap(2);
    const vcpu = vm.createVcpu(0);
    lap(3);
    enterMode(vcpu, memory, guest.mode);
    lap(4);
    const regs = zeroRegisters();
    regs.rip = BigInt(guest.load);
    regs.rflags = 0x2n;
    regs.rax = guest.registers.rax ?? 0n;
    regs.rbx = guest.registers.rbx ?? 0n;
    vcpu.setRegisters(regs);
    lap(5);
    const { run, u8, u16, u32 } = vcpu.page();
    let printed = 0;
    for (;;) {
      const ret = run();
      if (ret === 0 && u32[2] === KVM_EXIT_HLT) break;
      if (
        ret === 0 &&
        u32[2] === KVM_EXIT_IO &&
        u8[32] === KVM_EXIT_IO_OUT &&
        u8[33] === 1 &&
        u16[17] === port &&
        u32[9] === 1 &&
        u8[u32[10] as number] === expected[printed]
      ) {
        printed++;
        continue;
      }
      throw new GuestError(
        `lifecycle of '${guest.name}' on '${kvm.binding.name}': after ${printed} serial bytes, unexpected ${
          ret < 0 ? `KVM_RUN result ${ret}` : describeExit(decodeExit(vcpu.page().buffer))
        }`,
      );
    }
    if (printed !== expected.length) {
      throw new GuestError(`lifecycle of '${guest.name}': halted after ${printed} of ${expected.length} serial bytes`);
    }
    lap(6);
  } finally {
    vm.close();
  }
  lap(7);
}

/**
 * Runs n lifecycles and returns each one's per-step nanoseconds (row-major, STEP_COUNT per row).
 * Throws a GuestError on the first wrong exit.
 */
export function runLifecycles(binding: Binding, kvm: Kvm, guest: Guest, n: number): Float64Array {
  const stepNs = new Float64Array(n * STEP_COUNT);
  const { port, expected } = serialGuest(guest);
  if (binding.native) {
    const native = binding.native;
    if (native.lifecycleSteps !== STEP_COUNT) {
      throw new Error(
        `the addon times ${native.lifecycleSteps} lifecycle steps, kvmbench expects ${STEP_COUNT}: rebuild it`,
      );
    }
    const result = native.cLifecycle(
      kvm.fd,
      guest.image,
      guest.memory.base,
      guest.memory.size,
      guest.load,
      Number(guest.registers.rax ?? 0n),
      Number(guest.registers.rbx ?? 0n),
      expected,
      port,
      stepNs,
    );
    if (result.error) throw new GuestError(`lifecycle of '${guest.name}' on 'c-loop': ${result.error}`);
    return stepNs;
  }
  for (let i = 0; i < n; i++) jsLifecycle(kvm, guest, port, expected, stepNs, i * STEP_COUNT);
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
