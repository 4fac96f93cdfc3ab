/** The vCPU threading designs by name, each run on the pio-out guest with the same interface. */
import type { Binding } from '../bindings/types.js';
import { UsageError } from '../errors.js';
import { runCThreadVcpu } from './c-thread-vcpu.js';
import { runKoffiAsync } from './koffi-async.js';
import { type PioOutOptions, type ThreadedRun, VMM_DESIGNS, type VmmDesign } from './types.js';
import { runWorkerVcpu } from './worker-vcpu.js';

type Design = (binding: Binding, iterations: number, options?: PioOutOptions) => Promise<ThreadedRun>;

const DESIGNS: Record<VmmDesign, Design> = {
  'worker-vcpu': runWorkerVcpu,
  'c-thread-vcpu': runCThreadVcpu,
  'koffi-async': runKoffiAsync,
};

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
