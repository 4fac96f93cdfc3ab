/**
 * The vCPU threading designs and the synchronous baseline by name, each run on the pio-out guest
 * with the same interface.
 */
import { loadAddon } from '../bindings/addon.js';
import { getBinding } from '../bindings/registry.js';
import type { Binding, BindingName } from '../bindings/types.js';
import { UsageError } from '../errors.js';
import { runCThreadVcpu } from './c-thread-vcpu.js';
import { runKoffiAsync } from './koffi-async.js';
import { runSyncVcpu } from './sync-vcpu.js';
import { type PioOutOptions, type ThreadedRun, VMM_DESIGNS, type VmmDesign } from './types.js';
import { runWorkerVcpu } from './worker-vcpu.js';

type Design = (binding: Binding, iterations: number, options?: PioOutOptions) => Promise<ThreadedRun>;

const DESIGNS: Record<VmmDesign, Design> = {
  sync: runSyncVcpu,
  'worker-vcpu': runWorkerVcpu,
  'c-thread-vcpu': runCThreadVcpu,
  'koffi-async': runKoffiAsync,
};

/**
 * What a design is, the binding that opens its VM and what else it needs: `kvmbench list` and
 * `run --vmm-designs` show it.
 */
export interface DesignInfo {
  description: string;
  binding: BindingName;
  needs: string;
}

export const DESIGN_INFO: Record<VmmDesign, DesignInfo> = {
  sync: {
    description: 'the baseline: KVM_RUN and the check on the main thread, one after another',
    binding: 'napi',
    needs: 'the napi binding',
  },
  'worker-vcpu': {
    description: 'KVM_RUN on a worker_threads Worker; each exit handed over through a SharedArrayBuffer',
    binding: 'napi',
    needs: 'the napi binding, worker_threads',
  },
  'c-thread-vcpu': {
    description: 'KVM_RUN on a C thread of the addon; exits pushed into a ring, JS woken only when asleep',
    binding: 'napi',
    needs: 'the napi binding, whose addon runs the thread',
  },
  'koffi-async': {
    description: 'KVM_RUN as a koffi async call on the libuv thread pool: the anti-pattern, the vCPU changes thread',
    binding: 'koffi',
    needs: "the koffi binding and the addon's kvmbench_timed_kvm_run",
  },
};

/** The design's binding, loaded; or why it cannot run in this process (a missing binding, addon or koffi). */
export function designBinding(design: VmmDesign): Binding | { unavailable: string } {
  const { binding } = DESIGN_INFO[design];
  try {
    const loaded = getBinding(binding);
    if (design === 'koffi-async') loadAddon(); // its timed KVM_RUN is a C symbol of the addon
    return loaded;
  } catch (error) {
    return { unavailable: `needs ${DESIGN_INFO[design].needs}: ${(error as Error).message}` };
  }
}

/**
 * Boots pio-out, takes `iterations` exits through the design's threads and checks every one (reason,
 * direction, size, port, count, and the data byte against a counter); rejects with what was wrong or
 * what hung, after the design's threads have stopped and its VM is closed.
 */
export async function runPioOut(
  design: VmmDesign,
  binding: Binding,
  iterations: number,
  options: PioOutOptions = {},
): Promise<ThreadedRun> {
  if (!(VMM_DESIGNS as readonly string[]).includes(design)) {
    throw new UsageError(`unknown vCPU threading design '${design}': choose one of ${VMM_DESIGNS.join(', ')}`);
  }
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new UsageError(`iterations must be a positive integer, got ${iterations}`);
  }
  return DESIGNS[design](binding, iterations, options);
}
