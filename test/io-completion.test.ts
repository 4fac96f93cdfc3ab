/**
 * In-kernel completion of guest writes on real KVM: an ioeventfd or a coalesced zone on the port or
 * address the burst guests write to takes those writes off the userspace path. Each test checks what
 * the guest did (the OUT data that reaches userspace), what the kernel counted (eventfd signals) or
 * queued (every ring entry's address, length and data), and that without them each write exits.
 * Capabilities are probed; a missing one skips its tests with its name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KVM_CAP_COALESCED_MMIO,
  KVM_CAP_COALESCED_PIO,
  KVM_CAP_IOEVENTFD,
  KVM_CAP_IOEVENTFD_NO_LENGTH,
} from '../src/abi/kvm.js';
import { openCellRunner } from '../src/bench/cell.js';
import { IoEventFdCompletion, missingCapabilities, registerCoalesced } from '../src/bench/completion.js';
import { createBatch, runExitLoop } from '../src/bench/exit-loops.js';
import { COMPLETION_WORKLOAD_NAMES, DATAMATCH_VALUE } from '../src/bench/workloads.js';
import { getBinding } from '../src/bindings/registry.js';
import type { Binding } from '../src/bindings/types.js';
import { type BootedGuest, bootGuest } from '../src/guests/boot.js';
import { loadGuest } from '../src/guests/manifest.js';
import { EventFd } from '../src/kvm/eventfd.js';
import type { VcpuExit } from '../src/kvm/exits.js';
import { Kvm } from '../src/kvm/system.js';
import type { Vcpu } from '../src/kvm/vcpu.js';
import { allBindings, everyBindingPlan, kvmSkip } from './helpers/kvm.js';

const WRITES_PER_BURST = 8; // the guests' default K (rsi in guests/manifest.json)
const BURSTS = 40; // 320 writes: the byte counter wraps
const PORT = 0xea;
const ADDRESS = 0x8000;

function capability(binding: Binding, cap: number): number {
  const kvm = Kvm.open(binding);
  try {
    return kvm.checkExtension(cap);
  } finally {
    kvm.close();
  }
}

/** Why a test skips when the capability is absent (false: present). */
const needs = (binding: Binding, cap: number, name: string): string | false =>
  kvmSkip || (capability(binding, cap) > 0 ? false : `this KVM lacks ${name}`);

/** Runs to the next exit and requires it to be the guest's OUT of burst `n` to port 0xe9. */
function expectBurstEnd(vcpu: Vcpu, n: number): void {
  const exit: VcpuExit = vcpu.run();
  assert.equal(exit.kind, 'io-out', `burst ${n}: expected the OUT to 0xe9, got ${exit.kind}`);
  if (exit.kind !== 'io-out') return;
  assert.equal(exit.port, 0xe9, `burst ${n}: a write to 0x${exit.port.toString(16)} reached userspace`);
  assert.equal(exit.data[0], n & 0xff, `burst ${n}: the guest's burst number`);
}

function withGuest(binding: Binding, name: string, body: (booted: BootedGuest) => void): void {
  const booted = bootGuest(binding, loadGuest(name));
  try {
    body(booted);
  } finally {
    booted.close();
  }
}

