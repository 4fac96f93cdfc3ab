/**
 * Guest faults on real KVM, through every binding: a triple fault, a failed VM entry, an emulation
 * failure, an unexpected exit and unexpected data each stop the measured loop with one GuestError
 * naming the guest, the binding, the exit with its data, and the registers (rip at the faulting
 * instruction, where the host reports it). FAIL_ENTRY skips on a host that enters the guest anyway,
 * as a probe finds out at run time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runExitLoop } from '../src/bench/exit-loops.js';
import { GuestError } from '../src/errors.js';
import { bootGuest } from '../src/guests/boot.js';
import { loadGuest } from '../src/guests/manifest.js';
import { allBindings, failEntrySkip, isResetState, kvmSkip } from './helpers/kvm.js';

interface Fault {
  what: string;
  /** The guest that runs; the loop expects pio-out's exits from it. */
  guest: string;
  /** Where the loop's counter starts (pio-out's guest starts at 0). */
  sequence?: number;
  /** The exit as the JS loops (first) or the C loop (second) describe it. */
  got: string;
  /** The faulting instruction's offset in the image, and its bytes: the rip the message must show. */
  faultAt?: { offset: number; bytes: number[] };
  /** Why the test skips on this host, or false. */
  skip?: string | false;
}

const FAULTS: Fault[] = [
  {
    what: 'a triple fault',
    guest: 'triple-fault',
    got: '(shutdown|KVM_EXIT_SHUTDOWN \\(triple fault\\))',
    faultAt: { offset: 7, bytes: [0x0f, 0x0b] }, // ud2, after a 7-byte lidt
  },
  {
    what: 'a failed VM entry',
    guest: 'fail-entry',
    got: '(fail-entry|KVM_EXIT_FAIL_ENTRY) hardware_entry_failure_reason 0x[0-9a-f]+ cpu \\d+',
    skip: failEntrySkip(),
  },
  {
    what: 'an emulation failure',
    guest: 'emulation-failure',
    got: '(internal-error|KVM_EXIT_INTERNAL_ERROR) suberror 1 \\(emulation failure\\)',
    faultAt: { offset: 0, bytes: [0xd9, 0x06, 0x00, 0x80] }, // flds 0x8000
  },
  { what: 'an unexpected exit', guest: 'hlt', got: '(hlt|KVM_EXIT_HLT)' },
  {
    what: 'unexpected data',
    guest: 'pio-out',
    sequence: 5,
    got: '(io-out port 0xe9 size 1 count 1 data \\[00\\]|KVM_EXIT_IO out port 0xe9 size 1 count 1 data 0x00)',
  },
];

const expectation = loadGuest('pio-out').exits;

for (const binding of allBindings()) {
  describe(`${binding.name}: a guest fault stops the loop with guest, binding, exit and registers`, {
    skip: kvmSkip,
  }, () => {
    for (const fault of FAULTS) {
      test(fault.what, { skip: fault.skip ?? false }, () => {
        const guest = loadGuest(fault.guest);
        const booted = bootGuest(binding, guest);
        try {
          const target = { kind: 'exits' as const, guest: { ...guest, exits: expectation }, vcpu: booted.vcpu };
          const state = { sequence: fault.sequence ?? 0 };
          let caught: unknown;
          try {
            runExitLoop(binding, target, 10, state);
          } catch (error) {
            caught = error;
          }
          assert.ok(caught instanceof GuestError, `expected a GuestError, got ${String(caught)}`);
          const sequence = (fault.sequence ?? 0).toString(16).padStart(2, '0');
          assert.match(
            caught.message,
            new RegExp(
              `^guest '${fault.guest}' on binding '${binding.name}': iteration 0: expected KVM_EXIT_IO out \\(sequence 0x${sequence}\\), got ${fault.got}.* \\(rip=0x[0-9a-f]+ rax=0x[0-9a-f]+ .*rflags=0x[0-9a-f]+\\)$`,
            ),
          );
          if (fault.faultAt) {
            const { offset, bytes } = fault.faultAt;
            assert.deepEqual([...guest.image.subarray(offset, offset + bytes.length)], bytes, 'faulting instruction');
            const rip = BigInt(/\(rip=(0x[0-9a-f]+) /.exec(caught.message)?.[1] ?? '-1');
            // KVM on AMD SVM resets the vCPU after a shutdown, so there the registers are the reset state's.
            if (!(fault.guest === 'triple-fault' && isResetState(rip, booted.vcpu.getSpecialRegisters()))) {
              assert.equal(rip, BigInt(guest.load + offset), 'rip at the faulting instruction');
            }
          }
        } finally {
          booted.close();
        }
      });
    }
  });
}
