/** Loads the native addons built by node-gyp (src/native), with a clear error when one is missing or stale. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  /** The TSC's ticks per second, counted against CLOCK_MONOTONIC_RAW over about `ms`; NaN without a TSC. */
  tscHz(ms: number): number;
}

/**
 * Views over mapped memory made with V8's own ArrayBuffer API (src/native/views.cc): N-API's external
 * ArrayBuffer is a whole Node Buffer and costs 3x as much. The napi binding's system calls all go
 * through the N-API addon; only its views and their detach-then-munmap come from here.
 */
export interface Views {
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

export function loadViews(): Views {
  loadedViews ??= loadNative<Views>(VIEWS_PATH);
  return loadedViews;
}
