/**
 * KVM_RUN returns EINTR when a signal arrives while it runs (or task work is pending on the thread:
 * on Node 22 an io_uring torn down by spawnSync did it, once per run, with no signal at all). A VMM
 * enters it again. Here a child process signals this one every few milliseconds while every binding
 * runs the lifecycle and an exit loop on real /dev/kvm: no batch may fail (each checks every exit,
 * so an EINTR taken for an exit would throw), and each cell must count the EINTRs it saw.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { openCellRunner } from '../src/bench/cell.js';
import { getBinding } from '../src/bindings/registry.js';
import { Kvm } from '../src/kvm/system.js';
import { everyBindingPlan, kvmSkip } from './helpers/kvm.js';

/** Long enough for a signal to land inside KVM_RUN even in the TCG sandbox, never a hang. */
const DEADLINE_MS = 20_000;

describe('EINTR from KVM_RUN is entered again and counted', { skip: kvmSkip }, () => {
  const ignore = () => {};
  let sender: ReturnType<typeof spawn> | undefined;
  before(() => {
    // A handler, so the signal interrupts KVM_RUN instead of ending the process.
    process.on('SIGUSR2', ignore);
    sender = spawn('sh', ['-c', `while kill -USR2 ${process.pid} 2>/dev/null; do sleep 0.002; done`], {
      stdio: 'ignore',
    });
  });
  after(async () => {
    // The handler goes only once the sender is gone: a SIGUSR2 still on its way would end the process.
    if (sender && sender.exitCode === null && sender.signalCode === null) {
      const exited = once(sender, 'exit');
      sender.kill('SIGKILL');
      await exited;
    }
    process.off('SIGUSR2', ignore);
  });

  const plan = everyBindingPlan(['lifecycle', 'hlt']);
  for (const cell of plan.cells) {
    const batch = cell.workload.name === 'lifecycle' ? 20 : 1000;
    test(`${cell.workload.name} / ${cell.binding}: no failure, every EINTR counted`, () => {
      const binding = getBinding(cell.binding);
      const kvm = Kvm.open(binding);
      const runner = openCellRunner(cell, binding, kvm);
      try {
        const end = performance.now() + DEADLINE_MS;
        let iterations = 0;
        while (runner.eintr === 0 && performance.now() < end) {
          runner.run(batch);
          iterations += batch;
        }
        assert.ok(runner.eintr > 0, `no KVM_RUN was interrupted in ${iterations} iterations`);
      } finally {
        runner.close();
        kvm.close();
      }
    });
  }
});
