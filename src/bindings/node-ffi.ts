/**
 * `node-ffi`: libc through Node's own FFI (`node:ffi`, Node >= 26; V8 fast-call trampolines on
 * x86-64). A symbol has one signature per library handle, so the pointer form of ioctl comes from a
 * second handle. Signatures take `{ arguments, return }`: `{ parameters, result }` is silently read
 * as a function of no arguments. errno is read through __errno_location's pointer right after a call
 * returns -1 (node:ffi does not save it).
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

interface NodeFfi {
  dlopen(
    path: string,
    symbols: Record<string, { arguments: string[]; return: string }>,
  ): {
    functions: Record<string, (...args: unknown[]) => unknown>;
  };
  getInt32(pointer: bigint): number;
  toArrayBuffer(pointer: bigint, length: number, copy: boolean): ArrayBuffer;
}

/** node:ffi, or a UsageError naming the Node that has it. */
export function loadNodeFfi(): NodeFfi {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const ffi = getBuiltin?.call(process, 'node:ffi') as NodeFfi | undefined;
  if (!ffi || typeof ffi.dlopen !== 'function') {
    throw new UsageError(
      `node-ffi needs node:ffi (Node >= 26); this is Node ${process.versions.node}: measure it with \`kvmbench run --runtimes node26\` (from \`npm run runtimes:install\`), or start kvmbench with Node 26`,
    );
  }
  return ffi;
}

const openLibraries: unknown[] = [];

type Ioctl<A> = (fd: number, request: bigint, arg: A) => number;

export function createNodeFfiBinding(): Binding {
  const ffi = loadNodeFfi();
  const libc = ffi.dlopen('libc.so.6', {
    open: { arguments: ['pointer', 'int32'], return: 'int32' },
    close: { arguments: ['int32'], return: 'int32' },
    ioctl: { arguments: ['int32', 'uint64', 'uint64'], return: 'int32' },
    mmap: { arguments: ['pointer', 'uint64', 'int32', 'int32', 'int32', 'int64'], return: 'pointer' },
    munmap: { arguments: ['pointer', 'uint64'], return: 'int32' },
    memcpy: { arguments: ['pointer', 'pointer', 'uint64'], return: 'pointer' },
    __errno_location: { arguments: [], return: 'pointer' },
  });
  const pointerForm = ffi.dlopen('libc.so.6', {
    ioctl: { arguments: ['int32', 'uint64', 'pointer'], return: 'int32' },
  });
  openLibraries.push(libc, pointerForm); // a handle collected would close the library under its functions
  const f = libc.functions;
  const ioctlInteger = f.ioctl as Ioctl<bigint>;
  const ioctlPointer = pointerForm.functions.ioctl as Ioctl<Uint8Array>;
  const mmap = f.mmap as (
    addr: bigint,
    length: number,
    prot: number,
    flags: number,
    fd: number,
    offset: number,
  ) => bigint;
  const munmap = f.munmap as (addr: bigint, length: number) => number;
  const memcpy = f.memcpy as (dest: bigint, src: Uint8Array, n: number) => bigint;
  // The calling thread's errno lives at one address for the thread's life.
  const errnoAddress = (f.__errno_location as () => bigint)();
  const errno = () => ffi.getInt32(errnoAddress);
  const result = (ret: number): SysResult => (ret === -1 ? -errno() : ret);
  const memory: ForeignMemory = {
    view: (address, length) => ffi.toArrayBuffer(address, length, false),
    unmap: (address, length) => result(munmap(address, length)),
  };
  const toMapping = (address: bigint, length: number): Mapping | SysResult =>
    address === 0n || address === MAP_FAILED ? -errno() : new ForeignMapping(address, length, memory);
  const KVM_RUN_REQUEST = BigInt(KVM_RUN);
  // Written out per binding, not shared with the other FFI bindings: a wrapper shared by bindings
  // measured in one process sees several callees, and V8 then calls through it polymorphically.
  return {
    name: 'node-ffi',
    description: "node:ffi (Node's built-in FFI), fixed prototypes: uint64 ioctls as BigInt, pointer ioctls apart",
    version: `node:ffi, Node ${process.versions.node}, V8 ${process.versions.v8}`,
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
      memcpy(address + BigInt(offset), bytes, bytes.length);
    },
    mapFile: (fd, length) => toMapping(mmap(0n, length, PROT_READ_WRITE, MAP_SHARED, fd, 0), length),
    mapAnonymous: (length) => toMapping(mmap(0n, length, PROT_READ_WRITE, MAP_ANONYMOUS_FLAGS, -1, 0), length),
    unmap: ForeignMapping.unmap,
    runner(fd) {
      return () => {
        const ret = ioctlInteger(fd, KVM_RUN_REQUEST, 0n);
        return ret === -1 ? -errno() : ret;
      };
    },
  };
}
