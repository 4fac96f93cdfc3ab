/**
 * Which bindings each runtime runs. The N-API addon (napi, c-loop) and koffi load in Node, Bun and
 * Deno; each runtime's own FFI only in that runtime (node:ffi from Node 26).
 */
import type { BindingName } from '../bindings/types.js';
import { majorOf, type RuntimeIdentity } from '../util/runtime.js';

const EVERYWHERE: readonly BindingName[] = ['c-loop', 'napi', 'koffi', 'koffi-variadic'];

/** The first Node with node:ffi. */
export const NODE_FFI_MAJOR = 26;

/** The bindings `runtime` can run, the floor first. */
export function bindingsOf(runtime: Pick<RuntimeIdentity, 'kind' | 'version'>): BindingName[] {
  switch (runtime.kind) {
    case 'node':
      return majorOf(runtime.version) >= NODE_FFI_MAJOR ? [...EVERYWHERE, 'node-ffi'] : [...EVERYWHERE];
    case 'bun':
      return [...EVERYWHERE, 'bun-ffi'];
    case 'deno':
      return [...EVERYWHERE, 'deno-ffi'];
  }
}

/** Where a runtime-specific binding runs, for errors that name the fix. */
export const OWN_RUNTIME: Partial<Record<BindingName, string>> = {
  'node-ffi': `Node >= ${NODE_FFI_MAJOR} (--runtimes node26)`,
  'bun-ffi': 'Bun (--runtimes bun)',
  'deno-ffi': 'Deno (--runtimes deno)',
};
