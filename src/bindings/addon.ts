/** Loads the native addons built by node-gyp (src/native), with a clear error when one is missing or stale. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentRuntime } from '../util/runtime.js';
import type { NativeLoops } from './types.js';

export interface Addon extends NativeLoops {
  open(path: string): number;
  close(fd: number): number;
  ioctl(fd: number, request: number, arg: number): number;
  ioctlBuffer(fd: number, request: number, buffer: Uint8Array): number;
  mmapFile(fd: number, length: number): bigint | number;
  mmapAnonymous(length: number): bigint | number;
  /** A mapping with a view is unmapped by Views.munmap, which detaches it first. */
  munmap(address: bigint, length: number): number;
  write(address: bigint, offset: number, bytes: Uint8Array): void;
  runner(fd: number): () => number;
  /** pread(2) into bytes at position: bytes read or -errno. */
  pread(fd: number, bytes: Uint8Array, position: number): number;
  /** N-API's external ArrayBuffer over mapped memory (the views of runtimes views.cc was not built for). */
  view(address: bigint, length: number): ArrayBuffer;
  /** Detaches a view() of the mapping, then unmaps; 0 or -errno. */
  munmapView(address: bigint, length: number, view: ArrayBuffer): number;
  /** eventfd(2), non-blocking and close-on-exec: fd or -errno. */
  eventfd(initval: number): number;
  /** read(2) into bytes: bytes read or -errno. */
  read(fd: number, bytes: Uint8Array): number;
  /** A zero-argument function bound to an eventfd that adds 1 to it: 8 (bytes written) or -errno. */
  eventfdSignaller(fd: number): () => number;
  /**
   * KVM_RUN that gives up after ms (a timer signal to this thread ends a vCPU asleep in an in-kernel
   * HLT): 0, -errno, or -ETIMEDOUT. Set-up and probes only, never a measured loop.
   */
  kvmRunWithin(vcpuFd: number, ms: number): number;
  /**
   * An irqfd timed by the guest (src/native/irqfd_wake.c): wake.length deliveries to the irq-pic-tsc
   * guest, each writing wake[i] (host TSC before the eventfd write to the handler's TSC, on the host's
   * clock) and round[i] (to after the handler's exit), in TSC cycles. guestTsc: the 8 bytes of guest
   * memory the handler stores its RDTSC in; tscOffset: KVM_VCPU_TSC_OFFSET.
   */
  irqfdWake(
    vcpuFd: number,
    runAddress: bigint,
    eventFd: number,
    port: number,
    sequence: number,
    guestTsc: Uint8Array,
    tscOffset: bigint,
    wake: Float64Array,
    round: Float64Array,
  ): { completed: number; sequence: number; eintr: number; error?: string };
  /** The TSC's ticks per second, counted against CLOCK_MONOTONIC_RAW over about `ms`; NaN without a TSC. */
  tscHz(ms: number): number;
  /**
   * A vCPU on a C thread (src/native/vcpu_thread.c): runs `iterations` KVM_RUNs, checks each is an OUT
   * of one byte to `port`, pushes (port, data) into a ring of `capacity` (a power of two) and calls
   * onWake on the JS thread when JS is asleep. waitMs bounds a wait for room in the ring and the join.
   */
  vcpuThreadStart(
    fd: number,
    runAddress: bigint,
    port: number,
    iterations: number,
    capacity: number,
    waitMs: number,
    onWake: () => void,
  ): VcpuThreadHandle;
  /** Takes exits from the ring into data/ports: how many (0: the ring was empty, JS sleeps; -1: the thread finished). */
  vcpuThreadDrain(handle: VcpuThreadHandle, data: Uint8Array, ports: Uint16Array): number;
  /** Stops the thread (if it still runs) and joins it, bounded; throws when it did not stop in time. */
  vcpuThreadStop(handle: VcpuThreadHandle): VcpuThreadTotals;
}

/** The addon's handle on one vCPU thread (an N-API external). */
export type VcpuThreadHandle = { readonly __vcpuThread: unique symbol };

export interface VcpuThreadTotals {
  exits: number;
  /** Calls of onWake that handed over exits. */
  wakeUps: number;
  eintr: number;
  /** Times the thread found the ring full and waited for JS. */
  fullWaits: number;
  kvmRunNs: number;
  /** Summed over the exits drained: from the push to the drain that took it. */
  handOffNs: number;
  /** Why the thread stopped early: a wrong exit, a failed KVM_RUN, a ring JS did not drain. */
  error?: string;
}

/**
 * Views over mapped memory made with V8's own ArrayBuffer API (src/native/views.cc): N-API's external
 * ArrayBuffer is a whole Node Buffer and costs 3x as much. The napi binding's system calls all go
 * through the N-API addon; only its views and their detach-then-munmap come from here.
 */
export interface Views {
  /** How the views are made, for the binding's version. */
  readonly kind: string;
  view(address: bigint, length: number): ArrayBuffer;
  /** Detaches view, then unmaps, in one call; 0 or -errno. */
  munmap(address: bigint, length: number, view: ArrayBuffer): number;
}

// dist/src/bindings/addon.js -> <root>/src/native/build/Release/*.node
export const ADDON_PATH = fileURLToPath(new URL('../../../src/native/build/Release/kvmbench.node', import.meta.url));
export const VIEWS_PATH = fileURLToPath(
  new URL('../../../src/native/build/Release/kvmbench_views.node', import.meta.url),
);

let loaded: Addon | undefined;
let loadedViews: Views | undefined;

export function loadNative<T>(path: string): T {
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch (error) {
    const message = (error as Error).message;
    // A file that is there but does not load was most often built for another Node.js: the views
    // module uses V8's C++ API, so it is tied to the Node it was built with (the N-API addon is not).
    throw new Error(
      existsSync(path)
        ? `the native addon ${basename(path)} does not load in Node.js ${process.version} (built for another version?): run \`npm run build:native\`. ${message}`
        : `the native addon is not built (${path}): run \`npm run build:native\` (needs gcc, g++, make, python3). ${message}`,
    );
  }
}

export function loadAddon(): Addon {
  loaded ??= loadNative<Addon>(ADDON_PATH);
  return loaded;
}

/** The Node module ABI views.cc was built for (node-gyp's config.gypi), undefined if unknown. */
function builtModuleVersion(): string | undefined {
  try {
    const config = readFileSync(join(dirname(VIEWS_PATH), '..', 'config.gypi'), 'utf8');
    return /"node_module_version":\s*(\d+)/.exec(config)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * V8's views in the Node the addon was built for; N-API's external ArrayBuffers elsewhere (another
 * Node ABI, Bun, Deno), where views.cc cannot load: slower to make (once per vCPU), the same to use.
 */
export function loadViews(): Views {
  if (loadedViews) return loadedViews;
  const built = builtModuleVersion();
  if (currentRuntime().kind === 'node' && (built === undefined || built === process.versions.modules)) {
    loadedViews = { kind: `V8 ${process.versions.v8} ArrayBuffer API`, ...loadNative<Omit<Views, 'kind'>>(VIEWS_PATH) };
  } else {
    const addon = loadAddon();
    loadedViews = { kind: 'N-API external ArrayBuffer', view: addon.view, munmap: addon.munmapView };
  }
  return loadedViews;
}
