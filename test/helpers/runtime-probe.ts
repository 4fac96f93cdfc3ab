/**
 * Run as a script in each runtime (node, node26, bun, deno): every binding this runtime runs drives
 * real guests, and one wrong exit must fail its cell. Prints one JSON line:
 * { runtime, bindings: { name: { iterations, brokenError } } } (iterations.irqfd only where KVM has an
 * in-kernel irqchip and irqfd). Spawned by test/runtimes.test.ts.
 */
import { openCellRunner } from '../../src/bench/cell.js';
import { missingIrqFdCapabilities } from '../../src/bench/irqfd.js';
import { hereCell } from '../../src/bench/plan.js';
import { workloadCatalogue } from '../../src/bench/workloads.js';
import { getBinding } from '../../src/bindings/registry.js';
import { loadGuest } from '../../src/guests/manifest.js';
import { Kvm } from '../../src/kvm/system.js';
import { bindingsOf } from '../../src/runtimes/bindings.js';
import { currentRuntime } from '../../src/util/runtime.js';

const runtime = currentRuntime();
const catalogue = workloadCatalogue();
const workload = (name: string) => {
  const found = catalogue.find((w) => w.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
};
const report: Record<string, { iterations: Record<string, number>; brokenError?: string; error?: string }> = {};
for (const name of bindingsOf(runtime)) {
  const binding = getBinding(name);
  const kvm = Kvm.open(binding);
  const iterations: Record<string, number> = {};
  try {
    // Each exit kind through the binding's own loop, every exit checked, 200 round trips each.
    for (const [index, kind] of ['pio-out', 'pio-in', 'mmio-write', 'mmio-read', 'hlt', 'null-ioctl'].entries()) {
      const w = workload(kind);
      const guest = w.guest === '' ? undefined : loadGuest(w.guest);
      const runner = openCellRunner(hereCell({ index, workload: w, binding: name, guest }), binding, kvm);
      try {
        runner.run(200);
        iterations[kind] = runner.iterations;
      } finally {
        runner.close();
      }
    }
    // An interrupt through an irqfd, where this KVM has an in-kernel irqchip: every delivery checked.
    const irqfd = workload('irqfd');
    if (missingIrqFdCapabilities(kvm).length === 0) {
      const runner = openCellRunner(
        hereCell({ index: 8, workload: irqfd, binding: name, guest: loadGuest(irqfd.guest) }),
        binding,
        kvm,
      );
      try {
        runner.run(200);
        iterations.irqfd = runner.iterations;
      } finally {
        runner.close();
      }
    }
    // rbx=5: the guest expects 5 first, the host supplies 0, so the guest reports a mismatch.
    const broken = openCellRunner(
      hereCell({ index: 9, workload: workload('pio-in'), binding: name, guest: loadGuest('pio-in', { rbx: 5n }) }),
      binding,
      kvm,
    );
    let brokenError: string | undefined;
    try {
      broken.run(50);
    } catch (error) {
      brokenError = (error as Error).message;
    } finally {
      broken.close();
    }
    report[name] = { iterations, ...(brokenError ? { brokenError } : {}) };
  } catch (error) {
    report[name] = { iterations, error: (error as Error).message };
  } finally {
    kvm.close();
  }
}
process.stdout.write(`${JSON.stringify({ runtime, bindings: report })}\n`);
