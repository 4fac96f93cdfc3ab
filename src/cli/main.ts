#!/usr/bin/env node
/**
 * The kvmbench executable. Node's module loader opens the command line's ~200 files many at a time,
 * so under a low open-file limit (ulimit -n 64) loading fails with EMFILE before any command runs:
 * this entry reads the limit first (one file) and turns that failure into one line with the fix.
 */
import { readFileSync } from 'node:fs';

function openFileLimit(): string {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('Max open files'));
    return line?.slice('Max open files'.length).trim().split(/\s+/)[0] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Below this many open files a module that "does not exist" most likely could not be opened. */
const LOW_FILE_LIMIT = 256;

const limit = openFileLimit();
const args = process.argv.slice(2);
try {
  // `kvmbench --version` needs no command line at all (commander alone takes ~25 ms to load).
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${(await import('../version.js')).KVMBENCH_VERSION}\n`);
  } else {
    await import('./program.js');
  }
} catch (error) {
  // Out of descriptors, the loader says EMFILE, or (while resolving a package) that a file it could
  // not open does not exist.
  const code = (error as NodeJS.ErrnoException).code;
  const starved = code === 'EMFILE' || (code === 'ERR_MODULE_NOT_FOUND' && Number(limit) < LOW_FILE_LIMIT);
  if (!starved) throw error;
  process.stderr.write(
    `kvmbench: too many open files while starting (EMFILE): the open-file limit is ${limit} (ulimit -n); raise it with \`ulimit -n 65536\` (in Docker: --ulimit nofile=65536)\n`,
  );
  process.exitCode = 1;
}
