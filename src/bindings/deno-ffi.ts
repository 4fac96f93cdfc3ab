/**
 * `deno-ffi`: libc through Deno.dlopen (V8 fast calls where the signature allows). Pointers are
 * opaque objects (Deno.UnsafePointer); 64-bit integers take the fast path as BigInt, so the hot
 * call passes BigInt constants. Signatures take `{ parameters, result }`. Needs --allow-ffi. errno
 * is read through __errno_location's pointer right after a call returns -1 (Deno does not save it).
 */
import { KVM_RUN } from '../abi/kvm.js';
import { UsageError } from '../errors.js';
import {
  cString,
  ForeignMapping,
  type ForeignMemory,
  MAP_ANONYMOUS_FLAGS,
  MAP_FAILED,
  MAP_SHARED,
  O_RDWR_CLOEXEC,
  PROT_READ_WRITE,
} from './foreign-mapping.js';
import type { Binding, Mapping, SysResult } from './types.js';

type Pointer = object | null;

interface DenoFfi {
  version: { deno: string; v8: string };
  dlopen(
    path: string,
    symbols: Record<string, { name?: string; parameters: string[]; result: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown> };
  UnsafePointer: { create(value: bigint): Pointer; value(pointer: Pointer): bigint };
  UnsafePointerView: new (
    pointer: object,
  ) => { getInt32(offset?: number): number; getArrayBuffer(length: number, offset?: number): ArrayBuffer };
}

function loadDenoFfi(): DenoFfi {
  const deno = (globalThis as { Deno?: DenoFfi }).Deno;
  if (!deno || typeof deno.dlopen !== 'function') {
    throw new UsageError(
      'deno-ffi runs under Deno only: measure it with `kvmbench run --runtimes deno` (Deno from `npm run runtimes:install`), or start kvmbench itself with `deno run --allow-all`',
    );
  }
  return deno;
}

const openLibraries: unknown[] = [];

export function createDenoFfiBinding(): Binding {
  const deno = loadDenoFfi();
  const libc = deno.dlopen('libc.so.6', {
    open: { parameters: ['buffer', 'i32'], result: 'i32' },
    close: { parameters: ['i32'], result: 'i32' },
    ioctl: { parameters: ['i32', 'u64', 'u64'], result: 'i32' },
    ioctlPointer: { name: 'ioctl', parameters: ['i32', 'u64', 'buffer'], result: 'i32' },
    mmap: { parameters: ['pointer', 'usize', 'i32', 'i32', 'i32', 'i64'], result: 'pointer' },
    munmap: { parameters: ['pointer', 'usize'], result: 'i32' },
    memcpy: { parameters: ['pointer', 'buffer', 'usize'], result: 'pointer' },
    __errno_location: { parameters: [], result: 'pointer' },
  });
  openLibraries.push(libc);
  const f = libc.symbols;
  const ioctlInteger = f.ioctl as (fd: number, request: bigint, arg: bigint) => number;
  const ioctlPointer = f.ioctlPointer as (fd: number, request: bigint, arg: Uint8Array) => number;
  const mmap = f.mmap as (
    addr: Pointer,
    length: bigint,
    prot: number,
    flags: number,
    fd: number,
    offset: bigint,
  ) => Pointer;
  const munmap = f.munmap as (addr: Pointer, length: bigint) => number;
  const memcpy = f.memcpy as (dest: Pointer, src: Uint8Array, n: bigint) => Pointer;
  const errnoView = new deno.UnsafePointerView((f.__errno_location as () => object)());
  const errno = () => errnoView.getInt32();
  const result = (ret: number): SysResult => (ret === -1 ? -errno() : ret);
  const memory: ForeignMemory = {
    view: (address, length) =>
      new deno.UnsafePointerView(deno.UnsafePointer.create(address) as object).getArrayBuffer(length),
    unmap: (address, length) => result(munmap(deno.UnsafePointer.create(address), BigInt(length))),
  };
  const toMapping = (pointer: Pointer, length: number): Mapping | SysResult => {
    const address = pointer === null ? 0n : deno.UnsafePointer.value(pointer);
    return address === 0n || address === MAP_FAILED ? -errno() : new ForeignMapping(address, length, memory);
  };
  const KVM_RUN_REQUEST = BigInt(KVM_RUN);
  // Written out per binding, not shared with the other FFI bindings: a wrapper shared by bindings
  // measured in one process sees several callees, and V8 then calls through it polymorphically.
  return {
    name: 'deno-ffi',
    description: 'Deno.dlopen (V8 fast calls), fixed prototypes: u64 ioctls as BigInt, pointer ioctls apart',
    version: `Deno.dlopen, Deno ${deno.version.deno}, V8 ${deno.version.v8}`,
    open: (path) => result((f.open as (p: Uint8Array, flags: number) => number)(cString(path), O_RDWR_CLOEXEC)),
    close: (fd) => result((f.close as (fd: number) => number)(fd)),
    ioctl(fd, request, arg) {
      const ret = ioctlInteger(fd, BigInt(request), BigInt(arg));
      return ret === -1 ? -errno() : ret;
    },
    ioctlBuffer(fd, request, buffer) {
      const ret = ioctlPointer(fd, BigInt(request), buffer);
      return ret === -1 ? -errno() : ret;
    },
    write(address, offset, bytes) {
      memcpy(deno.UnsafePointer.create(address + BigInt(offset)), bytes, BigInt(bytes.length));
    },
    mapFile: (fd, length) => toMapping(mmap(null, BigInt(length), PROT_READ_WRITE, MAP_SHARED, fd, 0n), length),
    mapAnonymous: (length) =>
      toMapping(mmap(null, BigInt(length), PROT_READ_WRITE, MAP_ANONYMOUS_FLAGS, -1, 0n), length),
    unmap: ForeignMapping.unmap,
    runner(fd) {
      return () => {
        const ret = ioctlInteger(fd, KVM_RUN_REQUEST, 0n);
        return ret === -1 ? -errno() : ret;
      };
    },
  };
}
