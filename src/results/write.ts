/**
 * The one atomic file writer: content goes to a temporary file beside the target, then is moved
 * into place, so a reader never sees half a file. A failed write leaves no temporary file behind
 * and throws a WriteError naming the file, the cause and a fix.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { resourceHint } from '../util/resource-hints.js';

/** Writing a file failed; `code` is the errno name (EEXIST when the file appeared and may not be replaced). */
export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    readonly path: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Write failures that the path itself explains (no such folder, not writable, read-only, a folder in
 * the way, already there): bad input, exit 2. Others (a full disk, a quota, a limit, an I/O error)
 * are faults of the moment: exit 1, in every command.
 */
export const PATH_PROBLEMS: ReadonlySet<string> = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EACCES',
  'EPERM',
  'EROFS',
  'EEXIST',
]);

/** What went wrong writing `path`, and what to do about it. */
export function describeWriteFailure(path: string, error: unknown): WriteError {
  const { code = 'EIO', errno } = error as NodeJS.ErrnoException;
  const dir = dirname(path);
  const fixes: Record<string, string> = {
    ENOSPC: `the filesystem of ${dir} is full: free space there or write somewhere else`,
    EDQUOT: `your disk quota on the filesystem of ${dir} is used up: free space there or write somewhere else`,
    EFBIG: 'the file is larger than this process may write (ulimit -f): raise it with `ulimit -f unlimited`',
    EACCES: `${dir} is not writable for this user: choose another directory`,
    EPERM: `${dir} is not writable for this user: choose another directory`,
    EROFS: `${dir} is on a read-only filesystem: choose another directory`,
    ENOENT: `${dir} no longer exists (removed while kvmbench ran?): choose a directory that stays`,
    EISDIR: `${path} is a directory: remove it or choose another name`,
  };
  const hint = (errno === undefined ? undefined : resourceHint(errno)) ?? fixes[code];
  const reason = (error as Error).message?.replace(/^[A-Z]+: /, '').replace(/, \w+( '.*')?$/, '') || code;
  return new WriteError(
    path,
    code,
    `cannot write ${path}: ${code === reason ? code : `${code} (${reason})`}${hint ? `: ${hint}` : ''}`,
  );
}

export interface WriteOptions {
  /** Replace an existing file (default). Otherwise a file that exists, even one appearing meanwhile, fails with EEXIST. */
  replace?: boolean;
}

export function writeFileAtomically(path: string, content: string | Uint8Array, options: WriteOptions = {}): void {
  const replace = options.replace ?? true;
  // Unique per process and call: a temporary file left by a killed run (same pid in a container) never collides.
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, content, { flag: 'wx' });
    moveIntoPlace(temporary, path, replace);
  } catch (error) {
    if (error instanceof WriteError) throw error;
    throw describeWriteFailure(path, error);
  } finally {
    // Whatever happened, the partial or linked temporary file goes (ENOSPC left 1 MiB of it before).
    rmSync(temporary, { force: true });
  }
}

function moveIntoPlace(temporary: string, path: string, replace: boolean): void {
  const exists = () => new WriteError(path, 'EEXIST', `${path}: the file exists`);
  if (replace) {
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

/** Several files written independently: what fits is written, every failure is named. */
export class WriteFilesError extends Error {
  override name = 'WriteFilesError';
  constructor(
    readonly written: string[],
    readonly failures: WriteError[],
  ) {
    super(
      `${failures.length === 1 ? 'a file was' : `${failures.length} files were`} not written (${written.length} written):\n` +
        failures.map((failure) => `  ${failure.message}`).join('\n'),
    );
  }
}

/** Writes each file; throws a WriteFilesError after trying them all if any failed. Returns the paths written. */
export function writeFilesAtomically(files: ReadonlyArray<{ path: string; content: string | Uint8Array }>): string[] {
  const written: string[] = [];
  const failures: WriteError[] = [];
  for (const file of files) {
    try {
      writeFileAtomically(file.path, file.content);
      written.push(file.path);
    } catch (error) {
      failures.push(error instanceof WriteError ? error : describeWriteFailure(file.path, error));
    }
  }
  if (failures.length > 0) throw new WriteFilesError(written, failures);
  return written;
}
