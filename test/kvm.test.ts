/**
 * Conformance on real /dev/kvm: every guest through every binding, checking what the guest did.
 * Skips with one line when /dev/kvm cannot be opened.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KVM_API_VERSION, KVM_CAP_USER_MEMORY, KVM_INTERNAL_ERROR_EMULATION } from '../src/abi/kvm.js';
import { runExitLoop } from '../src/bench/exit-loops.js';
import { ClosedError, GuestError } from '../src/errors.js';
import { bootGuest, entryRegisters } from '../src/guests/boot.js';
import { loadGuest } from '../src/guests/manifest.js';
import { probeFailEntry } from '../src/guests/probes.js';
import { runToHalt } from '../src/guests/run-to-halt.js';
import { describeExit } from '../src/kvm/exits.js';
import { encodeRegisters } from '../src/kvm/structs.js';
import { Kvm } from '../src/kvm/system.js';
import { allBindings, failEntrySkip, isResetState, kvmSkip } from './helpers/kvm.js';

const LOOP_GUESTS = [
  'pio-out',
  'pio-in',
  'mmio-write',
  'mmio-read',
  'hlt',
  'cpuid-then-pio',
  'pio-out-protected',
  'pio-out-long',
];
const ITERATIONS = 300; // more than 256, so the guest's byte counter wraps at least once

for (const binding of allBindings()) {
  describe(`${binding.name} on /dev/kvm`, { skip: kvmSkip }, () => {
    test('opens KVM at API version 12 and answers KVM_CHECK_EXTENSION', () => {
      const kvm = Kvm.open(binding);
      try {
        assert.equal(kvm.apiVersion(), KVM_API_VERSION);
        assert.equal(kvm.checkExtension(KVM_CAP_USER_MEMORY), 1);
        assert.ok(kvm.vcpuMmapSize() >= 4096);
      } finally {
        kvm.close();
      }
    });

    test("hello prints the seed's output, then halts", () => {
      const guest = loadGuest('hello');
      const booted = bootGuest(binding, guest);
      try {
        const run = runToHalt(guest, booted.vcpu);
        assert.equal(run.serial, '4\nHello\n');
        assert.equal(run.exits.length, 9);
        assert.deepEqual(
          run.exits.map((exit) => exit.kind),
          [...Array(8).fill('io-out'), 'hlt'],
        );
        const regs = booted.vcpu.getRegisters();
        assert.equal(regs.rip, 0x1000n + BigInt(guest.image.length), 'rip is past the HLT');
      } finally {
        booted.close();
      }
    });

    for (const name of LOOP_GUESTS) {
      test(`${name}: ${ITERATIONS} round trips, every exit checked`, () => {
        const guest = loadGuest(name);
        const booted = bootGuest(binding, guest);
        try {
          const state = { sequence: 0 };
          const half = ITERATIONS / 2;
          const elapsed = runExitLoop(binding, { kind: 'exits', guest, vcpu: booted.vcpu }, half, state);
          runExitLoop(binding, { kind: 'exits', guest, vcpu: booted.vcpu }, half, state);
          assert.ok(elapsed > 0);
          const regs = booted.vcpu.getRegisters();
          if (name === 'pio-in' || name === 'mmio-read') {
            // The guest compared each value with its own counter in bl: it accepted all it was given
            // but the last (supplied, not yet consumed by the guest).
            assert.equal(state.sequence, ITERATIONS);
            assert.equal(Number(regs.rbx & 0xffn), (ITERATIONS - 1) & 0xff);
          } else if (name !== 'hlt') {
            assert.equal(state.sequence, ITERATIONS);
          }
          if (name === 'cpuid-then-pio') assert.equal(Number(regs.rbp), ITERATIONS - 1, 'bp numbers the OUTs');
        } finally {
          booted.close();
        }
      });
    }

    test('a wrong value makes pio-in report the mismatch, and the loop names the exit', () => {
      const guest = loadGuest('pio-in');
      const booted = bootGuest(binding, guest);
      try {
        const state = { sequence: 5 }; // the guest expects 0 first
        assert.throws(
          () => runExitLoop(binding, { kind: 'exits', guest, vcpu: booted.vcpu }, 3, state),
          (error: Error) =>
            error instanceof GuestError &&
            /pio-in/.test(error.message) &&
            /port 0xef/.test(error.message) &&
            /rip=/.test(error.message),
        );
      } finally {
        booted.close();
      }
    });

    test('mmio-write writes the counter bytes at 0x8000', () => {
      const guest = loadGuest('mmio-write');
      const booted = bootGuest(binding, guest);
      try {
        const seen: number[] = [];
        for (let i = 0; i < 4; i++) {
          const exit = booted.vcpu.run();
          assert.equal(exit.kind, 'mmio-write');
          if (exit.kind !== 'mmio-write') return;
          assert.equal(exit.address, 0x8000n);
          assert.equal(exit.length, 1);
          seen.push(exit.data[0] as number);
        }
        assert.deepEqual(seen, [0, 1, 2, 3]);
      } finally {
        booted.close();
      }
    });

    test('immediate_exit makes KVM_RUN return EINTR without entering the guest', () => {
      const guest = loadGuest('pio-out');
      const booted = bootGuest(binding, guest);
      try {
        booted.vcpu.immediateExit = true;
        assert.equal(booted.vcpu.run().kind, 'interrupted');
        runExitLoop(binding, { kind: 'immediate-exit', guest, vcpu: booted.vcpu }, 50, { sequence: 0 });
        booted.vcpu.immediateExit = false;
        assert.equal(booted.vcpu.run().kind, 'io-out');
      } finally {
        booted.close();
      }
    });

    test('null ioctl baseline', () => {
      const kvm = Kvm.open(binding);
      try {
        assert.ok(runExitLoop(binding, { kind: 'null-ioctl', binding, systemFd: kvm.fd }, 100, { sequence: 0 }) > 0);
      } finally {
        kvm.close();
      }
    });

    test('triple-fault ends in KVM_EXIT_SHUTDOWN with rip at its ud2', () => {
      const guest = loadGuest('triple-fault');
      const booted = bootGuest(binding, guest);
      try {
        const exit = booted.vcpu.run();
        assert.equal(exit.kind, 'shutdown', describeExit(exit));
        const { rip, rsp } = booted.vcpu.getRegisters();
        const sregs = booted.vcpu.getSpecialRegisters();
        // KVM on AMD SVM resets the vCPU after a shutdown; VMX and PVM keep the state at the fault.
        if (isResetState(rip, sregs)) return;
        const ud2 = guest.load + 7; // after a 7-byte lidt
        assert.deepEqual([...guest.image.subarray(7, 9)], [0x0f, 0x0b], 'ud2 at offset 7');
        assert.equal(rip, BigInt(ud2), 'rip at the faulting ud2');
        assert.equal(rsp, BigInt(guest.load), 'nothing was pushed: no fault was delivered');
        assert.deepEqual([sregs.idt.base, sregs.idt.limit], [0n, 0], 'the IDT the guest loaded');
      } finally {
        booted.close();
      }
    });

    test('fail-entry ends in KVM_EXIT_FAIL_ENTRY: VM entry refuses CS.L with CS.D', { skip: failEntrySkip() }, () => {
      const booted = bootGuest(binding, loadGuest('fail-entry'));
      try {
        const exit = booted.vcpu.run();
        // (No check of rip: after a failed VMRUN the state KVM reads back is not the guest's.)
        assert.equal(exit.kind, 'fail-entry', describeExit(exit));
      } finally {
        booted.close();
      }
    });

    test('the fail-entry probe says whether VM entry refused CS.L+CS.D, naming the exit it saw', () => {
      const probe = probeFailEntry(binding);
      if (probe.provoked) {
        assert.match(probe.exit, /^fail-entry hardware_entry_failure_reason 0x[0-9a-f]+ cpu \d+$/);
        assert.equal(probe.reason, undefined);
      } else {
        assert.ok(probe.reason?.includes(`(exit: ${probe.exit})`), probe.reason);
        assert.match(probe.reason ?? '', /so FAIL_ENTRY cannot be provoked here$/);
      }
    });

    test('emulation-failure ends in KVM_EXIT_INTERNAL_ERROR with the x87 load it could not emulate', () => {
      const booted = bootGuest(binding, loadGuest('emulation-failure'));
      try {
        const exit = booted.vcpu.run();
        assert.equal(exit.kind, 'internal-error', describeExit(exit));
        assert.equal(exit.suberror, KVM_INTERNAL_ERROR_EMULATION);
        // flds 0x8000 in 16-bit code: d9 06 00 80, when this kernel sends the instruction bytes.
        assert.match(describeExit(exit), /\(emulation failure\)( instruction \[d9 06 00 80( [0-9a-f]{2})*\])? data/);
        assert.equal(booted.vcpu.getRegisters().rip, 0x1000n, 'rip still at the flds');
      } finally {
        booted.close();
      }
    });

    test('guest memory: write copies in at a guest address, checks the range, and refuses use after close', () => {
      const kvm = Kvm.open(binding);
      try {
        const vm = kvm.createVm();
        const memory = vm.allocateMemory(0x2000, 0x2000);
        memory.write(0x2ffe, new Uint8Array([0xaa, 0xbb, 0xcc]));
        assert.deepEqual([...memory.bytes.subarray(0xffe, 0x1001)], [0xaa, 0xbb, 0xcc]);
        assert.throws(() => memory.write(0x1fff, new Uint8Array(1)), RangeError);
        assert.throws(() => memory.write(0x3fff, new Uint8Array(2)), /do not fit guest memory 0x2000-0x4000/);
        vm.close();
        assert.throws(() => memory.write(0x2000, new Uint8Array(1)), ClosedError);
        assert.equal(memory.bytes.byteLength, 0);
      } finally {
        kvm.close();
      }
    });

    test('setEncodedRegisters sets what encodeRegisters encoded, and refuses other sizes', () => {
      const booted = bootGuest(binding, loadGuest('hello'));
      try {
        const regs = { ...entryRegisters(booted.guest), rax: 0x1234n, rsp: 0x5678n };
        booted.vcpu.setEncodedRegisters(encodeRegisters(regs));
        const read = booted.vcpu.getRegisters();
        assert.equal(read.rax, 0x1234n);
        assert.equal(read.rsp, 0x5678n);
        assert.equal(read.rip, regs.rip);
        assert.throws(() => booted.vcpu.setEncodedRegisters(new Uint8Array(8)), /struct kvm_regs is 144 bytes, got 8/);
      } finally {
        booted.close();
      }
    });

    test('close twice is safe; use after close is a clear error', () => {
      const guest = loadGuest('pio-out');
      const booted = bootGuest(binding, guest);
      const { vm, vcpu } = booted;
      booted.close();
      booted.close();
      vm.close();
      vcpu.close();
      assert.throws(() => vcpu.run(), ClosedError);
      assert.throws(() => vcpu.getRegisters(), ClosedError);
      assert.throws(() => vm.createVcpu(1), ClosedError);
      assert.throws(() => vcpu.page(), /Vcpu is closed/);
    });
  });
}

describe('c-loop lifecycle on /dev/kvm', { skip: kvmSkip }, () => {
  test("the C lifecycle runs the seed's sequence and times each step", () => {
    const binding = allBindings().find((b) => b.name === 'c-loop');
    assert.ok(binding?.native);
    const guest = loadGuest('hello');
    const kvm = Kvm.open(binding);
    try {
      const steps = binding.native.lifecycleSteps;
      const stepNs = new Float64Array(3 * steps);
      const result = binding.native.cLifecycle(
        kvm.fd,
        kvm.cachedVcpuMmapSize(),
        guest.image,
        guest.memory.base,
        guest.memory.size,
        guest.load,
        encodeRegisters(entryRegisters(guest)),
        new TextEncoder().encode('4\nHello\n'),
        0x3f8,
        stepNs,
      );
      assert.equal(result.error, undefined);
      assert.equal(result.completed, 3);
      assert.ok(stepNs.every((ns) => ns > 0));
    } finally {
      kvm.close();
    }
  });
});
