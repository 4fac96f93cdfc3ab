/** libc through koffi: the one handle and the memory-mapping prototypes koffi users share. */
import { createRequire } from 'node:module';

type KoffiModule = typeof import('koffi');
export const koffi = createRequire(import.meta.url)('koffi') as KoffiModule;
export const libc = koffi.load('libc.so.6');

export const mmap = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)') as (
  addr: null,
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset: number,
) => bigint | null;
export const munmap = libc.func('int munmap(void *addr, size_t length)') as (addr: bigint, length: number) => number;
