/** Turns a binding's "result or -errno" into a value or a SyscallError naming the call. */
import type { Mapping, SysResult } from '../bindings/types.js';
import { SyscallError } from '../errors.js';

export function check(result: SysResult, operation: string, hint?: string): number {
  if (result < 0) throw new SyscallError(operation, -result, hint);
  return result;
}

export function checkMapping(result: Mapping | SysResult, operation: string, hint?: string): Mapping {
  if (typeof result === 'number') throw new SyscallError(operation, -result, hint);
  return result;
}
