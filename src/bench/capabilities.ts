/**
 * What a run's workloads need from this KVM, probed before measuring (never assumed from the host's
 * name or kind): a workload whose guest writes are completed in the kernel needs the capability of
 * its completion, one whose guest is interrupted through an irqfd an in-kernel irqchip and KVM_IRQFD.
 * A workload this KVM cannot run is left out of the measuring and reported skipped, naming the
 * capability it lacks.
 */
import { getBinding } from '../bindings/registry.js';
import type { BindingName } from '../bindings/types.js';
import { loadGuest } from '../guests/manifest.js';
import { Kvm } from '../kvm/system.js';
import { capabilitiesFor, writeTarget } from './completion.js';
import { IRQFD_CAPABILITIES } from './irqfd.js';
import type { Workload } from './workloads.js';

/** The capabilities a workload needs from KVM, by the kernel headers' names (empty: none beyond KVM's basics). */
export function workloadNeeds(workload: Workload): Record<string, number> {
  if (workload.interrupt === 'irqfd') return { ...IRQFD_CAPABILITIES };
  if (workload.completion === undefined) return {};
  return capabilitiesFor(workload.completion, writeTarget(loadGuest(workload.guest)).pio, workload.ioEventFd);
}

/** Each workload this KVM cannot run, with the capabilities it lacks (empty map: all can run). */
export function unsupportedWorkloads(
  workloads: readonly Workload[],
  binding: BindingName,
  kvmPath?: string,
): Map<string, string[]> {
  const needing = workloads.filter((workload) => Object.keys(workloadNeeds(workload)).length > 0);
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
      const missing = Object.entries(workloadNeeds(workload))
        .filter(([, cap]) => kvm.checkExtension(cap) <= 0)
        .map(([name]) => name);
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
