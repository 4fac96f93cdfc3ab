/** Peer VMMs without running them: the two-length arithmetic, the command lines, the guest image, the rows. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { compareResults } from '../src/compare/compare-results.js';
import { UsageError } from '../src/errors.js';
import { readPeerGuest, withExitCount } from '../src/peers/guest-image.js';
import { kvmtool } from '../src/peers/kvmtool.js';
import { hostVirtualization, type PeerOutcome } from '../src/peers/measure.js';
import { findExecutable } from '../src/peers/process.js';
import { CPU_CANDIDATES, DEBUG_EXIT_PORT, qemu } from '../src/peers/qemu.js';
import { PEER_START_WORKLOAD, withPeerRows } from '../src/peers/rows.js';
import { extraExitsFor, MAX_EXTRA_EXITS, MIN_EXTRA_EXITS, shortFirst, twoLength } from '../src/peers/two-length.js';
import type { ProcessExit } from '../src/peers/types.js';
import { planRunOptions } from '../src/pipeline/run-options.js';
import { terminalTable } from '../src/report/terminal.js';
import { validateResults } from '../src/results/read.js';
import { makeFixtureResults } from './helpers/fixture-results.js';

const exit = (fields: Partial<ProcessExit>): ProcessExit => ({
  code: 0,
  signal: null,
  output: '',
  timedOut: false,
  ...fields,
});

describe('the two-length method', () => {
  it('recovers the per-exit cost and the start-up from two runs that share the start-up', () => {
    const startNs = 84e6;
    const perExitNs = 5470;
    const t = (n: number) => startNs + n * perExitNs;
    const estimate = twoLength(1000, 201_000, { round: 3, shortNs: t(1000), longNs: t(201_000) });
    assert.equal(estimate.round, 3);
    assert.ok(Math.abs(estimate.perExitNs - perExitNs) < 1e-6);
    assert.ok(Math.abs(estimate.startNs - startNs) < 1e-3);
  });

  it('refuses lengths that cannot be told apart', () => {
    for (const [n1, n2] of [
      [1000, 1000],
      [2000, 1000],
      [-1, 10],
      [1.5, 10],
    ] as const) {
      assert.throws(() => twoLength(n1, n2, { round: 0, shortNs: 1, longNs: 2 }), /n2 > n1 >= 0/);
    }
  });

  it('sizes the long loop from a per-exit estimate, within bounds', () => {
    assert.equal(extraExitsFor(200e6, 5000), 40_000);
    assert.equal(extraExitsFor(200e6, 1e9), MIN_EXTRA_EXITS);
    assert.equal(extraExitsFor(200e6, 0.001), MAX_EXTRA_EXITS);
    assert.equal(extraExitsFor(200e6, -3), MAX_EXTRA_EXITS, 'a loop lost in the noise takes the maximum');
  });

  it('alternates which length runs first', () => {
    assert.deepEqual([0, 1, 2, 3].map(shortFirst), [true, false, true, false]);
  });
});

describe('the peer guest image', () => {
  const image = readPeerGuest();

  it('is a 64 KiB real-mode image with its exit count at offset 4', () => {
    assert.equal(image.length, 0x10000);
    assert.equal(new DataView(image.buffer, image.byteOffset).getUint32(4, true), 1000);
    // The reset vector (QEMU starts there) jumps back to offset 0, where kvmtool starts.
    assert.equal(image[0xfff0], 0xe9);
  });

  it('has three instructions per exit, like pio-out: out %al,(%dx); dec %ecx; jnz back to the out', () => {
    const loop = [0xee, 0x66, 0x49, 0x75, 0xfb];
    const at = Buffer.from(image).indexOf(Buffer.from(loop));
    assert.ok(at > 0, 'the loop bytes are in the image');
  });

  it('writes to the isa-debug-exit port QEMU is given', () => {
    const movDx = Buffer.from([0xba, DEBUG_EXIT_PORT & 0xff, DEBUG_EXIT_PORT >> 8]);
    assert.ok(Buffer.from(image).includes(movDx));
  });

  it('patches the count into a copy and refuses counts the guest cannot hold', () => {
    const patched = withExitCount(image, 123_456);
    assert.equal(new DataView(patched.buffer).getUint32(4, true), 123_456);
    assert.equal(new DataView(image.buffer, image.byteOffset).getUint32(4, true), 1000, 'the original is untouched');
    for (const bad of [0, -1, 2 ** 32, 1.5]) assert.throws(() => withExitCount(image, bad), /exit count/);
  });

  it('names the build command when the image is missing', () => {
    assert.throws(() => readPeerGuest('/nonexistent/peer-pio-out.bin'), /npm run build:guests/);
  });
});

describe('QEMU command lines', () => {
  const context = { image: '/tmp/g.bin', kvmPath: '/dev/kvm' };

  it('tries -cpu host, then without arch-capabilities, on KVM', () => {
    const lines = qemu.candidates('/usr/bin/qemu-system-x86_64', { ...context, accelerator: 'kvm' });
    assert.equal(lines.length, CPU_CANDIDATES.length);
    assert.deepEqual(
      lines.map((line) => line[line.indexOf('-cpu') + 1]),
      ['host', 'host,-arch-capabilities'],
    );
    for (const line of lines) {
      assert.equal(line[0], '/usr/bin/qemu-system-x86_64');
      assert.equal(line[line.indexOf('-accel') + 1], 'kvm');
      assert.equal(line[line.indexOf('-bios') + 1], '/tmp/g.bin');
      assert.match(line[line.indexOf('-machine') + 1] as string, /^microvm,/);
      assert.ok(line.includes('-nodefaults'));
      assert.ok(line.includes(`isa-debug-exit,iobase=0x${DEBUG_EXIT_PORT.toString(16)},iosize=4`));
    }
  });

  it('uses TCG with its default CPU without KVM, and says the rows are emulated', () => {
    assert.equal(qemu.accelerator(false), 'tcg');
    const lines = qemu.candidates('qemu-system-x86_64', { ...context, accelerator: 'tcg' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.[lines[0].indexOf('-accel') + 1], 'tcg');
    assert.ok(!lines[0]?.includes('-cpu'));
    assert.match(qemu.describe('tcg', lines[0] ?? []), /emulated/);
  });

  it('counts only the isa-debug-exit status as the guest asking to stop', () => {
    assert.equal(qemu.exitedAsAsked(exit({ code: 1 })), true);
    assert.equal(qemu.exitedAsAsked(exit({ code: 0 })), false);
    assert.equal(qemu.exitedAsAsked(exit({ code: 134, signal: null })), false);
    assert.equal(qemu.exitedAsAsked(exit({ code: 1, timedOut: true })), false);
  });

  it('explains the MSR 0x10a abort', () => {
    const output = 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nAssertion failed';
    assert.match(
      qemu.diagnose(exit({ code: 134, output }), { vmx: false, svm: false }) ?? '',
      /IA32_ARCH_CAPABILITIES/,
    );
  });
});

describe('kvmtool command lines', () => {
  it('runs the flat binary with --nodefaults on the given KVM device', () => {
    const [line] = kvmtool.candidates('/usr/local/bin/lkvm', {
      image: '/tmp/g.bin',
      accelerator: 'kvm',
      kvmPath: '/dev/kvm2',
    });
    assert.deepEqual(line, [
      '/usr/local/bin/lkvm',
      'run',
      '--nodefaults',
      '--network',
      'mode=none',
      '--dev',
      '/dev/kvm2',
      '-c',
      '1',
      '-m',
      '64',
      '-k',
      '/tmp/g.bin',
    ]);
  });

  it('needs KVM', () => {
    assert.deepEqual(kvmtool.accelerator(true), 'kvm');
    assert.match((kvmtool.accelerator(false) as { unavailable: string }).unavailable, /needs KVM/);
  });

  it('says why it refuses to start on a CPU without VMX or SVM (PVM)', () => {
    const refused = exit({ code: 1, output: '  Error: Your CPU does not support hardware virtualization\n' });
    assert.match(kvmtool.diagnose(refused, { vmx: false, svm: false }) ?? '', /neither VMX nor SVM.*docs\/peers.md/);
    assert.doesNotMatch(kvmtool.diagnose(refused, { vmx: true, svm: false }) ?? '', /neither/);
    assert.equal(kvmtool.exitedAsAsked(refused), false);
    assert.equal(kvmtool.exitedAsAsked(exit({ code: 0 })), true);
  });

  it('reads the CPU flags that kvmtool checks', () => {
    assert.deepEqual(hostVirtualization('processor: 0\nflags\t\t: fpu vme svm lm\n'), { vmx: false, svm: true });
    assert.deepEqual(hostVirtualization('flags : fpu hypervisor\n'), { vmx: false, svm: false });
    assert.deepEqual(hostVirtualization(''), { vmx: false, svm: false });
  });
});

describe('finding a peer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvmbench-peers-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('looks on PATH for an executable file', () => {
    writeFileSync(join(dir, 'lkvm'), '#!/bin/sh\n');
    assert.equal(findExecutable(['lkvm'], `/nonexistent:${dir}`), undefined, 'not executable yet');
    chmodSync(join(dir, 'lkvm'), 0o755);
    assert.equal(findExecutable(['lkvm'], `/nonexistent:${dir}`), join(dir, 'lkvm'));
  });

  it('--peers takes known names only', () => {
    assert.deepEqual(planRunOptions({ peers: 'qemu,kvmtool,qemu' }).peers, ['qemu', 'kvmtool']);
    assert.equal(planRunOptions({}).peers, undefined);
    assert.throws(
      () => planRunOptions({ peers: 'qemu,firecracker' }),
      (error: unknown) => error instanceof UsageError && /--peers: unknown name 'firecracker'/.test(error.message),
    );
  });
});

function outcome(name: 'qemu' | 'kvmtool', accelerator: 'kvm' | 'tcg', perExitNs: number): PeerOutcome {
  const rounds = [0, 1, 2, 3, 4, 5, 6, 7].map((round) => {
    const start = 90e6 + round * 1e6;
    return { round, shortNs: start + 1000 * perExitNs, longNs: start + 41_000 * perExitNs * (1 + round * 0.001) };
  });
  return {
    name,
    status: 'measured',
    version: `${name} 1.0`,
    accelerator,
    command: [name, '-bios', '/tmp/kvmbench-peers-x/peer-pio-out-1000.bin'],
    probeNsPerExit: perExitNs,
    n1: 1000,
    n2: 41_000,
    rounds,
    sampleTimesMs: rounds.map((r) => 1000 + r.round * 100),
  };
}

describe('peer rows in the results', () => {
  const base = makeFixtureResults();
  const outcomes: PeerOutcome[] = [
    outcome('qemu', 'kvm', 5470),
    { name: 'kvmtool', status: 'skipped', reason: 'lkvm not found on PATH' },
  ];
  const results = withPeerRows(base, outcomes);

  it('adds the peer as a binding of kind peer, saying which guest it ran', () => {
    const info = results.bindings.find((binding) => binding.name === 'qemu');
    assert.equal(info?.kind, 'peer');
    assert.equal(info?.emulated, undefined);
    assert.equal(info?.peer?.guest, 'peer-pio-out');
    assert.deepEqual(info?.peer?.exits, [1000, 41_000]);
    assert.match(info?.description ?? '', /3 instructions per exit/);
    assert.ok(!info?.peer?.command.some((arg) => arg.includes('/tmp/')), 'no temporary path in the results');
    assert.equal(results.bindings.length, base.bindings.length + 1, 'a skipped peer gets no binding');
  });

  it('puts pio-out per exit beside the bindings, and peer-start after lifecycle', () => {
    const order = results.measurements.map((m) => `${m.workload}/${m.binding}`);
    const lastPio = order.lastIndexOf('pio-out/koffi-variadic');
    assert.equal(order[lastPio + 1], 'pio-out/qemu');
    const lastLifecycle = order.lastIndexOf('lifecycle/koffi-variadic');
    assert.equal(order[lastLifecycle + 1], `${PEER_START_WORKLOAD}/qemu`);
    assert.ok(results.workloads.some((w) => w.name === PEER_START_WORKLOAD));
  });

  it('computes turn statistics over rounds, and the overhead against the floor unpaired', () => {
    const row = results.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'qemu');
    assert.equal(row?.status, 'ok');
    assert.equal(row?.samples.length, 8);
    assert.equal(row?.iterationsPerSample, 40_000);
    assert.ok(Math.abs((row?.stats?.median ?? 0) - 5470 * 1.0035) < 10);
    assert.equal(row?.stats?.turns, 8);
    assert.ok(row?.overheadVsFloor, 'KVM peers are set against the floor');
    const start = results.measurements.find((m) => m.workload === PEER_START_WORKLOAD);
    assert.ok(start?.stats && start.stats.median > 90e6 && start.stats.median < 98e6);
  });

  it('says in one line why a peer was skipped', () => {
    assert.ok(results.warnings.includes('peer kvmtool skipped: lkvm not found on PATH'));
  });

  it('labels emulated peers and does not set them against the floor', () => {
    const emulated = withPeerRows(base, [outcome('qemu', 'tcg', 12)]);
    assert.equal(emulated.bindings.find((b) => b.name === 'qemu')?.emulated, true);
    const row = emulated.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'qemu');
    assert.equal(row?.overheadVsFloor, undefined);
    assert.ok(emulated.warnings.some((w) => /peer qemu ran under TCG.*emulated/.test(w)));
    assert.match(terminalTable(emulated), /^pio-out\s+qemu \(emulated\)\s+/m);
    assert.doesNotMatch(terminalTable(results), /emulated/);
  });

  it('keeps the rounds of a peer that failed later, marked failed with why', () => {
    const failed = { ...outcome('qemu', 'kvm', 5000), status: 'failed', reason: 'round 9: killed' } as PeerOutcome;
    const rows = withPeerRows(base, [failed]).measurements.filter((m) => m.binding === 'qemu');
    assert.deepEqual(
      rows.map((m) => [m.status, m.error]),
      [
        ['failed', 'round 9: killed'],
        ['failed', 'round 9: killed'],
      ],
    );
  });

  it('validates against the results schema', () => {
    assert.doesNotThrow(() => validateResults(JSON.parse(JSON.stringify(results)), 'peer rows'));
  });

  it('is matched by compare on workload and binding', () => {
    const later = withPeerRows(base, [outcome('qemu', 'kvm', 6000)]);
    const comparison = compareResults(results, later);
    const cell = comparison.cells.find((c) => c.workload === 'pio-out' && c.binding === 'qemu');
    assert.ok(cell, 'the qemu pio-out cell is compared');
    assert.ok(cell.ratio > 1.05 && cell.ratio < 1.15);
    assert.ok(comparison.cells.some((c) => c.workload === PEER_START_WORKLOAD && c.binding === 'qemu'));
  });
});