for (const binding of allBindings()) {
  describe(`${binding.name}: guest writes completed in the kernel`, { skip: kvmSkip }, () => {
    test('without an ioeventfd or a zone, every write of the burst exits to userspace', () => {
      withGuest(binding, 'pio-burst', ({ vcpu }) => {
        for (let i = 0; i < WRITES_PER_BURST; i++) {
          const exit = vcpu.run();
          assert.ok(exit.kind === 'io-out' && exit.port === PORT && exit.data[0] === i, `write ${i} exits`);
        }
        expectBurstEnd(vcpu, 0);
      });
    });

    test('ioeventfd on a port: no write exits, the eventfd counts every one', {
      skip: needs(binding, KVM_CAP_IOEVENTFD, 'KVM_CAP_IOEVENTFD'),
    }, () => {
      withGuest(binding, 'pio-burst', ({ vm, vcpu }) => {
        const eventFd = EventFd.open();
        const spec = { pio: true, address: PORT, length: 1, eventFd } as const;
        try {
          vm.assignIoEventFd(spec);
          for (let n = 0; n < BURSTS; n++) expectBurstEnd(vcpu, n);
          assert.equal(eventFd.take(), BURSTS * WRITES_PER_BURST);
          assert.equal(eventFd.take(), 0, 'a read sets the count back to 0');
          vm.deassignIoEventFd(spec);
          const exit = vcpu.run();
          assert.ok(exit.kind === 'io-out' && exit.port === PORT, 'deassigned: the next write exits again');
        } finally {
          eventFd.close();
        }
      });
    });

    test('ioeventfd with datamatch: only the matching value is completed in the kernel', {
      skip: needs(binding, KVM_CAP_IOEVENTFD, 'KVM_CAP_IOEVENTFD'),
    }, () => {
      withGuest(binding, 'pio-burst', ({ vm, vcpu }) => {
        const eventFd = EventFd.open();
        try {
          vm.assignIoEventFd({ pio: true, address: PORT, length: 1, eventFd, datamatch: 3n });
          const seen: number[] = [];
          for (let i = 0; i < WRITES_PER_BURST - 1; i++) {
            const exit = vcpu.run();
            assert.ok(exit.kind === 'io-out' && exit.port === PORT);
            seen.push(exit.data[0] as number);
          }
          assert.deepEqual(seen, [0, 1, 2, 4, 5, 6, 7]);
          expectBurstEnd(vcpu, 0);
          assert.equal(eventFd.take(), 1);
        } finally {
          eventFd.close();
        }
      });
    });

    test('ioeventfd on an MMIO address, one byte and any length', {
      skip: needs(binding, KVM_CAP_IOEVENTFD, 'KVM_CAP_IOEVENTFD'),
    }, () => {
      const lengths: (0 | 1)[] = capability(binding, KVM_CAP_IOEVENTFD_NO_LENGTH) > 0 ? [1, 0] : [1];
      for (const length of lengths) {
        withGuest(binding, 'mmio-burst', ({ vm, vcpu }) => {
          const eventFd = EventFd.open();
          try {
            vm.assignIoEventFd({ pio: false, address: ADDRESS, length, eventFd });
            for (let n = 0; n < BURSTS; n++) expectBurstEnd(vcpu, n);
            assert.equal(eventFd.take(), BURSTS * WRITES_PER_BURST, `length ${length}`);
          } finally {
            eventFd.close();
          }
        });
      }
    });

    for (const [kind, guest, cap, capName] of [
      ['MMIO', 'mmio-burst', KVM_CAP_COALESCED_MMIO, 'KVM_CAP_COALESCED_MMIO'],
      ['PIO', 'pio-burst', KVM_CAP_COALESCED_PIO, 'KVM_CAP_COALESCED_PIO'],
    ] as const) {
      test(`coalesced ${kind}: each burst waits in the ring, every entry checked`, {
        skip: needs(binding, cap, capName) || needs(binding, KVM_CAP_COALESCED_MMIO, 'KVM_CAP_COALESCED_MMIO'),
      }, () => {
        const pageOffset = capability(binding, KVM_CAP_COALESCED_MMIO);
        withGuest(binding, guest, ({ vm, vcpu }) => {
          const pio = kind === 'PIO';
          const target = pio ? PORT : ADDRESS;
          vm.registerCoalescedZone({ pio, address: target, size: 1 });
          const ring = vcpu.coalescedRing(pageOffset);
          let expected = 0;
          for (let n = 0; n < BURSTS; n++) {
            expectBurstEnd(vcpu, n);
            assert.equal(ring.pending, WRITES_PER_BURST, `burst ${n}: entries in the ring`);
            const drained = ring.drain((address, length, entryPio, data) => {
              assert.equal(address, target);
              assert.equal(length, 1);
              assert.equal(entryPio, pio);
              assert.equal(data, expected & 0xff, `write ${expected}`);
              expected++;
              return true;
            });
            assert.equal(drained, WRITES_PER_BURST);
          }
          assert.equal(ring.pending, 0);
          vm.unregisterCoalescedZone({ pio, address: target, size: 1 });
        });
      });
    }
  });
}

