/**
 * `napi`: system calls through a plain-C N-API addon; KVM_RUN is a zero-argument function bound to its
 * vCPU. Views over mapped memory come from V8's ArrayBuffer API (see Views in addon.ts).
 */
import { type Addon, loadAddon, loadViews, type Views } from './addon.js';
import type { Binding, BindingName, Mapping, NativeLoops, SysResult } from './types.js';

const EMPTY = new ArrayBuffer(0);

/** A mapping whose ArrayBuffer is made on first use and detached (if made) before munmap. */
class NapiMapping implements Mapping {
  #buffer: ArrayBuffer | undefined;

  constructor(
    readonly address: bigint,
    readonly length: number,
    readonly addon: Addon,
    readonly views: Views,
  ) {}

  get buffer(): ArrayBuffer {
    if (this.#buffer === undefined) this.#buffer = this.views.view(this.address, this.length);
    return this.#buffer;
  }

  /**
   * The binding's unmap, static so it reaches #buffer without a second call. Detaching makes stale
   * views read nothing instead of unmapped memory; it happens in the same native call as the munmap,
   * and with no view made there is nothing to detach.
   */
  static unmap(mapping: Mapping): SysResult {
    if (!(#buffer in mapping)) throw new TypeError('napi: unmap takes a mapping made by mapFile or mapAnonymous');
    // A second unmap does nothing: the address may belong to another mapping by then, and the
    // shared empty buffer must never reach a detach.
    if (mapping.#buffer === EMPTY) return 0;
    const view = mapping.#buffer;
    mapping.#buffer = EMPTY;
    return view === undefined
      ? mapping.addon.munmap(mapping.address, mapping.length)
      : mapping.views.munmap(mapping.address, mapping.length, view);
  }
}

function toMapping(addon: Addon, views: Views, result: bigint | number, length: number): Mapping | SysResult {
  if (typeof result === 'number') return result;
  return new NapiMapping(result, length, addon, views);
}

export function createNapiBinding(
  name: BindingName = 'napi',
  description = "N-API addon in C: one native call per ioctl, KVM_RUN bound to its vCPU; views over mapped memory through V8's ArrayBuffer API",
  native?: NativeLoops,
): Binding {
  const addon = loadAddon();
  const views = loadViews();
  // A runner captures nothing but its fd, so one per fd number serves every vCPU that gets that number
  // (the kernel reuses the lowest free fd, VM after VM): creating an N-API function costs microseconds.
  const runners: (() => SysResult)[] = [];
  return {
    name,
    description,
    version: `node-api ${process.versions.napi}, views: ${views.kind}`,
    native,
    // The addon's own functions, not wrappers: one call per system call, nothing in between.
    open: addon.open,
    close: addon.close,
    ioctl: addon.ioctl,
    ioctlBuffer: addon.ioctlBuffer,
    write: addon.write,
    mapFile: (fd, length) => toMapping(addon, views, addon.mmapFile(fd, length), length),
    mapAnonymous: (length) => toMapping(addon, views, addon.mmapAnonymous(length), length),
    unmap: NapiMapping.unmap,
    runner(fd) {
      let run = runners[fd];
      if (run === undefined) {
        run = addon.runner(fd);
        runners[fd] = run;
      }
      return run;
    },
  };
}
