/** Bindings by name, each created on first use and then shared. */

import { UsageError } from '../errors.js';
import { createBunFfiBinding } from './bun-ffi.js';
import { createCLoopBinding } from './c-loop.js';
import { createDenoFfiBinding } from './deno-ffi.js';
import { createKoffiFixedBinding, createKoffiVariadicBinding } from './koffi.js';
import { createNapiBinding } from './napi.js';
import { createNodeFfiBinding } from './node-ffi.js';
import { BINDING_NAMES, type Binding, type BindingName } from './types.js';

const factories: Record<BindingName, () => Binding> = {
  'c-loop': createCLoopBinding,
  napi: () => createNapiBinding(),
  koffi: createKoffiFixedBinding,
  'koffi-variadic': createKoffiVariadicBinding,
  'node-ffi': createNodeFfiBinding,
  'bun-ffi': createBunFfiBinding,
  'deno-ffi': createDenoFfiBinding,
};

const cache = new Map<BindingName, Binding>();

export function isBindingName(name: string): name is BindingName {
  return (BINDING_NAMES as readonly string[]).includes(name);
}

export function getBinding(name: string): Binding {
  if (!isBindingName(name)) {
    throw new UsageError(`unknown binding '${name}': choose one of ${BINDING_NAMES.join(', ')}`);
  }
  let binding = cache.get(name);
  if (!binding) {
    binding = factories[name]();
    cache.set(name, binding);
  }
  return binding;
}
