/**
 * Guest RAM for the memory sweep, mapped the way a VMM maps it (private anonymous memory) with the
 * page size chosen on purpose: the bindings' mapAnonymous gives shared memory of whatever size the
 * host picks, which would make the sweep measure THP or not by accident. libc through koffi, the
 * same for every binding: the binding under test is used for the KVM ioctls only.
 */
import { koffi, libc, mmap, munmap } from '../../bindings/libc.js';

const PROT_READ_WRITE = 0x1 | 0x2;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const MAP_HUGETLB = 0x40000;
const MADV_HUGEPAGE = 14;
const MADV_NOHUGEPAGE = 15;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
export const PAGE_SIZE = 4096;
export const HUGE_PAGE_SIZE = 2 * 1024 * 1024;

const madvise = libc.func('int madvise(uintptr_t addr, size_t length, int advice)') as (
  addr: bigint,
  length: number,
  advice: number,
) => number;

/** 4k: 4 KiB pages (MADV_NOHUGEPAGE); thp: transparent huge pages (MADV_HUGEPAGE, 2 MiB aligned); hugetlb: MAP_HUGETLB. */
export type PageBacking = '4k' | 'thp' | 'hugetlb';

export interface HostMemory {
  readonly address: bigint;
  readonly size: number;
  /** Bytes of the mapping, for the host-side check of what the guest wrote. */
  view(): Uint8Array;
  free(): void;
}

function roundUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** Maps size bytes (a multiple of 4 KiB) with the given backing; throws naming the backing on failure. */
export function mapHostMemory(size: number, backing: PageBacking): HostMemory {
  const huge = backing !== '4k';
  const length = huge ? roundUp(size, HUGE_PAGE_SIZE) : size;
  const flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (backing === 'hugetlb' ? MAP_HUGETLB : 0);
  // THP: map 2 MiB more and trim, so the region starts on a huge-page boundary (as guest-physical does).
  const mapped = backing === 'thp' ? length + HUGE_PAGE_SIZE : length;
  const raw = mmap(null, mapped, PROT_READ_WRITE, flags, -1, 0);
  if (raw === null || raw === MAP_FAILED) {
    throw new Error(`mmap of ${mapped} bytes of ${backing} guest memory failed (errno ${koffi.errno()})`);
  }
  let address = raw;
  if (backing === 'thp') {
    const align = BigInt(HUGE_PAGE_SIZE);
    address = ((raw + align - 1n) / align) * align;
    const head = Number(address - raw);
    if (head > 0) munmap(raw, head);
    const tail = mapped - head - length;
    if (tail > 0) munmap(address + BigInt(length), tail);
  }
  if (backing !== 'hugetlb') {
    if (madvise(address, length, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) !== 0) {
      const errno = koffi.errno();
      munmap(address, length);
      throw new Error(`madvise(${huge ? 'MADV_HUGEPAGE' : 'MADV_NOHUGEPAGE'}) failed (errno ${errno})`);
    }
  }
  let freed = false;
  return {
    address,
    size,
    view: () => new Uint8Array(koffi.view(address, size)),
    free() {
      if (freed) return;
      freed = true;
      munmap(address, length);
    },
  };
}
