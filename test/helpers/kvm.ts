/** Whether the KVM tests can run: they need /dev/kvm opened read/write, and otherwise skip saying why. */
import { closeSync, constants, openSync } from 'node:fs';
import { type Plan, planRun } from '../../src/bench/plan.js';
import { getBinding } from '../../src/bindings/registry.js';
import type { Binding } from '../../src/bindings/types.js';
import { probeFailEntry } from '../../src/guests/probes.js';
import type { SpecialRegisters } from '../../src/kvm/structs.js';
import { bindingsOf } from '../../src/runtimes/bindings.js';
import { currentRuntime } from '../../src/util/runtime.js';

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

/** The bindings this runtime runs (each runtime's own FFI only in it: see src/runtimes/bindings.ts). */
export const HERE_BINDINGS = bindingsOf(currentRuntime());

export const allBindings = (): Binding[] => HERE_BINDINGS.map((name) => getBinding(name));

/** A plan of these workloads on every binding, for tests that open its cells' runners themselves. */
export const everyBindingPlan = (workloads: string[]): Plan =>
  planRun({
    workloads,
    bindings: [...HERE_BINDINGS],
    rounds: 1,
    timePerRoundMs: 1,
    warmupMs: 0,
    quick: true,
    cpuidK: 8,
  });

let failEntryProbe: string | false | undefined;

/**
 * false when this host's KVM refuses VM entry of the fail-entry guest, else why the fail-entry tests
 * skip, naming the exit the probe saw. Probed once per test file through napi; when the probe itself
 * throws the tests run, so that they report the error.
 */
export function failEntrySkip(): string | false {
  if (kvmSkip) return false; // the KVM suites skip already
  if (failEntryProbe === undefined) {
    try {
      failEntryProbe = probeFailEntry(getBinding('napi')).reason ?? false;
    } catch {
      failEntryProbe = false;
    }
  }
  return failEntryProbe;
}

/** The reset vCPU state KVM on AMD SVM leaves after a shutdown: CS 0xf000 (base 0xffff0000), rip 0xfff0. */
export function isResetState(rip: bigint, sregs: SpecialRegisters): boolean {
  return rip === 0xfff0n && sregs.cs.selector === 0xf000 && sregs.cs.base === 0xffff0000n && (sregs.cr0 & 1n) === 0n;
}
