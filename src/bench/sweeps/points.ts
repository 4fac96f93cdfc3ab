/**
 * Sweep points as workloads. A sweep is a set of workloads that differ in one size: `memory@1MiB`,
 * `vcpu-exits@4`, `vms@2`. Naming points as workloads keeps everything downstream unchanged (the
 * interleaved rounds, the turn statistics, CSV, compare point by point); the size is read back
 * from the name (parsePoint).
 */
import type { Workload } from '../workloads.js';
import type { PageBacking } from './host-memory.js';
import { hugePageBacking } from './huge-pages.js';

export const SWEEP_KINDS = ['memory', 'vcpus', 'vms'] as const;
export type SweepKind = (typeof SWEEP_KINDS)[number];

/** A series is one line on a sweep's chart: one kind of cost measured at every point. */
export const SERIES = {
  memory: { sweep: 'memory', unit: 'page', column: 'memory_bytes' },
  'memory-thp': { sweep: 'memory', unit: 'page', column: 'memory_bytes' },
  'memory-hugetlb': { sweep: 'memory', unit: 'page', column: 'memory_bytes' },
  'dirty-log': { sweep: 'memory', unit: 'page', column: 'memory_bytes' },
  'vcpu-create': { sweep: 'vcpus', unit: 'vCPU', column: 'vcpus' },
  'vcpu-exits': { sweep: 'vcpus', unit: 'vCPU', column: 'vcpus' },
  vms: { sweep: 'vms', unit: 'VM', column: 'vms' },
} as const satisfies Record<string, { sweep: SweepKind; unit: string; column: string }>;
export type SeriesName = keyof typeof SERIES;
export type PointColumn = (typeof SERIES)[SeriesName]['column'];

export interface SweepPoint {
  series: SeriesName;
  sweep: SweepKind;
  /** Bytes for memory points, vCPUs or VMs otherwise. */
  size: number;
  /** The growth unit: memory is fitted per 4 KiB page. */
  units: number;
  column: PointColumn;
}

const KIB = 1024;
const UNITS: ReadonlyArray<[string, number]> = [
  ['GiB', KIB ** 3],
  ['MiB', KIB ** 2],
  ['KiB', KIB],
];

/** 4096 -> '4KiB', 1 << 30 -> '1GiB' (the largest unit that divides the size). */
export function formatBytesLabel(bytes: number): string {
  for (const [unit, scale] of UNITS) if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`;
  return `${bytes}B`;
}

export function parseBytesLabel(label: string): number | undefined {
  const match = /^(\d+)(GiB|MiB|KiB|B)$/.exec(label);
  if (!match) return undefined;
  const scale = UNITS.find(([unit]) => unit === match[2])?.[1] ?? 1;
  return Number(match[1]) * scale;
}

export function pointName(series: SeriesName, size: number): string {
  return `${series}@${SERIES[series].sweep === 'memory' ? formatBytesLabel(size) : size}`;
}

/** The point a workload name stands for, or undefined for workloads that are not sweep points. */
export function parsePoint(workload: string): SweepPoint | undefined {
  const at = workload.lastIndexOf('@');
  if (at < 0) return undefined;
  const series = workload.slice(0, at);
  if (!Object.hasOwn(SERIES, series)) return undefined;
  const info = SERIES[series as SeriesName];
  const label = workload.slice(at + 1);
  const size = info.sweep === 'memory' ? parseBytesLabel(label) : /^\d+$/.test(label) ? Number(label) : undefined;
  if (size === undefined || !(size > 0)) return undefined;
  return {
    series: series as SeriesName,
    sweep: info.sweep,
    size,
    units: info.sweep === 'memory' ? size / 4096 : size,
    column: info.column,
  };
}

/** The guest-physical address of the measured memory slot: above the code slot, 1 GiB aligned. */
export const SWEEP_SLOT_BASE = 0x4000_0000;

/** The workload entry of a point: the catalogue's shape, so plan, scheduler and analysis take it as is. */
export function pointWorkload(name: string): Workload {
  const point = parsePoint(name);
  if (!point) throw new Error(`'${name}' is not a sweep point (series@size, e.g. memory@1MiB, vcpu-exits@2)`);
  const pages = point.sweep === 'memory' ? point.size / 4096 : 0;
  const base = { name, kind: 'sweep' as const, loop: 'sweep' as const, inKernelExitsPerIteration: 0 };
  const size = point.sweep === 'memory' ? formatBytesLabel(point.size) : String(point.size);
  switch (point.series) {
    case 'memory':
    case 'memory-thp':
    case 'memory-hugetlb':
    case 'dirty-log': {
      const backing: PageBacking =
        point.series === 'memory-thp' ? 'thp' : point.series === 'memory-hugetlb' ? 'hugetlb' : '4k';
      const pagesText = backing === '4k' ? '4 KiB pages (MADV_NOHUGEPAGE)' : hugePageBacking().detail;
      const dirty = point.series === 'dirty-log';
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
