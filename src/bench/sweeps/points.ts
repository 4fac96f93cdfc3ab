/**
 * Sweep points as workloads. A sweep is a set of workloads that differ in one size: `memory@1MiB`,
 * `vcpu-exits@4`, `vms@2`. Each point is a workload entry that carries its point (series and size),
 * so everything downstream stays as for any workload (the interleaved rounds, the turn statistics,
 * compare point by point) and every measurement of it records the point as data.
 */
import { pointOfName, pointSizeLabel } from '../../results/sweep-points.js';
import type { Workload } from '../workloads.js';
import type { PageBacking } from './host-memory.js';
import { hugePageBacking } from './huge-pages.js';

export { SWEEP_KINDS, type SweepKind } from '../../results/sweep-points.js';

/** The guest-physical address of the measured memory slot: above the code slot, 1 GiB aligned. */
export const SWEEP_SLOT_BASE = 0x4000_0000;

/** The workload entry of a point: the catalogue's shape, so plan, scheduler and analysis take it as is. */
export function pointWorkload(name: string): Workload {
  const point = pointOfName(name);
  if (!point) throw new Error(`'${name}' is not a sweep point (series@size, e.g. memory@1MiB, vcpu-exits@2)`);
  const base = { name, kind: 'sweep' as const, loop: 'sweep' as const, inKernelExitsPerIteration: 0, point };
  const size = pointSizeLabel(point.series, point.size);
  switch (point.series) {
    case 'memory':
    case 'memory-thp':
    case 'memory-hugetlb':
    case 'dirty-log': {
      const backing: PageBacking =
        point.series === 'memory-thp' ? 'thp' : point.series === 'memory-hugetlb' ? 'hugetlb' : '4k';
      const pagesText = backing === '4k' ? '4 KiB pages (MADV_NOHUGEPAGE)' : hugePageBacking().detail;
      const dirty = point.series === 'dirty-log';
      const pages = point.size / 4096;
      return {
        ...base,
        description: dirty
          ? `${size} slot with KVM_MEM_LOG_DIRTY_PAGES (${pagesText}): map, set region, guest dirties every page, KVM_GET_DIRTY_LOG (bitmap checked: ${pages} bits), tear down`
          : `${size} slot (${pagesText}): map, KVM_SET_USER_MEMORY_REGION, guest writes one byte per 4 KiB page (${pages} checked), tear down`,
        guest: 'memory-touch',
        userspaceExitsPerIteration: 1,
        // Each first touch may fault into KVM (EPT/NPT violation): up to one in-kernel exit per page.
        inKernelExitsPerIteration: pages,
        kvmCounter: 'io_exits',
        steps: dirty ? MEMORY_STEPS_DIRTY : MEMORY_STEPS,
        bindings: JS_BINDINGS,
      };
    }
    case 'vcpu-create':
      return {
        ...base,
        description: `KVM_CREATE_VCPU ${size} times on a fresh VM (the VM's creation and teardown are not timed)`,
        guest: '',
        bindings: JS_BINDINGS,
        userspaceExitsPerIteration: 0,
      };
    case 'vcpu-exits':
      return {
        ...base,
        description: `${size} vCPU(s) of one VM, each running the pio-out loop in its own worker thread; one iteration is one exit on every vCPU`,
        guest: 'pio-out',
        userspaceExitsPerIteration: point.size,
        kvmCounter: 'io_exits',
      };
    case 'vms':
      return {
        ...base,
        description: `${size} VM(s) at once, each in its own worker thread: create, run hello to HLT (output checked), destroy; one iteration is one VM per worker`,
        guest: 'hello',
        userspaceExitsPerIteration: 9 * point.size,
      };
  }
}

/** Loops written in JS over the binding's ioctls: the C floor has no version of them. */
const JS_BINDINGS = ['napi', 'koffi', 'koffi-variadic'];

export const MEMORY_STEPS = ['map', 'set_memory_region', 'touch', 'teardown'] as const;
export const MEMORY_STEPS_DIRTY = ['map', 'set_memory_region', 'touch', 'get_dirty_log', 'teardown'] as const;
