/**
 * What a run's workloads need from this KVM, probed before measuring (never assumed from the host's
 * name or kind): a workload whose guest writes are completed in the kernel needs the capability of
 * its completion. A workload this KVM cannot run is left out of the measuring and reported skipped,
 * naming the capability it lacks.
 */
import { getBinding } from '../bindings/registry.js';
import type { BindingName } from '../bindings/types.js';
import { loadGuest } from '../guests/manifest.js';
import { Kvm } from '../kvm/system.js';
import { missingCapabilities, writeTarget } from './completion.js';
import type { Workload } from './workloads.js';

/** Each workload this KVM cannot run, with the capabilities it lacks (empty map: all can run). */
export function unsupportedWorkloads(
  workloads: readonly Workload[],
  binding: BindingName,
  kvmPath?: string,
): Map<string, string[]> {
  const needing = workloads.filter((workload) => workload.completion !== undefined);
  const unsupported = new Map<string, string[]>();
  if (needing.length === 0) return unsupported;
  let kvm: Kvm;
  try {
    kvm = Kvm.open(getBinding(binding), kvmPath);
  } catch {
    return unsupported; // the run itself reports why KVM does not open
  }
  try {
    for (const workload of needing) {
      const { pio } = writeTarget(loadGuest(workload.guest));
      const completion = workload.completion as NonNullable<Workload['completion']>;
      const missing = missingCapabilities(kvm, completion, pio, workload.ioEventFd);
      if (missing.length) unsupported.set(workload.name, missing);
    }
  } finally {
    kvm.close();
  }
  return unsupported;
}

/** Why a skipped workload was not measured: the sentence its cells carry. */
export const lacksCapabilities = (missing: readonly string[]): string =>
  `this KVM lacks ${missing.join(' and ')}: skipped`;
