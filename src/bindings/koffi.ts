/**
 * `koffi` and `koffi-variadic`: libc's open / ioctl / mmap / munmap / close through koffi.
 * Fixed prototypes with integer parameters take koffi's fast path, so integer-argument and
 * pointer-argument ioctls get separate prototypes. The variadic form resolves argument types on
 * every call; it is kept as its own binding so users see what that costs.
 */
import { KVM_RUN } from '../abi/kvm.js';
import {
  ForeignMapping,
  type ForeignMemory,
  MAP_ANONYMOUS_FLAGS,
  MAP_FAILED,
  MAP_SHARED,
  O_RDWR_CLOEXEC,
  PROT_READ_WRITE,
} from './foreign-mapping.js';
import { koffi, libc, mmap, munmap } from './libc.js';
import type { Binding, Mapping, SysResult } from './types.js';

const open = libc.func('int open(const char *path, int flags)') as (path: string, flags: number) => number;
const close = libc.func('int close(int fd)') as (fd: number) => number;
const ioctlInteger = libc.func('int ioctl(int fd, unsigned long request, unsigned long arg)') as (
  fd: number,
  request: number,
  arg: number,
) => number;
const ioctlPointer = libc.func('int ioctl(int fd, unsigned long request, void *arg)') as (
  fd: number,
  request: number,
  arg: Uint8Array,
) => number;
const ioctlVariadic = libc.func('int ioctl(int fd, unsigned long request, ...)') as (
  fd: number,
  request: number,
  ...typeAndValue: unknown[]
) => number;

const memcpy = libc.func('void *memcpy(void *dest, const void *src, size_t n)') as (
  dest: bigint,
  src: Uint8Array,
  n: number,
) => bigint;

/** -errno when a libc call returned -1, else the result: errno must be read before any other call. */
function result(ret: number): SysResult {
  return ret === -1 ? -koffi.errno() : ret;
}

/** koffi's views over a mapping: they cannot be detached (see ForeignMapping). */
const memory: ForeignMemory = {
  view: (address, length) => koffi.view(address, length),
  unmap: (address, length) => result(munmap(address, length)),
};

function toMapping(address: bigint | null, length: number): Mapping | SysResult {
  if (address === null || address === MAP_FAILED) return -koffi.errno();
  return new ForeignMapping(address, length, memory);
}

function createKoffiBinding(variadic: boolean): Binding {
  const integerIoctl = variadic
    ? (fd: number, request: number, arg: number) => ioctlVariadic(fd, request, 'unsigned long', arg)
    : ioctlInteger;
  const pointerIoctl = variadic
    ? (fd: number, request: number, buffer: Uint8Array) => ioctlVariadic(fd, request, 'void *', buffer)
    : ioctlPointer;
  return {
    name: variadic ? 'koffi-variadic' : 'koffi',
    description: variadic
      ? 'koffi FFI, variadic ioctl(int, unsigned long, ...) prototype: argument types resolved per call'
      : 'koffi FFI, fixed prototypes: integer ioctls on the fast path, pointer ioctls apart',
    version: `koffi ${koffi.version}`,
    open: (path) => result(open(path, O_RDWR_CLOEXEC)),
    close: (fd) => result(close(fd)),
    // errno is read inline, as in the runner: these run in timed lifecycle steps.
    ioctl(fd, request, arg) {
      const ret = integerIoctl(fd, request, arg);
      return ret === -1 ? -koffi.errno() : ret;
    },
    ioctlBuffer(fd, request, buffer) {
      const ret = pointerIoctl(fd, request, buffer);
      return ret === -1 ? -koffi.errno() : ret;
    },
    // libc's memcpy straight into the mapping: no view to make, as in C.
    write(address, offset, bytes) {
      memcpy(address + BigInt(offset), bytes, bytes.length);
    },
    mapFile: (fd, length) => toMapping(mmap(null, length, PROT_READ_WRITE, MAP_SHARED, fd, 0), length),
    mapAnonymous: (length) => toMapping(mmap(null, length, PROT_READ_WRITE, MAP_ANONYMOUS_FLAGS, -1, 0), length),
    unmap: ForeignMapping.unmap,
    runner(fd) {
      return () => {
        const ret = integerIoctl(fd, KVM_RUN, 0);
        return ret === -1 ? -koffi.errno() : ret;
      };
    },
  };
}

export const createKoffiFixedBinding = () => createKoffiBinding(false);
export const createKoffiVariadicBinding = () => createKoffiBinding(true);