describe('the completion workloads: every exit and every completed write checked', { skip: kvmSkip }, () => {
  const WORKLOADS = COMPLETION_WORKLOAD_NAMES;

  test('each workload runs on every binding, batch after batch', () => {
    const plan = everyBindingPlan(WORKLOADS);
    for (const cell of plan.cells) {
      const binding = getBinding(cell.binding);
      const kvm = Kvm.open(binding);
      try {
        const pio = cell.guest?.name === 'pio-burst';
        const completion = cell.workload.completion as 'ioeventfd' | 'coalesced';
        const missing = missingCapabilities(kvm, completion, pio, cell.workload.ioEventFd);
        if (missing.length) continue; // the capability tests above say which
        const runner = openCellRunner(cell, binding, kvm);
        try {
          for (const n of [1, 50, 300]) assert.ok(runner.run(n) > 0, `${cell.workload.name} on ${cell.binding}`);
        } finally {
          runner.close();
        }
      } finally {
        kvm.close();
      }
    }
  });

  test('a ring entry the guest did not write fails the loop, naming the entry (JS and C loops)', () => {
    const pageOffset = capability(getBinding('napi'), KVM_CAP_COALESCED_MMIO);
    if (capability(getBinding('napi'), KVM_CAP_COALESCED_PIO) <= 0 || pageOffset <= 0) return;
    for (const name of ['napi', 'c-loop'] as const) {
      const binding = getBinding(name);
      const guest = loadGuest('pio-burst');
      const booted = bootGuest(binding, guest);
      try {
        const target = registerCoalesced(booted.vm, guest);
        const ring = { pageOffset, ...target, writesPerExit: 8, writes: { sequence: 0 } };
        const state = { sequence: 0, eintr: 0, ret: 0 };
        const batch = createBatch(binding, { kind: 'pio-out', guest, vcpu: booted.vcpu, ring }, state);
        assert.ok(batch(20) > 0);
        assert.equal(ring.writes.sequence, 160);
        // Queue a write the guest never made (wrong data), as a corrupted ring would show it.
        const { u8, u32 } = booted.vcpu.page();
        const base = (pageOffset * 4096) / 4;
        const last = u32[base + 1] as number;
        const entry = base + 2 + last * 6;
        u32[entry] = PORT;
        u32[entry + 1] = 0;
        u32[entry + 2] = 1;
        u32[entry + 3] = 1;
        u8[(entry + 4) * 4] = 0x99;
        u32[base + 1] = last + 1;
        assert.throws(() => batch(5), /coalesced/, name);
      } finally {
        booted.close();
      }
    }
  });

  test('an ioeventfd whose datamatch the guest does not write completes nothing: the cell fails at the first write', () => {
    const [planned] = everyBindingPlan(['ioeventfd-pio-datamatch']).cells.filter((cell) => cell.binding === 'napi');
    assert.ok(planned);
    assert.equal(
      planned.guest?.registers.rbx,
      BigInt(DATAMATCH_VALUE),
      'the guest writes the matched value throughout',
    );
    const binding = getBinding('napi');
    const kvm = Kvm.open(binding);
    try {
      if (missingCapabilities(kvm, 'ioeventfd', true).length) return;
      const runner = openCellRunner(planned, binding, kvm);
      try {
        assert.ok(runner.run(50) > 0);
      } finally {
        runner.close();
      }
      // The eventfd matches another value than the guest writes: each write reaches userspace.
      const mismatched = {
        ...planned,
        workload: { ...planned.workload, ioEventFd: { length: 1 as const, datamatch: DATAMATCH_VALUE + 1 } },
      };
      const failing = openCellRunner(mismatched, binding, kvm);
      try {
        assert.throws(() => failing.run(5), /0xea/);
      } finally {
        failing.close();
      }
    } finally {
      kvm.close();
    }
  });

  test('an eventfd count that is not one per write fails the batch check', () => {
    const guest = loadGuest('pio-burst');
    const booted = bootGuest(getBinding('napi'), guest);
    try {
      const completion = new IoEventFdCompletion(booted.vm, guest, 8);
      try {
        runExitLoop(getBinding('napi'), { kind: 'exits', guest, vcpu: booted.vcpu }, 20, { sequence: 0 });
        // 20 iterations made 160 signals: a check for 21 sees one lost, for 19 one too many.
        assert.throws(() => completion.checkBatch(21), /counted 160 writes .*expected 168/);
        runExitLoop(getBinding('napi'), { kind: 'exits', guest, vcpu: booted.vcpu }, 20, { sequence: 20 });
        assert.throws(() => completion.checkBatch(19), /counted 160 writes .*expected 152/);
        runExitLoop(getBinding('napi'), { kind: 'exits', guest, vcpu: booted.vcpu }, 20, { sequence: 40 });
        completion.checkBatch(20);
      } finally {
        completion.close();
      }
    } finally {
      booted.close();
    }
  });
});
