/**
 * Export files named on the command line (compare's --export-*, --html; report's --out): an
 * existing file is only replaced when asked to. Written with the project's one atomic writer.
 */
import { statSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { PATH_PROBLEMS, WriteError, writeFileAtomically as write } from '../results/write.js';

/** Fails early, before any work, when `path` exists and may not be replaced. */
export function checkExportTarget(path: string, option: string, force: boolean): void {
  if (path.trim() === '') throw new UsageError(`${option} needs a file name`);
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    return; // Nothing there yet.
  }
  if (isDirectory) throw new UsageError(`${option} ${path}: that is a folder; give a file name`);
  if (!force) throw new UsageError(`${option} ${path}: the file exists; pass --force to replace it`);
}

/**
 * Writes `content` atomically: replacing `path` with `force`, otherwise failing (atomically, by a
 * hard link) when `path` appeared in the meantime. A path that cannot be used is bad input (exit 2);
 * a full disk or an I/O error is a fault (exit 1), as in every command.
 */
export function writeFileAtomically(path: string, content: string, option: string, force: boolean): void {
  try {
    write(path, content, { replace: force });
  } catch (error) {
    if (!(error instanceof WriteError)) throw error;
    if (error.code === 'EEXIST') throw new UsageError(`${option} ${path}: the file exists; pass --force to replace it`);
    if (PATH_PROBLEMS.has(error.code)) throw new UsageError(`${option} ${path}: cannot write there (${error.message})`);
    throw new Error(`${option} ${path}: ${error.message}`);
  }
}
