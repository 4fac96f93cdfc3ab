/**
 * Leak soak: creates and destroys VMs over and over through each binding and reports the open fd
 * count and RSS before, halfway and after. `npm run soak` runs 10,000 cycles per binding; the test
 * suite runs a few hundred and fails on any fd growth. RSS also grows while heaps and allocator
 * pools warm up; a leak keeps growing, so the second half's growth is the number to watch.
 */
import { readdirSync } from 'node:fs';
import { getBinding } from '../bindings/registry.js';
import { bootGuest } from '../guests/boot.js';
import { loadGuest } from '../guests/manifest.js';
import { runToHalt } from '../guests/run-to-halt.js';
import { Kvm } from '../kvm/system.js';

export interface SoakResult {
  binding: string;
  cycles: number;
  fdsBefore: number;
  fdsAfter: number;
  rssBeforeBytes: number;
  /** After cycles/2, so first-half (warm-up) and second-half (leak) growth can be told apart. */
  rssHalfwayBytes: number;
  rssAfterBytes: number;
  seconds: number;
}

const openFds = () => readdirSync('/proc/self/fd').length;

export function soak(bindingName: string, cycles: number): SoakResult {
  const binding = getBinding(bindingName);
  const guest = loadGuest('hello');
  // One warm-up cycle, so lazily created state (the addon, koffi's types) is not counted as a leak.
  const kvm = Kvm.open(binding);
  const warm = bootGuest(binding, guest, kvm);
  runToHalt(guest, warm.vcpu);
  warm.close();
  globalThis.gc?.();
  const fdsBefore = openFds();
  const rssBeforeBytes = process.memoryUsage.rss();
  const started = performance.now();
  let rssHalfwayBytes = rssBeforeBytes;
  for (let i = 0; i < cycles; i++) {
    if (i === Math.floor(cycles / 2)) {
      globalThis.gc?.();
      rssHalfwayBytes = process.memoryUsage.rss();
    }
    const booted = bootGuest(binding, guest, kvm);
    try {
      const run = runToHalt(guest, booted.vcpu);
      if (run.serial !== '4\nHello\n') throw new Error(`cycle ${i}: the guest printed ${JSON.stringify(run.serial)}`);
    } finally {
      booted.close();
    }
  }
  globalThis.gc?.();
  const result = {
    binding: bindingName,
    cycles,
    fdsBefore,
    fdsAfter: openFds(),
    rssBeforeBytes,
    rssHalfwayBytes,
    rssAfterBytes: process.memoryUsage.rss(),
    seconds: (performance.now() - started) / 1000,
  };
  kvm.close();
  return result;
}
