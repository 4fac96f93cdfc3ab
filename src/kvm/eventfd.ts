/**
 * EventFd: an eventfd(2) a VMM hands to KVM_IOEVENTFD or KVM_IRQFD. Each guest write KVM completes in
 * the kernel adds 1 to its counter; a read returns the count since the last read and sets it back to
 * 0. A write by the VMM (signal) raises the interrupt of an irqfd. Opened, read and written through
 * the N-API addon for every binding.
 */

import { EAGAIN } from '../abi/kvm.js';
import { loadAddon } from '../bindings/addon.js';
import { ClosedError } from '../errors.js';
import { check } from './check.js';

export class EventFd {
  #fd: number;
  readonly #counter = new Uint8Array(8);
  #signal: (() => number) | undefined;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** A non-blocking, close-on-exec eventfd at 0. */
  static open(): EventFd {
    return new EventFd(check(loadAddon().eventfd(0), 'eventfd'));
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  get fd(): number {
    if (this.#fd < 0) throw new ClosedError('EventFd');
    return this.#fd;
  }

  /** The signals since the last read (0 when none: the counter stays at 0 and read(2) says EAGAIN). */
  take(): number {
    const read = loadAddon().read(this.fd, this.#counter);
    if (read === -EAGAIN) return 0;
    check(read, 'read of an eventfd');
    return Number(new DataView(this.#counter.buffer).getBigUint64(0, true));
  }

  /** Adds 1 to the counter (write(2) of 1): an irqfd's interrupt. */
  signal(): void {
    check(this.signaller()(), 'write of an eventfd');
  }

  /**
   * A zero-argument function that adds 1 and returns 8 or -errno, bound to this fd in the addon like a
   * vCPU's runner: what a measured loop calls. Valid until close (then it fails with EBADF).
   */
  signaller(): () => number {
    if (this.#signal === undefined) this.#signal = loadAddon().eventfdSignaller(this.fd);
    return this.#signal;
  }

  close(): void {
    if (this.#fd < 0) return;
    loadAddon().close(this.#fd);
    this.#fd = -1;
  }
}
