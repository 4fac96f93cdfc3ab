/**
 * `run --inject-delay-ns`: a JS binding made slower on purpose, after every KVM_RUN of its exit
 * loops, with every exit still checked; and `compare` of a run with it against one without flags
 * that binding's workloads and no other binding's. Real CLI, real KVM.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openCellRunner } from '../src/bench/cell.js';
import { planRun } from '../src/bench/plan.js';
import { getBinding } from '../src/bindings/registry.js';
import { Kvm } from '../src/kvm/system.js';
import type { Results } from '../src/results/types.js';
import { kvmbench, runFolders } from './helpers/cli.js';
import { kvmSkip } from './helpers/kvm.js';

const plan = (injectDelayNs?: Record<string, number>) =>
  planRun({
    workloads: ['pio-out'],
    bindings: ['napi'],
    rounds: 1,
    timePerRoundMs: 1,
    warmupMs: 0,
    quick: true,
    cpuidK: 8,
    ...(injectDelayNs ? { injectDelayNs } : {}),
  });

/** A pio-out cell through napi, with or without a delay, open on its own VM. */
function openRunner(injectDelayNs?: Record<string, number>) {
  const [cell] = plan(injectDelayNs).cells;
  assert.ok(cell);
  const binding = getBinding('napi');
  const kvm = Kvm.open(binding);
  const runner = openCellRunner(cell, binding, kvm);
  runner.run(N); // warm
  return {
    perExit: () => runner.run(N) / N,
    close: () => {
      runner.close();
      kvm.close();
    },
  };
}

const N = 200;

describe('--inject-delay-ns', { skip: kvmSkip }, () => {
  test('adds at least its delay after every KVM_RUN, every exit still checked', () => {
    const plain = openRunner();
    let delayed: ReturnType<typeof openRunner> | undefined;
    try {
      // Ten exits' worth: the exit's own cost moves by far less than a tenth of that between batches,
      // on an emulated host too. Batches alternate, so a slower phase of the host falls on both.
      const delay = Math.round(10 * plain.perExit());
      delayed = openRunner({ napi: delay });
      let bestPlain = Number.POSITIVE_INFINITY;
      let bestDelayed = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        bestPlain = Math.min(bestPlain, plain.perExit());
        bestDelayed = Math.min(bestDelayed, delayed.perExit());
      }
      const what = `delay ${delay} ns: plain ${bestPlain.toFixed(0)} ns, delayed ${bestDelayed.toFixed(0)} ns per exit`;
      assert.ok(bestDelayed >= delay, `every iteration waits its delay (${what})`);
      assert.ok(bestDelayed - bestPlain >= 0.9 * delay, what);
    } finally {
      delayed?.close();
      plain.close();
    }
  });

  const out = mkdtempSync(join(tmpdir(), 'kvmbench-inject-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const quickRun = (dir: string, extra: string[] = []) => {
    const result = kvmbench(
      ['run', '--quick', '-w', 'pio-out,hlt', '-b', 'c-loop,napi,koffi', '--format', 'json', '--out', dir, ...extra],
      { timeoutMs: 300_000 },
    );
    assert.equal(result.status, 0, result.stderr);
    const [folder] = runFolders(dir);
    assert.ok(folder);
    return join(dir, folder);
  };

  test('compare flags every workload of the delayed binding, and only those', () => {
    const base = quickRun(join(out, 'base'));
    const baseResults = JSON.parse(readFileSync(join(base, 'results.json'), 'utf8')) as Results;
    // Twice the slower floor's own exit cost, so napi's ratio to the floor at least triples on both
    // workloads: a change no host shift between two one-process runs hides (in the sandbox the
    // floor itself has doubled between two such runs, and half the floor then read as inconclusive).
    const floors = baseResults.measurements.filter((m) => m.binding === 'c-loop').map((m) => m.stats?.median ?? 10_000);
    const delay = Math.round(2 * Math.max(...floors));
    const slower = quickRun(join(out, 'slower'), ['--inject-delay-ns', `napi=${delay}`]);
    const slowerResults = JSON.parse(readFileSync(join(slower, 'results.json'), 'utf8')) as Results;
    assert.deepEqual(slowerResults.run.options.injectDelayNs, { napi: delay });
    assert.ok(slowerResults.warnings.some((w) => w.includes('--inject-delay-ns')));

    // A 10 % threshold: the delay moves napi's ratio by over 200 %; one-process runs in an emulated CPU
    // move the others' by up to ~5 %, which is not what this test is about.
    const compared = kvmbench(['compare', base, slower, '--format', 'json', '--threshold', '10'], {
      timeoutMs: 120_000,
    });
    assert.equal(compared.status, 1, `compare exits 1 on a regression: ${compared.stderr}`);
    const comparison = JSON.parse(compared.stdout) as {
      cells: { workload: string; binding: string; verdict: string; gates: boolean }[];
    };
    // The gating verdicts (each binding against the floor); the floor's own absolute change is
    // reported beside and does not gate (two runs' floors differ by 10 % in the sandbox).
    const regressed = comparison.cells
      .filter((cell) => cell.gates && cell.verdict === 'regressed')
      .map((cell) => `${cell.workload}/${cell.binding}`)
      .sort();
    assert.deepEqual(regressed, ['hlt/napi', 'pio-out/napi'], compared.stdout);
  });
});
