/**
 * `koffi` and `koffi-variadic`: libc's open / ioctl / mmap / munmap / close through koffi.
 * Fixed prototypes with integer parameters take koffi's fast path, so integer-argument and
 * pointer-argument ioctls get separate prototypes. The variadic form resolves argument types on
 * every call; it is kept as its own binding so users see what that costs.
 */
import { KVM_RUN } from '../abi/kvm.js';
import { koffi, libc, mmap, munmap } from './libc.js';
import type { Binding, Mapping, SysResult } from './types.js';

const PROT_READ_WRITE = 0x1 | 0x2;
const MAP_SHARED = 0x01;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const O_RDWR_CLOEXEC = 0o2 | 0o2000000;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

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

const EMPTY = new ArrayBuffer(0);

/**
 * A mapping whose view is made on first use. koffi's views cannot be detached: one made before munmap
 * still reaches the unmapped memory (Vm and Vcpu refuse use after close); one asked for after is empty.
 */
class KoffiMapping implements Mapping {
  #buffer: ArrayBuffer | undefined;

  constructor(
    readonly address: bigint,
    readonly length: number,
  ) {}

  get buffer(): ArrayBuffer {
    if (this.#buffer === undefined) this.#buffer = koffi.view(this.address, this.length);
    return this.#buffer;
  }

  /**
   * The binding's unmap, static so it reaches #buffer without a second call. A second unmap of the
   * same mapping does nothing: its address may belong to another mapping by then.
   */
  static unmap(mapping: Mapping): SysResult {
    if (!(#buffer in mapping)) throw new TypeError('koffi: unmap takes a mapping made by mapFile or mapAnonymous');
    if (mapping.#buffer === EMPTY) return 0;
    mapping.#buffer = EMPTY;
    return result(munmap(mapping.address, mapping.length));
  }
}

function toMapping(address: bigint | null, length: number): Mapping | SysResult {
  if (address === null || address === MAP_FAILED) return -koffi.errno();
  return new KoffiMapping(address, length);
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
    mapAnonymous: (length) =>
      toMapping(mmap(null, length, PROT_READ_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0), length),
    unmap: KoffiMapping.unmap,
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
