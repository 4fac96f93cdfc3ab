/** Whether tests can trace here: tracefs mounted, with writable instances (root). */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { findTracefs } from '../../src/trace/tracefs.js';

/** False when tracefs instances can be made here, else why not (a node:test skip reason). */
export function tracefsSkip(): string | false {
  const root = findTracefs();
  if (!root) return 'tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)';
  try {
    accessSync(join(root, 'instances'), constants.W_OK);
    return false;
  } catch {
    return 'tracefs instances are not writable here (needs root)';
  }
}
