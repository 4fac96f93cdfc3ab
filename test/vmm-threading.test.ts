/**
 * The vCPU threading designs (src/vmm/) on real /dev/kvm: the synchronous baseline, a vCPU on a
 * worker, on a C thread in the addon, and KVM_RUN on the libuv thread pool through koffi. Each takes 300 pio-out exits with every
 * exit checked, fails clearly on a wrong data byte with its threads stopped and its KVM fds closed,
 * and never waits unbounded. The handler and the argument checks run without KVM too.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, test } from 'node:test';
import { loadAddon, type VcpuThreadTotals } from '../src/bindings/addon.js';
import { getBinding } from '../src/bindings/registry.js';
import { GuestError, HostError, UsageError } from '../src/errors.js';
import { PioOutHandler } from '../src/vmm/pio-out-handler.js';
import { runPioOut } from '../src/vmm/run.js';
import { perExit, threadedRun, VMM_DESIGNS, type VmmDesign } from '../src/vmm/types.js';
import { kvmSkip } from './helpers/kvm.js';

const ITERATIONS = 300; // more than 256: the guest's byte counter wraps
const TIMEOUT_MS = 60_000; // the sandbox's emulated CPU is slow; a real hang still ends the test

/** The fds this process holds on KVM (/dev/kvm, VMs, vCPUs): a design must leave none behind. */
function kvmFds(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return /kvm/.test(target) ? [`${fd} -> ${target}`] : [];
    } catch {
      return []; // the directory's own fd, gone by now
    }
  });
}

/** Threads of this process named by the addon's vCPU thread: none may outlive its run. */
function vcpuThreads(): string[] {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'kvmbench-vcpu';
    } catch {
      return false; // the thread ended while the list was read
    }
  });
}

describe('PioOutHandler', () => {
  test('accepts the counter from its start, wrapping at 256, and counts what it checked', () => {
    const handler = new PioOutHandler(0xe9, 254);
    for (const data of [254, 255, 0, 1]) assert.equal(handler.out(0xe9, data), undefined);
    assert.equal(handler.checked, 4);
  });

  test('names the exit, the expected and the seen byte and port', () => {
    const handler = new PioOutHandler(0xe9, 5);
    assert.equal(handler.out(0xe9, 0), 'exit 0: expected OUT of 0x05 to port 0x00e9, got 0x00 to port 0x00e9');
    assert.match(handler.out(0xea, 5) ?? '', /got 0x05 to port 0x00ea/);
    assert.equal(handler.checked, 0);
  });

  test('checks the reason, direction, size and count of a whole exit', () => {
    const handler = new PioOutHandler(0xe9);
    assert.match(
      handler.exit(5, 1, 1, 0xe9, 1, 0) ?? '',
      /expected KVM_EXIT_IO out size 1 count 1 .* got exit_reason 5/,
    );
    assert.match(handler.exit(2, 0, 1, 0xe9, 1, 0) ?? '', /direction 0/);
    assert.match(handler.exit(2, 1, 2, 0xe9, 1, 0) ?? '', /size 2/);
    assert.equal(handler.exit(2, 1, 1, 0xe9, 1, 0), undefined);
  });
});

describe('ThreadedRun', () => {
  test('derives exits per wake-up and the per-exit times from the sums', () => {
    const run = threadedRun('c-thread-vcpu', {
      exits: 300,
      checked: 300,
      wakeUps: 4,
      kvmRunNs: 30_000,
      handOffNs: 60_000,
      handlingNs: 3_000,
      elapsedNs: 90_000,
      eintr: 0,
      threadHops: 0,
    });
    assert.equal(run.exitsPerWakeUp, 75);
    assert.deepEqual(perExit(run), { kvmRunNs: 100, handOffNs: 200, handlingNs: 10, elapsedNs: 300 });
    assert.equal(threadedRun('worker-vcpu', { ...run, wakeUps: 0 }).exitsPerWakeUp, 0);
  });
});

describe('runPioOut arguments', () => {
  test('rejects an unknown design and a non-positive iteration count before touching KVM', async () => {
    const napi = getBinding('napi');
    await assert.rejects(runPioOut('fibres' as VmmDesign, napi, 10), UsageError);
    await assert.rejects(runPioOut('worker-vcpu', napi, 0), UsageError);
  });
});

describe('the addon vCPU thread without KVM', () => {
  test('a KVM_RUN that fails stops the thread, wakes JS to hear it, and the join reports why', async () => {
    const addon = loadAddon();
    const fd = openSync('/dev/null', 'r');
    const page = addon.mmapAnonymous(4096);
    assert.equal(typeof page, 'bigint');
    const totals: VcpuThreadTotals[] = [];
    try {
      const data = new Uint8Array(16);
      const ports = new Uint16Array(16);
      const drained = await new Promise<number>((resolve) => {
        const handle = addon.vcpuThreadStart(fd, page as bigint, 0xe9, 10, 16, 1000, () => {
          const n = addon.vcpuThreadDrain(handle, data, ports);
          if (n !== 0) resolve(n);
          if (n < 0) totals.push(addon.vcpuThreadStop(handle));
        });
      });
      assert.equal(drained, -1, 'the thread finished with nothing in the ring');
      assert.deepEqual(vcpuThreads(), [], 'joined by the stop');
      assert.equal(totals[0]?.exits, 0);
      assert.match(totals[0]?.error ?? '', /^exit 0: KVM_RUN failed: /);
    } finally {
      closeSync(fd);
      addon.munmap(page as bigint, 4096);
    }
  });

  test('start checks its arguments', () => {
    const addon = loadAddon();
    assert.throws(() => addon.vcpuThreadStart(0, 0n, 0xe9, 1, 3, 1000, () => {}), /power of two/);
    assert.throws(() => addon.vcpuThreadStart(0, 0n, 0xe9, 1, 4, 0, () => {}), /waitMs >= 1/);
  });
});

