/** Which KVM tracepoints fire here, counted over a short guest run in a private tracefs instance. */
import { runExitLoop } from '../bench/exit-loops.js';
import type { Binding } from '../bindings/types.js';
import { bootGuest } from '../guests/boot.js';
import { loadGuest } from '../guests/manifest.js';
import type { Kvm } from '../kvm/system.js';
import { parseTrace } from '../trace/ftrace-parse.js';
import { countEvents, eventExists, KVM_TRACEPOINTS, TraceInstance } from '../trace/tracefs.js';

/**
 * The pid the kernel, and so every trace line, knows this process by: the pid on its own trace marker.
 * It differs from process.pid in a pid namespace (a container without --pid host).
 */
export function kernelPid(instance: TraceInstance): number | undefined {
  instance.start();
  instance.mark('kvmbench pid probe');
  instance.stop();
  const marker = parseTrace(instance.read()).find((event) => event.name === 'tracing_mark_write');
  instance.clear();
  return marker?.pid;
}

/** Runs a few hundred PIO and MMIO exits while the KVM tracepoints record into a private instance. */
export function countFiringTracepoints(
  root: string,
  binding: Binding,
  kvm: Kvm,
): { fired: Map<string, number>; kernelPid: number | undefined } {
  const instance = TraceInstance.create(root, 'doctor');
  try {
    instance.setBufferSizeKb(1024);
    const pid = kernelPid(instance);
    const filter = `common_pid == ${pid ?? process.pid}`;
    for (const event of KVM_TRACEPOINTS) {
      if (!eventExists(root, event)) continue;
      // Syscall tracepoints carry the pid; KVM's fire in the vCPU thread, which is this one.
      instance.enable(event, filter);
    }
    instance.start();
    for (const name of ['pio-out', 'mmio-write']) {
      const booted = bootGuest(binding, loadGuest(name), kvm);
      try {
        runExitLoop(binding, { kind: 'exits', guest: booted.guest, vcpu: booted.vcpu }, 200, { sequence: 0 });
      } finally {
        booted.close();
      }
    }
    instance.stop();
    return { fired: countEvents(instance.read()), kernelPid: pid };
  } finally {
    instance.remove();
  }
}
