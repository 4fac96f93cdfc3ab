/**
 * Run folders: a new one per run under the output directory, never reusing an earlier one, and
 * files written atomically (temporary file, then rename) so a crash never leaves half a file.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { ExportedFile } from './exporter.js';

/**
 * mkdir -p. Not mkdirSync's recursive mode: that retries forever where mkdir fails with ENOENT under
 * a parent that exists (/proc, some FUSE mounts), which hung `--out /proc/x`.
 */
export function makeDirectories(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || existsSync(parent)) throw error;
    makeDirectories(parent);
    mkdirSync(path);
  }
}

/** Checks the output directory is usable (creating it if missing) before any measuring starts. */
export function prepareOutputDirectory(dir: string): string {
  const path = resolve(dir);
  let stats: ReturnType<typeof statSync> | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (stats && !stats.isDirectory()) throw new UsageError(`--out ${dir} is a file, not a directory: name a directory`);
  try {
    if (!stats) makeDirectories(path);
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `--out ${dir} is not writable (${(error as NodeJS.ErrnoException).code}): choose another directory`,
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

export function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content, { flag: 'wx' });
  renameSync(temporary, path);
}

export function writeRunFiles(folder: string, files: ExportedFile[]): string[] {
  return files.map((file) => {
    const path = join(folder, file.name);
    writeAtomically(path, file.content);
    return path;
  });
}

/** Removes a run folder that nothing was written to (the run failed before measuring). */
export function removeIfEmpty(folder: string): void {
  try {
    if (readdirSync(folder).length === 0) rmdirSync(folder);
  } catch {
    // Leave it: a folder we cannot list or remove is better kept than guessed at.
  }
}
