/**
 * QEMU as a peer, run for real: under TCG wherever qemu-system-x86_64 is installed, on KVM where
 * /dev/kvm is usable too (and then through the CLI, whose outputs must all show the rows).
 * Skips, saying why, without QEMU.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { measurePeers } from '../src/peers/measure.js';
import { findExecutable } from '../src/peers/process.js';
import { withPeerRows } from '../src/peers/rows.js';
import { kvmbenchAsync } from './helpers/cli.js';
import { makeFixtureResults } from './helpers/fixture-results.js';
import { kvmSkip } from './helpers/kvm.js';

const noQemu = findExecutable(['qemu-system-x86_64'])
  ? false
  : 'qemu-system-x86_64 is not on PATH (apt-get install qemu-system-x86)';
if (noQemu) process.stdout.write(`# QEMU peer tests skipped: ${noQemu}\n`);
const noQemuOrKvm = noQemu || kvmSkip;

const options = (kvmPath: string) => ({
  peers: ['qemu'] as const,
  rounds: 3,
  targetLoopMs: 100,
  kvmPath,
  runStartMs: performance.now(),
  stopped: () => false,
});

describe('QEMU as a peer', { timeout: 240_000 }, () => {
  it('runs the guest under TCG without KVM, and its rows are labelled emulated', { skip: noQemu }, async () => {
    const [outcome] = await measurePeers(options('/nonexistent/kvm'));
    assert.equal(outcome?.status, 'measured', JSON.stringify(outcome));
    assert.ok(outcome && 'accelerator' in outcome);
    assert.equal(outcome.accelerator, 'tcg');
    assert.equal(outcome.rounds.length, 3);
    const results = withPeerRows(makeFixtureResults(), [outcome]);
    assert.equal(results.bindings.find((b) => b.name === 'qemu')?.emulated, true);
    const row = results.measurements.find((m) => m.workload === 'pio-out' && m.binding === 'qemu');
    assert.ok(row?.stats && row.stats.median > 0, `a positive per-exit cost under TCG (${row?.stats?.median} ns)`);
  });

  it('runs the guest on KVM, per exit within a plausible range', { skip: noQemuOrKvm }, async () => {
    const [outcome] = await measurePeers(options('/dev/kvm'));
    assert.equal(outcome?.status, 'measured', JSON.stringify(outcome));
    assert.ok(outcome && 'accelerator' in outcome);
    assert.equal(outcome.accelerator, 'kvm');
    const rows = withPeerRows(makeFixtureResults(), [outcome]).measurements.filter((m) => m.binding === 'qemu');
    const perExit = rows.find((m) => m.workload === 'pio-out')?.stats?.median ?? 0;
    const start = rows.find((m) => m.workload === 'peer-start')?.stats?.median ?? 0;
    // A KVM PIO exit through QEMU costs ~1-100 us (PVM and loaded hosts at the top); a start ~10 ms-10 s.
    assert.ok(perExit > 500 && perExit < 200_000, `per exit ${perExit} ns`);
    assert.ok(start > 5e6 && start < 10e9, `start-up ${start} ns`);
  });

  describe('through the CLI', { skip: noQemuOrKvm }, () => {
    const out = mkdtempSync(join(tmpdir(), 'kvmbench-peers-cli-'));
    after(() => rmSync(out, { recursive: true, force: true }));

    it('run --peers qemu,kvmtool shows the qemu rows in every output; a missing peer is one line', async () => {
      const result = await kvmbenchAsync([
        'run',
        '--quick',
        '--rounds',
        '3',
        '--workloads',
        'pio-out',
        '--bindings',
        'c-loop',
        '--peers',
        'qemu,kvmtool',
        '--format',
        'json,csv,html',
        '--out',
        out,
      ]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^pio-out\s+qemu\s+\S+/m);
      assert.match(result.stdout, /^peer-start\s+qemu\s+\S+ ms/m);
      if (!findExecutable(['lkvm'])) {
        assert.equal(result.stderr.match(/peer kvmtool skipped/g)?.length, 1, result.stderr);
      }
      const folder = join(out, readdirSync(out).find((name) => name !== 'latest' && !name.endsWith('.json')) ?? '');
      const json = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8'));
      assert.ok(json.measurements.some((m: { binding: string }) => m.binding === 'qemu'));
      for (const file of readdirSync(folder).filter((name) => /\.(csv|html)$/.test(name))) {
        assert.match(readFileSync(join(folder, file), 'utf8'), /qemu/, `${file} shows the qemu rows`);
      }
      assert.ok(existsSync(join(folder, 'report.html')));
    });
  });
});
