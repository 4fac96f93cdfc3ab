/**
 * Run folders: a new one per run under the output directory, never reusing an earlier one, and
 * files written with the project's one atomic writer (src/results/write.ts).
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFilesAtomically } from '../results/write.js';

/**
 * mkdir -p. Not mkdirSync's recursive mode: that retries forever where mkdir fails with ENOENT under
 * a parent that exists (/proc, some FUSE mounts), which hung `--out /proc/x`. Safe against other
 * runs making the same folders at the same time: someone else's EEXIST is success.
 */
export function makeDirectories(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    // The parent may have been made by a concurrent run since our mkdir: only recurse when it is
    // still missing, and retry once either way. A second ENOENT (as under /proc) is final.
    if (!existsSync(parent)) makeDirectories(parent);
    try {
      mkdirSync(path);
    } catch (retry) {
      if ((retry as NodeJS.ErrnoException).code !== 'EEXIST') throw retry;
    }
  }
}

/** Checks the output directory is usable (creating it if missing) before any measuring starts. */
/**
 * Checks that `dir` can receive a run without creating anything: an existing writable directory, or
 * a path whose nearest existing ancestor is one. A command checks this first and creates the folder
 * (prepareOutputDirectory) only once it has something to write: a run that fails (no KVM, no tracefs)
 * or is stopped twice leaves no folder behind.
 */
export function checkOutputDirectory(dir: string, option = '--out'): string {
  if (dir.trim() === '') throw new UsageError(`${option} needs a directory: give one, such as ${option} results`);
  const path = resolve(dir);
  let existing = path;
  for (;;) {
    let stats: ReturnType<typeof statSync> | undefined;
    try {
      stats = statSync(existing);
    } catch {
      stats = undefined;
    }
    if (stats) {
      if (!stats.isDirectory()) {
        throw new UsageError(
          existing === path
            ? `${option} ${dir} is a file, not a directory: name a directory`
            : `${option} ${dir}: ${existing} is a file, so no directory can be made under it: choose another directory`,
        );
      }
      try {
        accessSync(existing, constants.W_OK | constants.X_OK);
        // Some filesystems refuse new directories whatever the mode says (/proc: ENOENT): a probe
        // made and removed at once tells, where the path is still to be made.
        if (existing !== path) rmdirSync(mkdtempSync(join(existing, '.kvmbench-probe-')));
      } catch (error) {
        throw new UsageError(
          `${option} ${dir} is not writable (${(error as NodeJS.ErrnoException).code}${existing === path ? '' : ` at ${existing}`}): choose another directory`,
        );
      }
      return path;
    }
    const parent = dirname(existing);
    if (parent === existing) return path;
    existing = parent;
  }
}

export function prepareOutputDirectory(dir: string, option = '--out'): string {
  if (dir.trim() === '') throw new UsageError(`${option} needs a directory: give one, such as ${option} results`);
  const path = resolve(dir);
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (stats && !stats.isDirectory())
    throw new UsageError(`${option} ${dir} is a file, not a directory: name a directory`);
  try {
    if (!stats) makeDirectories(path);
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `${option} ${dir} is not writable (${(error as NodeJS.ErrnoException).code}): choose another directory`,
    );
  }
  return path;
}

/** Creates <parent>/<runId>, adding a suffix if that name exists: an earlier run is never touched. */
export function createRunFolder(parent: string, runId: string): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const path = join(parent, attempt === 0 ? runId : `${runId}-${attempt}`);
    try {
      mkdirSync(path);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`could not create a new run folder in ${parent}`);
}

/**
 * Writes the exported files into the run folder, each on its own: what fits is written even when
 * another fails (full disk, fd limit), then a WriteFilesError names every file not written.
 */
export function writeRunFiles(
  folder: string,
  files: ReadonlyArray<{ name: string; content: string | Uint8Array }>,
): string[] {
  // Subfolders (trace/) are made here: the files arrive as data, the run folder is written in one place.
  for (const sub of new Set(files.map((file) => dirname(file.name)).filter((dir) => dir !== '.'))) {
    makeDirectories(join(folder, sub));
  }
  return writeFilesAtomically(files.map((file) => ({ path: join(folder, file.name), content: file.content })));
}

/** Removes a run folder that nothing was written to (the run failed before measuring). */
export function removeIfEmpty(folder: string): void {
  try {
    if (readdirSync(folder).length === 0) rmdirSync(folder);
  } catch {
    // Leave it: a folder we cannot list or remove is better kept than guessed at.
  }
}
