/**
 * Run-time probes of what this host's KVM does with the fault guests, for the tests (and doctor) to
 * decide on what the host does rather than on what it is called. Hardware VMX/SVM refuse VM entry
 * with a long mode code segment that has both L and D set; KVM on PVM enters the guest anyway.
 */
import type { Binding } from '../bindings/types.js';
import { describeExit } from '../kvm/exits.js';
import { bootGuest } from './boot.js';
import { loadGuest } from './manifest.js';

export interface FailEntryProbe {
  /** Whether KVM_RUN of the fail-entry guest ended in KVM_EXIT_FAIL_ENTRY. */
  readonly provoked: boolean;
  /** The first exit of the fail-entry guest, as describeExit writes it. */
  readonly exit: string;
  /** When not provoked: one line saying what the host did instead, naming the exit. */
  readonly reason?: string;
}

/**
 * Boots the fail-entry guest once through the binding and runs it to its first exit. Throws when the
 * vCPU does not hold CS.L+CS.D before the run: then kvmbench, not the host, failed to set it up.
 */
export function probeFailEntry(binding: Binding): FailEntryProbe {
  const booted = bootGuest(binding, loadGuest('fail-entry'));
  try {
    const cs = booted.vcpu.getSpecialRegisters().cs;
    if (cs.l !== 1 || cs.db !== 1) {
      throw new Error(
        `fail-entry probe: the vCPU's CS reads back with L=${cs.l} D=${cs.db} after boot, not both 1: check the manifest's segments override for 'fail-entry'`,
      );
    }
    const exit = booted.vcpu.run();
    const described = describeExit(exit);
    if (exit.kind === 'fail-entry') return { provoked: true, exit: described };
    const what =
      exit.kind === 'hlt'
        ? `entered the guest with CS.L+CS.D set (exit: ${described})`
        : `did not refuse VM entry with CS.L+CS.D set (exit: ${described})`;
    return {
      provoked: false,
      exit: described,
      reason: `this host's KVM ${what}, so FAIL_ENTRY cannot be provoked here`,
    };
  } finally {
    booted.close();
  }
}
