/**
 * The sweep vocabulary every reader of results shares: the series a sweep measures, what their
 * points count (bytes, vCPUs, VMs), and the byte labels of memory points (`memory@1MiB`). A sweep
 * point travels as data (`Measurement.point`); `pointOfName` reads one from a workload name, for
 * planning a named point and for results files written before measurements carried it.
 */
import type { SweepPoint } from './types.js';

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

/** Memory points grow per 4 KiB page. */
const PAGE_BYTES = 4096;

/** The size a point's growth is fitted in: 4 KiB pages for memory, vCPUs or VMs otherwise. */
export function pointUnits(point: SweepPoint): number {
  return SERIES[point.series].sweep === 'memory' ? point.size / PAGE_BYTES : point.size;
}

/** A point's size in its own CSV column (memory_bytes, vcpus or vms), the others empty; all empty for no point. */
export function pointColumns(point: SweepPoint | undefined): Record<PointColumn, number | ''> {
  const columns: Record<PointColumn, number | ''> = { memory_bytes: '', vcpus: '', vms: '' };
  if (point) columns[SERIES[point.series].column] = point.size;
  return columns;
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

/** A point's size as its name and charts show it: a byte label for memory, a count otherwise. */
export function pointSizeLabel(series: SeriesName, size: number): string {
  return SERIES[series].sweep === 'memory' ? formatBytesLabel(size) : String(size);
}

/** The workload name of a point: `memory@1MiB`, `vcpu-exits@4`, `vms@2`. */
export function pointName(point: SweepPoint): string {
  return `${point.series}@${pointSizeLabel(point.series, point.size)}`;
}

/** The point a workload name stands for, or undefined for workloads that are not sweep points. */
export function pointOfName(workload: string): SweepPoint | undefined {
  const at = workload.lastIndexOf('@');
  if (at < 0) return undefined;
  const series = workload.slice(0, at);
  if (!Object.hasOwn(SERIES, series)) return undefined;
  const label = workload.slice(at + 1);
  const memory = SERIES[series as SeriesName].sweep === 'memory';
  const size = memory ? parseBytesLabel(label) : /^\d+$/.test(label) ? Number(label) : undefined;
  if (size === undefined || !(size > 0)) return undefined;
  return { series: series as SeriesName, size };
}
