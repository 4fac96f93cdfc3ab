/**
 * Which points a sweep measures on this host. Pure: the host facts are passed in.
 * - memory: powers of 4 from 4 KiB, to 64 MiB with --quick and to 1 GiB otherwise, no point above
 *   a quarter of the memory available now; 4 KiB pages, huge pages where the host offers them,
 *   and the dirty log;
 * - vcpus: 1 to 2x the host's CPUs (4 with --quick), never above KVM_CAP_MAX_VCPUS;
 * - vms: 1 to 2x the host's CPUs (4 with --quick).
 */

import { pointName, type SeriesName, type SweepKind } from '../../results/sweep-points.js';
import { PAGE_SIZE, type PageBacking } from './host-memory.js';

export interface SweepHost {
  cpus: number;
  /** MemAvailable, bytes. */
  availableBytes: number;
  /** KVM_CAP_MAX_VCPUS (0 when unknown). */
  maxVcpus: number;
  /** The huge-page backing this host offers, if any. */
  hugePages?: Exclude<PageBacking, '4k'>;
}

const QUICK_MAX_MEMORY = 64 * 1024 * 1024;
const MAX_MEMORY = 1024 * 1024 * 1024;
const QUICK_MAX_COUNT = 4;

/** 1, 2, ... 8, then powers of two, then the bound itself: every small count, a few large ones. */
export function countPoints(max: number): number[] {
  const points: number[] = [];
  for (let k = 1; k <= max; k = k < 8 ? k + 1 : k * 2) points.push(k);
  if (points[points.length - 1] !== max && max >= 1) points.push(max);
  return points;
}

export function memoryPoints(quick: boolean, availableBytes: number): number[] {
  const max = Math.min(quick ? QUICK_MAX_MEMORY : MAX_MEMORY, availableBytes / 4);
  const points: number[] = [];
  for (let size = PAGE_SIZE; size <= max; size *= 4) points.push(size);
  return points;
}

/** The workload names of a sweep, series-major (all points of one series, then the next). */
export function sweepWorkloads(kind: SweepKind, quick: boolean, host: SweepHost): string[] {
  const named = (series: SeriesName, sizes: number[]) => sizes.map((size) => pointName({ series, size }));
  switch (kind) {
    case 'memory': {
      const sizes = memoryPoints(quick, host.availableBytes);
      const huge: SeriesName[] =
        host.hugePages === 'thp' ? ['memory-thp'] : host.hugePages === 'hugetlb' ? ['memory-hugetlb'] : [];
      return [
        ...named('memory', sizes),
        ...huge.flatMap((series) => named(series, sizes)),
        ...named('dirty-log', sizes),
      ];
    }
    case 'vcpus': {
      const bound = quick ? Math.min(QUICK_MAX_COUNT, 2 * host.cpus) : 2 * host.cpus;
      const max = host.maxVcpus > 0 ? Math.min(bound, host.maxVcpus) : bound;
      const counts = countPoints(max);
      return [...named('vcpu-create', counts), ...named('vcpu-exits', counts)];
    }
    case 'vms':
      return named('vms', countPoints(quick ? Math.min(QUICK_MAX_COUNT, 2 * host.cpus) : 2 * host.cpus));
  }
}

/** The bindings a sweep runs by default: the memory sweep measures the kernel, so one binding with --quick. */
export function defaultSweepBindings(kind: SweepKind, quick: boolean): string[] {
  if (kind === 'memory') return quick ? ['napi'] : ['napi', 'koffi'];
  return ['c-loop', 'napi', 'koffi'];
}
