/**
 * Turns a binding's "result or -errno" into a value or a SyscallError naming the call. Running out of
 * fds or memory gets its fix whatever the call; other errors get the caller's hint, if any.
 */
import type { Mapping, SysResult } from '../bindings/types.js';
import { SyscallError } from '../errors.js';
import { resourceHint } from '../util/resource-hints.js';

export function check(result: SysResult, operation: string, hint?: string): number {
  if (result < 0) throw new SyscallError(operation, -result, resourceHint(-result) ?? hint);
  return result;
}

export function checkMapping(result: Mapping | SysResult, operation: string, hint?: string): Mapping {
  if (typeof result === 'number') throw new SyscallError(operation, -result, resourceHint(-result) ?? hint);
  return result;
}
