/**
 * `kvmbench run --vmm-designs` on real /dev/kvm: after the rounds, every vCPU threading design and
 * the synchronous loop run in interleaved rounds, every exit of every turn checked, and results.json
 * has them with their per-exit medians, intervals and ratios to sync; a Ctrl-C during the step
 * keeps what was measured and marks the run incomplete. Real CLI, real KVM (the sandbox runs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Results, VmmDesignResult } from '../src/results/types.js';
import { CLI, kvmbenchAsync, runFolders } from './helpers/cli.js';
import { kvmSkip } from './helpers/kvm.js';

const scratch = mkdtempSync(join(tmpdir(), 'kvmbench-vmm-designs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const DESIGNS = ['sync', 'worker-vcpu', 'c-thread-vcpu', 'koffi-async'];

function resultsIn(out: string): Results {
  const [folder] = runFolders(out);
  assert.ok(folder, 'a run folder was written');
  return JSON.parse(readFileSync(join(out, folder, 'results.json'), 'utf8')) as Results;
}

/** Every turn took the exits it was sized for, and every one was checked. */
function assertChecked(design: VmmDesignResult): void {
  assert.equal(design.status, 'ok', `${design.design}: ${design.error}`);
  assert.ok(design.turns.length > 0, design.design);
  for (const turn of design.turns) {
    assert.equal(turn.exits, design.exitsPerTurn, `${design.design} round ${turn.round}`);
    assert.equal(turn.checked, turn.exits, `${design.design} round ${turn.round}`);
  }
  assert.equal(design.checked, design.exits);
}

describe('run --vmm-designs', { skip: kvmSkip }, () => {
  test('all: every design and sync in interleaved rounds, every exit checked, in results.json and the table', async () => {
    const out = join(scratch, 'all');
    const result = await kvmbenchAsync(
      ['run', '--quick', '-w', 'pio-out', '-b', 'napi', '--vmm-designs', 'all', '--format', 'json', '--out', out],
      { timeoutMs: 540_000 },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /vCPU threading \(run --vmm-designs\):/);
    const results = resultsIn(out);
    assert.deepEqual(results.run.options.vmmDesigns, DESIGNS);
    assert.ok(results.measurements.some((m) => m.workload === 'pio-out' && m.binding === 'napi' && m.status === 'ok'));
    const section = results.vmmDesigns;
    assert.ok(section, 'results.json has vmmDesigns');
    assert.equal(section.baseline, 'sync');
    assert.equal(section.rounds, 12);
    assert.deepEqual(
      section.designs.map((design) => design.design),
      DESIGNS,
    );
    for (const design of section.designs) {
      assertChecked(design);
      assert.equal(design.turns.length, section.rounds, design.design);
      const [low, high] = design.elapsedCi95 ?? [Number.NaN, Number.NaN];
      const median = design.elapsedNs ?? Number.NaN;
      assert.ok(low <= median && median <= high && median > 0, `${design.design}: ${median} in [${low}, ${high}]`);
      assert.ok((design.kvmRunNs ?? 0) > 0 && (design.handlingNs ?? 0) > 0, design.design);
      if (design.design === 'sync') assert.equal(design.vsSync, undefined);
      else assert.equal(design.vsSync?.pairs, section.rounds, design.design);
      if (design.design === 'koffi-async') assert.match(design.antiPattern ?? '', /KVM swaps vcpu->pid/);
      else assert.equal(design.threadHops, 0, design.design);
      if (design.design === 'c-thread-vcpu') assert.ok((design.ringFullWaits ?? -1) >= 0);
    }
  });

  test('Ctrl-C during the designs: exit 130, the turns measured written, the run incomplete', async () => {
    const out = join(scratch, 'interrupted');
    const args = ['run', '--quick', '-w', 'pio-out', '-b', 'napi', '-r', '100', '--vmm-designs', 'sync,c-thread-vcpu'];
    const child = spawn(process.execPath, [CLI, ...args, '--format', 'json', '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      const before = stderr;
      stderr += chunk;
      if (!/round 3 of/.test(before) && /vCPU threading: round 3 of 100/.test(stderr)) child.kill('SIGINT');
    });
    const status = await new Promise<number | null>((resolve, reject) => {
      const limit = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no exit within 300 s; stderr:\n${stderr}`));
      }, 300_000);
      child.on('exit', (code) => {
        clearTimeout(limit);
        resolve(code);
      });
    });
    assert.equal(status, 130, stderr);
    const results = resultsIn(out);
    assert.equal(results.run.status, 'incomplete');
    for (const design of results.vmmDesigns?.designs ?? []) {
      assertChecked(design);
      assert.ok(design.turns.length >= 2 && design.turns.length < 100, `${design.design}: ${design.turns.length}`);
    }
    assert.equal(results.vmmDesigns?.designs.length, 2);
  });
});
