/**
 * A mapping made through an FFI (koffi, node:ffi, bun:ffi, Deno.dlopen): its view is made on first
 * use and cannot be detached by these runtimes' APIs, so one made before munmap still reaches the
 * unmapped memory (Vm and Vcpu refuse use after close); one asked for after is empty.
 */
import type { Mapping, SysResult } from './types.js';

const EMPTY = new ArrayBuffer(0);

export interface ForeignMemory {
  /** A zero-copy ArrayBuffer over the bytes. */
  view(address: bigint, length: number): ArrayBuffer;
  /** munmap: 0 or -errno. */
  unmap(address: bigint, length: number): SysResult;
}

export class ForeignMapping implements Mapping {
  #buffer: ArrayBuffer | undefined;

  constructor(
    readonly address: bigint,
    readonly length: number,
    readonly memory: ForeignMemory,
  ) {}

  get buffer(): ArrayBuffer {
    if (this.#buffer === undefined) this.#buffer = this.memory.view(this.address, this.length);
    return this.#buffer;
  }

  /**
   * The binding's unmap, static so it reaches #buffer without a second call. A second unmap of the
   * same mapping does nothing: its address may belong to another mapping by then.
   */
  static unmap(mapping: Mapping): SysResult {
    if (!(#buffer in mapping)) throw new TypeError('unmap takes a mapping made by mapFile or mapAnonymous');
    if (mapping.#buffer === EMPTY) return 0;
    mapping.#buffer = EMPTY;
    return mapping.memory.unmap(mapping.address, mapping.length);
  }
}

export const PROT_READ_WRITE = 0x1 | 0x2;
export const MAP_SHARED = 0x01;
export const MAP_ANONYMOUS_FLAGS = MAP_SHARED | 0x20 | 0x4000; // MAP_ANONYMOUS | MAP_NORESERVE
export const O_RDWR_CLOEXEC = 0o2 | 0o2000000;
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/** A NUL-terminated copy of a path, for FFIs that take a pointer to bytes. */
export const cString = (text: string): Uint8Array => new TextEncoder().encode(`${text}\0`);
