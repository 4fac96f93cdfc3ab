/**
 * Guest faults on real KVM, through every binding: a triple fault, a failed VM entry, an emulation
 * failure, an unexpected exit and unexpected data each stop the measured loop with one GuestError
 * naming the guest, the binding, the exit with its data, and the registers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runExitLoop } from '../src/bench/exit-loops.js';
import { GuestError } from '../src/errors.js';
import { bootGuest } from '../src/guests/boot.js';
import { loadGuest } from '../src/guests/manifest.js';
import { allBindings, hostAcceptsLongModeCsD, kvmSkip } from './helpers/kvm.js';

interface Fault {
  what: string;
  /** The guest that runs; the loop expects pio-out's exits from it. */
  guest: string;
  /** Where the loop's counter starts (pio-out's guest starts at 0). */
  sequence?: number;
  /** The exit as the JS loops (first) or the C loop (second) describe it. */
  got: string;
}

const FAULTS: Fault[] = [
  { what: 'a triple fault', guest: 'triple-fault', got: '(shutdown|KVM_EXIT_SHUTDOWN \\(triple fault\\))' },
  {
    what: 'a failed VM entry',
    guest: 'fail-entry',
    got: '(fail-entry|KVM_EXIT_FAIL_ENTRY) hardware_entry_failure_reason 0x[0-9a-f]+ cpu \\d+',
  },
  {
    what: 'an emulation failure',
    guest: 'emulation-failure',
    got: '(internal-error|KVM_EXIT_INTERNAL_ERROR) suberror 1 \\(emulation failure\\)',
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
      test(fault.what, (t) => {
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
          if (fault.guest === 'fail-entry' && /got (hlt|KVM_EXIT_HLT)/.test(String(caught))) {
            t.skip(hostAcceptsLongModeCsD);
            return;
          }
          assert.ok(caught instanceof GuestError, `expected a GuestError, got ${String(caught)}`);
          const sequence = (fault.sequence ?? 0).toString(16).padStart(2, '0');
          assert.match(
            caught.message,
            new RegExp(
              `^guest '${fault.guest}' on binding '${binding.name}': iteration 0: expected KVM_EXIT_IO out \\(sequence 0x${sequence}\\), got ${fault.got}.* \\(rip=0x[0-9a-f]+ rax=0x[0-9a-f]+ .*rflags=0x[0-9a-f]+\\)$`,
            ),
          );
        } finally {
          booted.close();
        }
      });
    }
  });
}
