/** errno numbers to names and messages, from Node's own table (no native strerror needed). */
import { constants } from 'node:os';
import { getSystemErrorName as nodeErrorName } from 'node:util';

const messages: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EINTR: 'Interrupted system call',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOTTY: 'Inappropriate ioctl for device',
  ENOSPC: 'No space left on device',
  E2BIG: 'Argument list too long',
  EOPNOTSUPP: 'Operation not supported',
};

export function getSystemErrorName(errno: number): string {
  try {
    return nodeErrorName(-Math.abs(errno));
  } catch {
    return `errno ${errno}`;
  }
}

export function getSystemErrorMessage(errno: number): string {
  return messages[getSystemErrorName(errno)] ?? 'system error';
}

export const ERRNO = constants.errno;
