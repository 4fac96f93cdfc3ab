/**
 * `bun-ffi`: libc through Bun's `bun:ffi` (dlopen with JIT-compiled trampolines). Pointers are
 * plain numbers; typed arrays pass as pointers. errno is read through __errno_location's pointer
 * right after a call returns -1 (bun:ffi does not save it).
 */
import { createRequire } from 'node:module';
import { KVM_RUN } from '../abi/kvm.js';
import { UsageError } from '../errors.js';
import {
  cString,
  ForeignMapping,
  type ForeignMemory,
  MAP_ANONYMOUS_FLAGS,
  MAP_SHARED,
  O_RDWR_CLOEXEC,
  PROT_READ_WRITE,
} from './foreign-mapping.js';
import type { Binding, Mapping, SysResult } from './types.js';

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: string[]; returns: string }>,
  ): {
    symbols: Record<string, (...args: unknown[]) => unknown>;
  };
  read: { i32(pointer: number, offset: number): number };
  toArrayBuffer(pointer: number, offset: number, length: number): ArrayBuffer;
}

declare const Bun: { version: string } | undefined;

function loadBunFfi(): BunFfi {
  if (typeof Bun === 'undefined') {
    throw new UsageError(
      'bun-ffi runs under Bun only: measure it with `kvmbench run --runtimes bun` (Bun from `npm run runtimes:install`), or start kvmbench itself with bun',
    );
  }
  return createRequire(import.meta.url)('bun:ffi') as BunFfi;
}

const openLibraries: unknown[] = [];

export function createBunFfiBinding(): Binding {
  const ffi = loadBunFfi();
  const libc = ffi.dlopen('libc.so.6', {
    open: { args: ['ptr', 'i32'], returns: 'i32' },
    close: { args: ['i32'], returns: 'i32' },
    ioctl: { args: ['i32', 'u64', 'u64'], returns: 'i32' },
    mmap: { args: ['ptr', 'u64', 'i32', 'i32', 'i32', 'i64'], returns: 'ptr' },
    munmap: { args: ['ptr', 'u64'], returns: 'i32' },
    memcpy: { args: ['ptr', 'ptr', 'u64'], returns: 'ptr' },
    __errno_location: { args: [], returns: 'ptr' },
  });
  // One signature per symbol: the pointer form of ioctl comes from a second handle.
  const pointerForm = ffi.dlopen('libc.so.6', { ioctl: { args: ['i32', 'u64', 'ptr'], returns: 'i32' } });
  openLibraries.push(libc, pointerForm);
  const f = libc.symbols;
  const ioctlInteger = f.ioctl as (fd: number, request: number, arg: number) => number;
  const ioctlPointer = pointerForm.symbols.ioctl as (fd: number, request: number, arg: Uint8Array) => number;
  const mmap = f.mmap as (
    addr: null,
    length: number,
    prot: number,
    flags: number,
    fd: number,
    offset: number,
  ) => number | null;
  const munmap = f.munmap as (addr: number, length: number) => number;
  const memcpy = f.memcpy as (dest: number, src: Uint8Array, n: number) => number;
  const errnoAddress = (f.__errno_location as () => number)();
  const errno = () => ffi.read.i32(errnoAddress, 0);
  const result = (ret: number): SysResult => (ret === -1 ? -errno() : ret);
  const memory: ForeignMemory = {
    view: (address, length) => ffi.toArrayBuffer(Number(address), 0, length),
    unmap: (address, length) => result(munmap(Number(address), length)),
  };
  // MAP_FAILED is (void *)-1: bun:ffi gives it as the number 2^64 - 1 rounded, never a real address.
  const toMapping = (address: number | null, length: number): Mapping | SysResult =>
    address === null || address === 0 || address >= 2 ** 63
      ? -errno()
      : new ForeignMapping(BigInt(address), length, memory);
  // Written out per binding, not shared with the other FFI bindings: a wrapper shared by bindings
  // measured in one process sees several callees, and V8 then calls through it polymorphically.
  return {
    name: 'bun-ffi',
    description: "bun:ffi (Bun's JIT-compiled FFI trampolines), fixed prototypes, pointers as numbers",
    version: `bun:ffi, Bun ${Bun?.version ?? '?'}, JavaScriptCore ${process.versions.webkit ?? '?'}`,
    open: (path) => result((f.open as (p: Uint8Array, flags: number) => number)(cString(path), O_RDWR_CLOEXEC)),
    close: (fd) => result((f.close as (fd: number) => number)(fd)),
    ioctl(fd, request, arg) {
      const ret = ioctlInteger(fd, request, arg);
      return ret === -1 ? -errno() : ret;
    },
    ioctlBuffer(fd, request, buffer) {
      const ret = ioctlPointer(fd, request, buffer);
      return ret === -1 ? -errno() : ret;
    },
    write(address, offset, bytes) {
      memcpy(Number(address) + offset, bytes, bytes.length);
    },
    mapFile: (fd, length) => toMapping(mmap(null, length, PROT_READ_WRITE, MAP_SHARED, fd, 0), length),
    mapAnonymous: (length) => toMapping(mmap(null, length, PROT_READ_WRITE, MAP_ANONYMOUS_FLAGS, -1, 0), length),
    unmap: ForeignMapping.unmap,
    runner(fd) {
      return () => {
        const ret = ioctlInteger(fd, KVM_RUN, 0);
        return ret === -1 ? -errno() : ret;
      };
    },
  };
}
