/** Whether the KVM tests can run: they need /dev/kvm opened read/write, and otherwise skip saying why. */
import { closeSync, constants, openSync } from 'node:fs';
import { getBinding } from '../../src/bindings/registry.js';
import type { Binding } from '../../src/bindings/types.js';
import { BINDING_NAMES } from '../../src/bindings/types.js';

function probe(): string | false {
  try {
    closeSync(openSync('/dev/kvm', constants.O_RDWR));
    return false;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `/dev/kvm cannot be opened (${code}): run on a host with KVM (see \`kvmbench doctor\`)`;
  }
}

/** false when KVM is usable, else the one-line reason every KVM test skips with. */
export const kvmSkip: string | false = probe();
if (kvmSkip) process.stdout.write(`# KVM tests skipped: ${kvmSkip}\n`);

export const allBindings = (): Binding[] => BINDING_NAMES.map((name) => getBinding(name));

/** Why a fail-entry test skips on a host whose VM entry does not check CS.L+CS.D (it ran to HLT). */
export const hostAcceptsLongModeCsD =
  "this host's VM entry accepted a long mode code segment with L and D set, so FAIL_ENTRY cannot be provoked here";
