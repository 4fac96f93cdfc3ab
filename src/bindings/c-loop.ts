/**
 * `c-loop`: the floor. Setup goes through the addon like `napi`, but the measured loops run and check
 * every exit in C (src/native/c_loop.c), so no JS runs between two KVM_RUNs.
 */
import { loadAddon } from './addon.js';
import { createNapiBinding } from './napi.js';
import type { Binding } from './types.js';

export function createCLoopBinding(): Binding {
  return createNapiBinding(
    'c-loop',
    'C loop in the addon: N KVM_RUNs checked in C, the floor for every JS path',
    loadAddon(),
  );
}
