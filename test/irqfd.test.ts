/**
 * Interrupts raised through an irqfd on real KVM: an in-kernel irqchip (KVM_CREATE_IRQCHIP), an eventfd
 * assigned to a GSI (KVM_IRQFD), and a guest whose interrupt handler OUTs a running counter (irq-pic).
 * Each test checks what the guest did: every eventfd write is one delivery the handler reported, in
 * order. Capabilities are probed; a missing one skips its tests with its name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  KVM_CAP_GET_TSC_KHZ,
  KVM_CAP_IRQCHIP,
  KVM_CAP_IRQFD,
  KVM_CAP_VCPU_ATTRIBUTES,
  KVM_VCPU_TSC_CTRL,
  KVM_VCPU_TSC_OFFSET,
} from '../src/abi/kvm.js';
import { openCellRunner } from '../src/bench/cell.js';
import { createBatch, type LoopState } from '../src/bench/exit-loops.js';
import {
  deliverWithin,
  GUEST_TIMED_CAPABILITIES,
  IrqFdDelivery,
  missingGuestTimedCapabilities,
  missingIrqFdCapabilities,
  runToReady,
  timeIrqFdByGuest,
} from '../src/bench/irqfd.js';
import { irqFdGuestTiming } from '../src/bench/irqfd-guest-timing.js';
import { getBinding } from '../src/bindings/registry.js';
import type { Binding } from '../src/bindings/types.js';
import { SyscallError } from '../src/errors.js';
import { type BootedGuest, bootGuest } from '../src/guests/boot.js';
import { loadGuest } from '../src/guests/manifest.js';
import { EventFd } from '../src/kvm/eventfd.js';
import { Kvm } from '../src/kvm/system.js';
import type { Results } from '../src/results/types.js';
import { median } from '../src/stats/estimates.js';
import { kvmbench, runFolders } from './helpers/cli.js';
import { allBindings, everyBindingPlan, kvmSkip } from './helpers/kvm.js';

const GSI = 5; // irq-pic's line (exits.interrupt in guests/manifest.json)
const DELIVERIES = 300; // the byte counter wraps

function lacking(binding: Binding): string | false {
  if (kvmSkip) return kvmSkip;
  const kvm = Kvm.open(binding);
  try {
    const missing = missingIrqFdCapabilities(kvm);
    return missing.length ? `this KVM lacks ${missing.join(' and ')}` : false;
  } finally {
    kvm.close();
  }
}

function withIrqGuest(binding: Binding, body: (booted: BootedGuest) => void): void {
  const booted = bootGuest(binding, loadGuest('irq-pic'), undefined, { irqchip: true });
  try {
    body(booted);
  } finally {
    booted.close();
  }
}

for (const binding of allBindings()) {
  const skip = lacking(binding);
  describe(`${binding.name}: KVM_CREATE_IRQCHIP and KVM_IRQFD`, { skip }, () => {
    test('the capabilities are numbered as the kernel headers say', () => {
      const kvm = Kvm.open(binding);
      try {
        assert.ok(kvm.checkExtension(KVM_CAP_IRQCHIP) > 0 && kvm.checkExtension(KVM_CAP_IRQFD) > 0);
      } finally {
        kvm.close();
      }
    });

    test('createIrqchip: once, before the first vCPU; a second time is refused by KVM', () => {
      const kvm = Kvm.open(binding);
      try {
        const vm = kvm.createVm();
        try {
          assert.equal(vm.hasIrqchip, false);
          vm.createIrqchip();
          assert.equal(vm.hasIrqchip, true);
          assert.throws(
            () => vm.createIrqchip(),
            (e: Error) => e instanceof SyscallError && /KVM_CREATE_IRQCHIP/.test(e.message),
          );
        } finally {
          vm.close();
        }
        const late = kvm.createVm();
        try {
          late.createVcpu(0);
          assert.throws(() => late.createIrqchip(), /must come before the first vCPU/);
        } finally {
          late.close();
        }
      } finally {
        kvm.close();
      }
    });

    test('assignIrqFd: a GSI out of range and a VM without an irqchip get clear errors', () => {
      const booted = bootGuest(binding, loadGuest('pio-out'));
      const eventFd = EventFd.open();
      try {
        assert.throws(() => booted.vm.assignIrqFd(eventFd, -1), /GSI must be an integer from 0 to 4095 \(got -1\)/);
        assert.throws(() => booted.vm.assignIrqFd(eventFd, 1.5), /GSI must be an integer/);
        assert.throws(
          () => booted.vm.assignIrqFd(eventFd, GSI),
          (e: Error) => e instanceof SyscallError && /KVM_IRQFD failed.*call createIrqchip\(\) first/.test(e.message),
        );
      } finally {
        eventFd.close();
        booted.close();
      }
    });

    test('each eventfd write is one interrupt the guest handler reports, in order; deassigned, KVM takes none', () => {
      withIrqGuest(binding, ({ vm, vcpu, guest }) => {
        const eventFd = EventFd.open();
        try {
          vm.assignIrqFd(eventFd, GSI);
          runToReady(guest, vcpu);
          for (let i = 0; i < DELIVERIES; i++) {
            eventFd.signal();
            const exit = vcpu.run();
            assert.ok(
              exit.kind === 'io-out' && exit.port === 0xe9 && exit.size === 1 && exit.data[0] === (i & 0xff),
              `delivery ${i}: ${JSON.stringify({ ...exit, data: exit.kind === 'io-out' ? [...exit.data] : undefined })}`,
            );
          }
          // KVM reads an assigned irqfd's counter as the write wakes it: nothing is left to read.
          eventFd.signal();
          assert.equal(eventFd.take(), 0, 'the irqfd consumed the write');
          vm.deassignIrqFd(eventFd, GSI);
          eventFd.signal();
          assert.equal(eventFd.take(), 1, 'deassigned: the write stays in the eventfd');
        } finally {
          eventFd.close();
        }
      });
    });
  });
}

describe('the irqfd workload: every delivery checked', { skip: kvmSkip }, () => {
  test('it runs on every binding, batch after batch', () => {
    const plan = everyBindingPlan(['irqfd']);
    assert.ok(plan.cells.length > 0);
    for (const cell of plan.cells) {
      const binding = getBinding(cell.binding);
      if (lacking(binding)) continue; // the tests above say which capability
      const kvm = Kvm.open(binding);
      try {
        const runner = openCellRunner(cell, binding, kvm);
        try {
          for (const n of [1, 50, 300]) assert.ok(runner.run(n) > 0, `irqfd on ${cell.binding}`);
          const stats = runner.readStats();
          // Where KVM counts port writes (not on PVM): the PIC's setup (10) and the ready OUT, then the
          // handler's EOI and OUT per delivery (the first made while opening, then 351 measured).
          if (stats?.io_exits) assert.equal(stats.io_exits, 11 + 2 * 352, `io_exits on ${cell.binding}`);
        } finally {
          runner.close();
        }
      } finally {
        kvm.close();
      }
    }
  });

  test('a delivery the host did not count (the counter one ahead) fails the loop, JS and C', () => {
    for (const name of ['napi', 'c-loop'] as const) {
      const binding = getBinding(name);
      if (lacking(binding)) return;
      withIrqGuest(binding, ({ vm, vcpu, guest }) => {
        const delivery = new IrqFdDelivery(vm, vcpu, guest);
        try {
          const state: LoopState = { sequence: delivery.delivered, eintr: 0, ret: 0 };
          const batch = createBatch(binding, { kind: 'pio-out', guest, vcpu, irqFd: delivery.eventFd }, state);
          batch(5);
          assert.equal(state.sequence, 6);
          state.sequence = 7; // the host believes one more interrupt arrived than the guest handled
          assert.throws(
            () => batch(1),
            (e: Error) =>
              /iteration 0: expected KVM_EXIT_IO out from the interrupt handler/.test(e.message) &&
              /sequence 0x07/.test(e.message) &&
              /port 0xe9.* data (0x06|\[06\])/.test(e.message),
            name,
          );
        } finally {
          delivery.close();
        }
      });
    }
  });
});

for (const binding of allBindings()) {
  test(`${binding.name}: the vCPU's TSC offset and rate (KVM_GET_DEVICE_ATTR, KVM_GET_TSC_KHZ)`, {
    skip: kvmSkip,
  }, (t) => {
    const kvm = Kvm.open(binding);
    try {
      if (kvm.checkExtension(KVM_CAP_VCPU_ATTRIBUTES) <= 0 || kvm.checkExtension(KVM_CAP_GET_TSC_KHZ) <= 0) {
        t.skip('this KVM lacks KVM_CAP_VCPU_ATTRIBUTES or KVM_CAP_GET_TSC_KHZ');
        return;
      }
      const booted = bootGuest(binding, loadGuest('pio-out'), kvm);
      try {
        const { vcpu } = booted;
        assert.equal(vcpu.hasDeviceAttr(KVM_VCPU_TSC_CTRL, KVM_VCPU_TSC_OFFSET), true);
        assert.equal(vcpu.hasDeviceAttr(KVM_VCPU_TSC_CTRL, 77), false);
        assert.equal(typeof vcpu.tscOffset(), 'bigint');
        assert.ok(vcpu.tscKhz() > 0);
        assert.throws(
          () => vcpu.getDeviceAttr(KVM_VCPU_TSC_CTRL, 77),
          (e: Error) => e instanceof SyscallError && /KVM_GET_DEVICE_ATTR failed: ENXIO/.test(e.message),
        );
      } finally {
        booted.close();
      }
    } finally {
      kvm.close();
    }
  });
}

describe('a delivery that never comes', { skip: kvmSkip }, () => {
  test('is a bounded wait that names the GSI, not a vCPU asleep for ever', () => {
    const binding = getBinding('napi');
    if (lacking(binding)) return;
    withIrqGuest(binding, ({ vm, vcpu, guest }) => {
      const delivery = new IrqFdDelivery(vm, vcpu, guest);
      try {
        deliverWithin(delivery.eventFd, guest, vcpu, 1, 1000);
        vm.deassignIrqFd(delivery.eventFd, GSI); // from here the eventfd write reaches nothing
        const started = performance.now();
        assert.throws(
          () => deliverWithin(delivery.eventFd, guest, vcpu, 2, 300),
          /no interrupt reached its handler within 300 ms of the eventfd write \(irqfd on GSI 5\)/,
        );
        const waited = performance.now() - started;
        assert.ok(waited >= 290 && waited < 5000, `waited ${waited} ms`);
      } finally {
        delivery.eventFd.close();
      }
    });
  });
});

describe('an irqfd timed by the guest', { skip: kvmSkip }, () => {
  test('from the eventfd write to the handler lies inside the host-timed round trip, every delivery', (t) => {
    const kvm = Kvm.open(getBinding('napi'));
    try {
      const missing = [
        ...missingIrqFdCapabilities(kvm),
        ...Object.entries(GUEST_TIMED_CAPABILITIES)
          .filter(([, cap]) => kvm.checkExtension(cap) <= 0)
          .map(([name]) => name),
      ];
      if (missing.length) {
        t.skip(`this KVM lacks ${missing.join(' and ')}`);
        return;
      }
      const times = timeIrqFdByGuest(kvm, DELIVERIES);
      assert.ok(times.tscKhz > 0);
      for (let i = 0; i < DELIVERIES; i++) {
        const wake = times.wakeCycles[i] as number;
        const round = times.roundTripCycles[i] as number;
        assert.ok(wake > 0 && wake < round, `delivery ${i}: wake ${wake} cycles, round trip ${round} cycles`);
      }
      t.diagnostic(
        `median wake ${median([...times.wakeCycles])} cycles of a ${median([...times.roundTripCycles])}-cycle round trip (TSC ${times.tscKhz} kHz, offset ${times.tscOffset})`,
      );
    } finally {
      kvm.close();
    }
  });

  test('a bad delivery count is refused before anything runs', () => {
    const kvm = Kvm.open(getBinding('napi'));
    try {
      assert.throws(() => timeIrqFdByGuest(kvm, 0), /deliveries must be a positive integer \(got 0\)/);
    } finally {
      kvm.close();
    }
  });
});

describe('irqfd timed by the guest in a run', () => {
  test('the figures are the median over turns at the TSC rate, with the interval around them', () => {
    const turns = Array.from({ length: 12 }, (_, i) => ({
      wakeCycles: 2000 + i,
      roundTripCycles: 5000 + i,
      outside: 0,
    }));
    const timing = irqFdGuestTiming(turns, 200, 1_000_000); // 1 GHz: a cycle is a ns
    assert.equal(timing.status, 'ok');
    assert.equal(timing.turns, 12);
    assert.ok(Math.abs((timing.wakeNs ?? 0) - 2005.5) < 1, `${timing.wakeNs}`);
    assert.ok(
      (timing.wakeCi95?.[0] ?? 0) <= (timing.wakeNs ?? 0) && (timing.wakeNs ?? 0) <= (timing.wakeCi95?.[1] ?? 0),
    );
    assert.ok(Math.abs((timing.roundTripNs ?? 0) - 5005.5) < 1);
  });

  test('a wake-up outside its round trip makes the figures unusable, saying why', () => {
    const timing = irqFdGuestTiming([{ wakeCycles: 10, roundTripCycles: 5, outside: 3 }], 200, 1_000_000);
    assert.equal(timing.status, 'unusable');
    assert.match(timing.note ?? '', /3 wake-up\(s\) fell outside their own round trip/);
    assert.equal(irqFdGuestTiming([], 200, 1_000_000).status, 'unusable');
  });

  test('run -w irqfd,pio-out writes it, every delivery inside its round trip', { skip: guestTimedSkip() }, () => {
    const out = mkdtempSync(join(tmpdir(), 'kvmbench-irqfd-'));
    try {
      const result = kvmbench(['run', '--quick', '-w', 'irqfd,pio-out', '-b', 'c-loop,napi', '--out', out], {
        timeoutMs: 300_000,
      });
      assert.equal(result.status, 0, result.stderr);
      const [folder] = runFolders(out);
      const results = JSON.parse(readFileSync(join(out, folder as string, 'results.json'), 'utf8')) as Results;
      const timed = results.irqfdGuestTimed;
      assert.equal(timed?.status, 'ok', timed?.note);
      assert.equal(timed?.turns, results.run.options.rounds);
      assert.ok((timed?.wakeNs ?? 0) > 0 && (timed?.wakeNs ?? 0) < (timed?.roundTripNs ?? 0));
      assert.match(result.stdout, /irqfd timed by the guest/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

function guestTimedSkip(): string | false {
  const lacks = lacking(getBinding('napi'));
  if (lacks) return lacks;
  const kvm = Kvm.open(getBinding('napi'));
  try {
    const missing = missingGuestTimedCapabilities(kvm);
    return missing.length ? `this KVM lacks ${missing.join(' and ')}` : false;
  } finally {
    kvm.close();
  }
}