const bindingsOf = (design: VmmDesign) =>
  design === 'worker-vcpu' || design === 'sync' ? ['napi', 'koffi'] : ['napi'];

describe('vCPU threading designs on /dev/kvm', { skip: kvmSkip }, () => {
  for (const design of VMM_DESIGNS) {
    for (const bindingName of bindingsOf(design)) {
      test(`${design} (${bindingName}): ${ITERATIONS} exits, every one checked, KVM fds closed`, async () => {
        const before = kvmFds();
        // The event loop must keep turning while the JS thread waits for exits.
        let turns = 0;
        let turning = true;
        const turn = () => {
          turns++;
          if (turning) setImmediate(turn);
        };
        setImmediate(turn);
        const run = await runPioOut(design, getBinding(bindingName), ITERATIONS, { timeoutMs: TIMEOUT_MS });
        turning = false;
        if (design === 'worker-vcpu') assert.ok(turns > 0, 'the main thread waited without blocking its event loop');
        assert.equal(run.design, design);
        assert.equal(run.checked, ITERATIONS);
        assert.equal(run.exits, ITERATIONS);
        assert.ok(run.wakeUps >= 1 && run.wakeUps <= run.exits, `wake-ups ${run.wakeUps}`);
        assert.equal(run.exitsPerWakeUp, run.checked / run.wakeUps);
        assert.ok(run.kvmRunNs > 0 && run.handlingNs > 0, JSON.stringify(run));
        // sync hands nothing over: the thread that took the exit checks it.
        assert.ok(design === 'sync' ? run.handOffNs === 0 : run.handOffNs > 0, JSON.stringify(run));
        assert.ok(run.elapsedNs >= run.kvmRunNs / 2, JSON.stringify(run)); // KVM_RUN lies inside the run
        if (design === 'koffi-async') assert.match(run.antiPattern ?? '', /on another thread .* KVM swaps vcpu->pid/);
        else assert.equal(run.antiPattern, undefined);
        if (design !== 'koffi-async') assert.equal(run.threadHops, 0);
        if (design === 'c-thread-vcpu') assert.ok((run.ringFullWaits ?? -1) >= 0);
        assert.deepEqual(kvmFds(), before);
        assert.deepEqual(vcpuThreads(), []);
      });
    }

    if (design === 'c-thread-vcpu') {
      test('c-thread-vcpu: 20 000 exits through a ring of 256, every one checked, no wake-up lost', async () => {
        const run = await runPioOut(design, getBinding('napi'), 20_000, { timeoutMs: TIMEOUT_MS });
        assert.equal(run.checked, 20_000);
        assert.equal(run.exits, 20_000);
        assert.ok(run.wakeUps >= 1 && run.wakeUps <= 20_000, `wake-ups ${run.wakeUps}`);
        assert.deepEqual(vcpuThreads(), []);
      });
    }

    test(`${design}: a wrong data byte fails with the exit and the bytes, threads stopped, KVM fds closed`, async () => {
      const before = kvmFds();
      await assert.rejects(
        runPioOut(design, getBinding('napi'), ITERATIONS, { expectedStart: 5, timeoutMs: TIMEOUT_MS }),
        (error: Error) => {
          assert.ok(error instanceof GuestError, `${error.name}: ${error.message}`);
          assert.match(
            error.message,
            new RegExp(`\\(${design}\\): exit 0: expected OUT of 0x05 to port 0x00e9, got 0x00`),
          );
          return true;
        },
      );
      assert.deepEqual(kvmFds(), before);
      assert.deepEqual(vcpuThreads(), [], 'the C vCPU thread is joined');
    });

    test(`${design}: a timeout too short to boot or hand over ends the run, bounded, and cleans up`, async () => {
      const before = kvmFds();
      const started = performance.now();
      try {
        const run = await runPioOut(design, getBinding('napi'), ITERATIONS, { timeoutMs: 1 });
        assert.equal(run.checked, ITERATIONS); // a fast host may finish within the bound
      } catch (error) {
        assert.ok(error instanceof HostError, `${(error as Error).name}: ${(error as Error).message}`);
        assert.match((error as Error).message, /within 1 ms|for 1 ms/);
      }
      assert.ok(performance.now() - started < TIMEOUT_MS, 'the stop is bounded');
      assert.deepEqual(kvmFds(), before);
      assert.deepEqual(vcpuThreads(), []);
    });
  }
});
