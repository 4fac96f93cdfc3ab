/** The error kinds kvmbench tells apart; the CLI maps each to a message and an exit code. */
import { getSystemErrorMessage, getSystemErrorName } from './util/errno.js';
import { resourceHint } from './util/resource-hints.js';

/** Bad input from the user (names, numbers, paths, files): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A system call failed. Carries the call, errno and, where one is known, how to fix it: running out
 * of fds or memory gets its fix whatever the call; other errors get the caller's hint, if any.
 */
export class SyscallError extends Error {
  override name = 'SyscallError';
  readonly code: string;
  readonly hint: string | undefined;
  /** What failed, without the hint: "KVM_CREATE_VM failed: EMFILE (Too many open files)". */
  readonly summary: string;
  constructor(
    readonly operation: string,
    readonly errno: number,
    callerHint?: string,
  ) {
    const code = getSystemErrorName(errno);
    const hint = resourceHint(errno) ?? callerHint;
    const summary = `${operation} failed: ${code} (${getSystemErrorMessage(errno)})`;
    super(`${summary}${hint ? `. ${hint}` : ''}`);
    this.code = code;
    this.summary = summary;
    this.hint = hint;
  }
}

/** The host cannot do what was asked (no KVM, no tracefs, no perf): the message says how to fix it. */
export class HostError extends Error {
  override name = 'HostError';
}

/** The guest did something the harness did not expect: a wrong exit, wrong data, a fault. */
export class GuestError extends Error {
  override name = 'GuestError';
}

/** A Kvm, Vm or Vcpu was used after close(). */
export class ClosedError extends Error {
  override name = 'ClosedError';
  constructor(what: string) {
    super(`${what} is closed: create a new one instead of reusing it after close()`);
  }
}
