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

const limit = openFileLimit();
try {
  await import('./program.js');
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EMFILE') throw error;
  process.stderr.write(
    `kvmbench: too many open files while starting (EMFILE): the open-file limit is ${limit} (ulimit -n); raise it with \`ulimit -n 65536\` (in Docker: --ulimit nofile=65536)\n`,
  );
  process.exitCode = 1;
}
