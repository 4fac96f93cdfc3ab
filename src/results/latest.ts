/**
 * The `latest` pointer of a results directory: a symlink <out>/latest -> <run id>, replaced after each
 * run with a rename (atomic: a reader sees the old run or the new one, never none). `kvmbench compare`
 * without arguments compares the run before it with it, as criterion compares with the last run.
 */
import { existsSync, lstatSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { RESULTS_FILE_NAME } from './read.js';

export const LATEST_POINTER = 'latest';

/** Points <outDir>/latest at runFolder (relative, so the directory can move), replacing the previous pointer. */
export function updateLatestPointer(outDir: string, runFolder: string): void {
  const pointer = join(outDir, LATEST_POINTER);
  const target = relative(resolve(outDir), resolve(runFolder)) || '.';
  const temporary = join(outDir, `.${LATEST_POINTER}.${process.pid}.tmp`);
  rmSync(temporary, { force: true });
  symlinkSync(target, temporary);
  try {
    renameSync(temporary, pointer);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new Error(
      `cannot update ${pointer} (${(error as Error).message}): it should be kvmbench's symlink to the last run; ` +
        'move whatever is there away',
    );
  }
}

/** The run folder <outDir>/latest points at; a UsageError saying what to do when there is none. */
export function latestRun(outDir: string): string {
  const pointer = join(outDir, LATEST_POINTER);
  let target: string;
  try {
    if (!lstatSync(pointer).isSymbolicLink()) throw new Error('not a symlink');
    target = readlinkSync(pointer);
  } catch {
    throw new UsageError(
      `${pointer} does not point at a run: run \`kvmbench run --out ${outDir}\` first, or name the runs to compare`,
    );
  }
  const folder = resolve(dirname(pointer), target);
  if (!existsSync(join(folder, RESULTS_FILE_NAME))) {
    throw new UsageError(`${pointer} points at ${folder}, which has no ${RESULTS_FILE_NAME}: name the runs to compare`);
  }
  return folder;
}

/**
 * The run folder before `run` in <outDir>: run ids start with their UTC start time, so name order
 * is time order. A UsageError when `run` is the only one.
 */
export function runBefore(outDir: string, run: string): string {
  const name = basename(run);
  const earlier = readdirSync(outDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name < name && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .filter((entry) => existsSync(join(outDir, entry, RESULTS_FILE_NAME)))
    .sort();
  const previous = earlier.at(-1);
  if (previous === undefined) {
    throw new UsageError(
      `${outDir} has no run before ${name}: run \`kvmbench run --out ${outDir}\` again, or name a baseline`,
    );
  }
  return join(outDir, previous);
}
