/** Loads the N-API addon built by node-gyp (src/native), with a clear error when it is missing. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { NativeLoops } from './types.js';

export interface Addon extends NativeLoops {
  open(path: string): number;
  close(fd: number): number;
  ioctl(fd: number, request: number, arg: number): number;
  ioctlBuffer(fd: number, request: number, buffer: Uint8Array): number;
  mmapFile(fd: number, length: number): bigint | number;
  mmapAnonymous(length: number): bigint | number;
  /** Detaches view (when given) before unmapping, in the same native call. */
  munmap(address: bigint, length: number, view?: ArrayBuffer): number;
  write(address: bigint, offset: number, bytes: Uint8Array): void;
  view(address: bigint, length: number): ArrayBuffer;
  runner(fd: number): () => number;
  /** The TSC's ticks per second, counted against CLOCK_MONOTONIC_RAW over about `ms`; NaN without a TSC. */
  tscHz(ms: number): number;
}

// dist/src/bindings/addon.js -> <root>/src/native/build/Release/kvmbench.node
export const ADDON_PATH = fileURLToPath(new URL('../../../src/native/build/Release/kvmbench.node', import.meta.url));

let loaded: Addon | undefined;

export function loadAddon(): Addon {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch (error) {
    throw new Error(
      `the N-API addon is not built (${ADDON_PATH}): run \`npm run build:native\` (needs gcc, make, python3). ${
        (error as Error).message
      }`,
    );
  }
  return loaded;
}
