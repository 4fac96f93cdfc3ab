/**
 * Writing export files so that a reader (a CI step uploading them) never sees half a file, and an
 * existing file is only replaced when asked to.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

/** Fails early, before any work, when `path` exists and may not be replaced. */
export function checkExportTarget(path: string, option: string, force: boolean): void {
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
 * Writes `content` to a temporary file beside `path`, then moves it into place: rename (replacing)
 * with `force`, otherwise a hard link, which fails atomically when `path` appeared in the meantime.
 */
export function writeFileAtomically(path: string, content: string, option: string, force: boolean): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, content, { flag: 'wx' });
  } catch (error) {
    throw new UsageError(`${option} ${path}: cannot write there (${(error as Error).message})`);
  }
  try {
    moveIntoPlace(temporary, path, option, force);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${option} ${path}: cannot write there (${(error as Error).message})`);
  } finally {
    rmSync(temporary, { force: true });
  }
}

function moveIntoPlace(temporary: string, path: string, option: string, force: boolean): void {
  const exists = (): UsageError => new UsageError(`${option} ${path}: the file exists; pass --force to replace it`);
  if (force) {
    renameSync(temporary, path);
    return;
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
    // Filesystems without hard links: check, then rename (a narrow race instead of none).
    if (existsSync(path)) throw exists();
    renameSync(temporary, path);
  }
}
