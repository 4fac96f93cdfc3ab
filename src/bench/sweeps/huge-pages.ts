/** Which huge pages this host offers for guest memory: read from sysfs and procfs, nothing changed. */
import { readFileSync } from 'node:fs';

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Which huge-page backing this host offers, and why not when it offers none: THP needs
 * /sys/kernel/mm/transparent_hugepage/enabled at [always] or [madvise]; MAP_HUGETLB needs
 * reserved pages (vm.nr_hugepages), which kvmbench does not change.
 */
export function hugePageBacking(): { backing?: 'thp' | 'hugetlb'; detail: string } {
  const hugetlbPages = Number(readTrimmed('/proc/sys/vm/nr_hugepages') ?? '0');
  const thp = readTrimmed('/sys/kernel/mm/transparent_hugepage/enabled');
  const thpMode = thp?.match(/\[(\w+)\]/)?.[1];
  if (thpMode === 'always' || thpMode === 'madvise') {
    return { backing: 'thp', detail: `THP (madvise MADV_HUGEPAGE, 2 MiB aligned; THP mode ${thpMode})` };
  }
  if (hugetlbPages > 0) return { backing: 'hugetlb', detail: `MAP_HUGETLB (${hugetlbPages} reserved 2 MiB pages)` };
  return {
    detail: `no huge pages: THP is ${thpMode ?? 'absent'} and vm.nr_hugepages is ${hugetlbPages} (set transparent_hugepage to madvise, or reserve pages with sysctl vm.nr_hugepages)`,
  };
}
